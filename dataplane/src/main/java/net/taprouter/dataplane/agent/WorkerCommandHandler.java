package net.taprouter.dataplane.agent;

import java.util.List;
import net.taprouter.dataplane.capture.CaptureTap;
import net.taprouter.dataplane.neigh.NeighbourEntry;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.pipeline.ArpResolver;
import net.taprouter.dataplane.pipeline.ForwardingContext;

/**
 * The worker side of the control proxy: applies each {@link WorkerCommand} to this worker's own
 * tables (its neighbour table and ARP queues, through its {@link ArpResolver}). Runs only on the
 * worker's thread, between frame batches ({@link ForwardingAgent} drains the command queue), so
 * the tables keep one writer. One method per command; the proxy ({@link WorkerProxy}) sends
 * every command to every worker and merges the answers.
 */
public final class WorkerCommandHandler {
    private final ArpResolver resolver;
    private final ForwardingContext context;

    WorkerCommandHandler(ArpResolver resolver, ForwardingContext context) {
        this.resolver = resolver;
        this.context = context;
    }

    NeighbourTable.Saved onSetPermanentNeighbour(WorkerCommand.SetPermanentNeighbour c) {
        return resolver.setPermanent(c.iface(), c.address(), c.mac());
    }

    void onUnsetPermanentNeighbour(WorkerCommand.UnsetPermanentNeighbour c) {
        resolver.unsetPermanent(c.iface(), c.address(), c.previous());
    }

    ArpResolver.Held onHoldNeighbour(WorkerCommand.HoldNeighbour c) {
        return resolver.hold(c.iface(), c.address());
    }

    List<ArpResolver.Held> onHoldDynamicNeighbours(WorkerCommand.HoldDynamicNeighbours c) {
        return resolver.holdDynamic();
    }

    void onRestoreNeighbours(WorkerCommand.RestoreNeighbours c) {
        resolver.restore(c.held());
    }

    void onReleaseNeighbours(WorkerCommand.ReleaseNeighbours c) {
        resolver.release(c.held());
    }

    void onInterfaceMacChanged(WorkerCommand.InterfaceMacChanged c) {
        resolver.interfaceMacChanged(c.iface(), c.mac());
    }

    void onForgetLearnedNeighbours(WorkerCommand.ForgetLearnedNeighbours c) {
        resolver.forgetLearned(c.iface());
    }

    void onDiscardInterfaceNeighbours(WorkerCommand.DiscardInterfaceNeighbours c) {
        resolver.discardInterface(c.iface());
    }

    List<NeighbourEntry> onSnapshotNeighbours(WorkerCommand.SnapshotNeighbours c) {
        return context.neighbours.snapshot(context.nowNanos);
    }

    void onArmCapture(WorkerCommand.ArmCapture c) {
        context.capture.arm(new CaptureTap.Session(c.id(), c.port(), c.directions(), c.ring(), c.epochOffsetNanos()));
    }

    void onDisarmCapture(WorkerCommand.DisarmCapture c) {
        context.capture.disarm(c.id());
    }
}
