package net.taprouter.dataplane.agent;

import java.util.List;
import net.taprouter.dataplane.conntrack.ConntrackSlice;
import net.taprouter.dataplane.conntrack.ConntrackState;
import net.taprouter.dataplane.conntrack.ConntrackStats;
import net.taprouter.dataplane.conntrack.ConntrackTable;
import net.taprouter.dataplane.l2.FdbEntry;
import net.taprouter.dataplane.capture.CaptureTap;
import net.taprouter.dataplane.event.EventTap;
import net.taprouter.dataplane.neigh.NeighbourEntry;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.pipeline.ArpResolver;
import net.taprouter.dataplane.pipeline.ForwardingContext;
import net.taprouter.dataplane.pipeline.ForwardingGraph;

/**
 * The worker side of the control proxy: applies each {@link WorkerCommand} to this worker's own
 * tables (its neighbour table and ARP queues, through its {@link ArpResolver}; the FDB of each
 * bridge, {@code l2.FdbTables}; its conntrack table). Runs only on the
 * worker's thread, between frame batches ({@link ForwardingAgent} drains the command queue), so
 * the tables keep one writer. One method per command; the proxy ({@link WorkerProxy}) sends
 * every command to every worker and merges the answers.
 */
public final class WorkerCommandHandler {
    private final ArpResolver resolver;
    private final ForwardingContext context;
    private final ForwardingGraph graph;

    WorkerCommandHandler(ForwardingGraph graph, ForwardingContext context) {
        this.resolver = graph.resolver();
        this.context = context;
        this.graph = graph;
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

    void onCreateFdb(WorkerCommand.CreateFdb c) {
        context.fdbs.create(c.bridge(), c.maxEntries(), c.perPortLimit(), c.ageingMillis());
    }

    void onDropFdb(WorkerCommand.DropFdb c) {
        context.fdbs.drop(c.bridge());
    }

    long onFdbAgeing(WorkerCommand.FdbAgeing c) {
        return context.fdbs.ageing(c.bridge(), c.ageingMillis());
    }

    void onResizeFdb(WorkerCommand.ResizeFdb c) {
        context.fdbs.resize(c.bridge(), c.maxEntries(), c.perPortLimit());
    }

    FdbEntry onSetStaticFdb(WorkerCommand.SetStaticFdb c) {
        return context.fdbs.setStatic(c.bridge(), c.vlan(), c.mac(), c.port());
    }

    FdbEntry onDeleteFdb(WorkerCommand.DeleteFdb c) {
        return context.fdbs.delete(c.bridge(), c.vlan(), c.mac(), c.port());
    }

    List<FdbEntry> onFlushFdb(WorkerCommand.FlushFdb c) {
        return context.fdbs.flush(c.bridge(), c.port(), c.includeStatic());
    }

    List<FdbEntry> onFlushFdbVlans(WorkerCommand.FlushFdbVlans c) {
        return context.fdbs.flushVlans(c.bridge(), c.port(), c.first(), c.last());
    }

    void onRestoreFdb(WorkerCommand.RestoreFdb c) {
        context.fdbs.restore(c.entries());
    }

    void onForgetFdbPort(WorkerCommand.ForgetFdbPort c) {
        context.fdbs.forgetPort(c.port());
    }

    List<FdbEntry> onSnapshotFdb(WorkerCommand.SnapshotFdb c) {
        return context.fdbs.snapshot(c.bridge(), context.nowNanos / 1_000_000);
    }

    List<NeighbourEntry> onSnapshotNeighbours(WorkerCommand.SnapshotNeighbours c) {
        return context.neighbours.snapshot(context.nowNanos);
    }

    void onArmCapture(WorkerCommand.ArmCapture c) {
        context.capture.arm(new CaptureTap.Session(c.id(), c.port(), c.directions(), c.match(), c.ring(), c.epochOffsetNanos()));
    }

    void onDisarmCapture(WorkerCommand.DisarmCapture c) {
        context.capture.disarm(c.id());
    }

    void onArmEvents(WorkerCommand.ArmEvents c) {
        tap(c.source()).arm(new EventTap.Session(c.id(), c.kinds(), c.ring()));
    }

    void onDisarmEvents(WorkerCommand.DisarmEvents c) {
        tap(c.source()).disarm(c.id());
    }

    private EventTap tap(EventSource source) {
        return switch (source) {
            case CONNTRACK -> context.conntrack.events().tap;
            case FDB -> context.fdbs.events.tap;
            case NEIGH -> context.neighbours.events.tap;
        };
    }

    void onArmTrace(WorkerCommand.ArmTrace c) {
        context.tracer.arm(c.records());
    }

    void onClearTrace(WorkerCommand.ClearTrace c) {
        context.tracer.clear();
    }

    net.taprouter.dataplane.trace.TraceSnapshot onSnapshotTrace(WorkerCommand.SnapshotTrace c) {
        return context.tracer.snapshot();
    }

    ConntrackSlice onConntrackDump(WorkerCommand.ConntrackDump c) {
        ConntrackTable table = context.conntrack;
        return table.slice(c.filter(), c.from(), c.max(), c.delete(), table.seconds(context.nowNanos));
    }

    Integer onConntrackFlush(WorkerCommand.ConntrackFlush c) {
        return context.conntrack.flush();
    }

    ConntrackStats onConntrackStatistics(WorkerCommand.ConntrackStatistics c) {
        return context.conntrack.statistics();
    }

    void onConntrackResize(WorkerCommand.ConntrackResize c) {
        ConntrackTable table = context.conntrack;
        if (c.table() == null) {
            table.maxFlows(c.max());
        } else {
            table.resize(c.table(), table.seconds(context.nowNanos));
        }
    }

    void onConntrackStart(WorkerCommand.ConntrackStart c) {
        ConntrackTable table = context.conntrack;
        if (!table.started()) {
            table.start(c.table(), c.mappings());
            graph.wakeHooks();
        }
    }

    ConntrackState onConntrackExport(WorkerCommand.ConntrackExport c) {
        ConntrackTable table = context.conntrack;
        return table.export(c.from(), c.max(), table.seconds(context.nowNanos));
    }

    void onConntrackHold(WorkerCommand.ConntrackHold c) {
        context.conntrack.holdNewFlows(c.hold());
    }

    Integer onConntrackRestore(WorkerCommand.ConntrackRestore c) {
        ConntrackTable table = context.conntrack;
        return table.restore(c.state(), table.seconds(context.nowNanos));
    }
}
