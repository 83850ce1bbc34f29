package net.taprouter.dataplane.agent;

import java.util.List;
import net.taprouter.dataplane.conntrack.ConntrackFilter;
import net.taprouter.dataplane.conntrack.ConntrackSlice;
import net.taprouter.dataplane.conntrack.ConntrackState;
import net.taprouter.dataplane.conntrack.ConntrackStats;
import net.taprouter.dataplane.conntrack.FlowTable;
import net.taprouter.dataplane.conntrack.NatMappings;
import net.taprouter.dataplane.l2.FdbEntry;
import net.taprouter.dataplane.capture.CaptureRing;
import net.taprouter.dataplane.event.EventRing;
import net.taprouter.dataplane.neigh.NeighbourEntry;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.pipeline.ArpResolver;

/**
 * A command message from the control thread to one forwarding worker, carried by the worker's
 * command queue ({@link WorkerProxy} sends, {@link ForwardingAgent} delivers it between frame
 * batches) and applied by the worker's {@link WorkerCommandHandler} to the worker's own tables.
 * Control plane only: a record per command is fine here, it is never per packet.
 *
 * <p>A message is plain data (interface indices, addresses, MACs, what an earlier reply of the same
 * worker returned): it reaches no table itself. {@link #applyTo} only picks the handler method.
 *
 * @param <R> what the worker answers (Void: nothing)
 */
public interface WorkerCommand<R> {

    /** Runs on the worker's thread: hands the message to its handler method. */
    R applyTo(WorkerCommandHandler worker);

    /** {@code neigh add|replace}: (interface, address) becomes PERMANENT; answers the entry as it was (null: none). */
    record SetPermanentNeighbour(int iface, int address, long mac) implements WorkerCommand<NeighbourTable.Saved> {
        @Override
        public NeighbourTable.Saved applyTo(WorkerCommandHandler worker) {
            return worker.onSetPermanentNeighbour(this);
        }
    }

    /** Undo of {@link SetPermanentNeighbour} on the worker that answered {@code previous}. */
    record UnsetPermanentNeighbour(int iface, int address, NeighbourTable.Saved previous) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onUnsetPermanentNeighbour(this);
            return null;
        }
    }

    /** {@code neigh del} in a transaction: the entry out but held; answers it, or null if there is none. */
    record HoldNeighbour(int iface, int address) implements WorkerCommand<ArpResolver.Held> {
        @Override
        public ArpResolver.Held applyTo(WorkerCommandHandler worker) {
            return worker.onHoldNeighbour(this);
        }
    }

    /** {@code neigh flush} in a transaction: every entry that is not PERMANENT out but held. */
    record HoldDynamicNeighbours() implements WorkerCommand<List<ArpResolver.Held>> {
        @Override
        public List<ArpResolver.Held> applyTo(WorkerCommandHandler worker) {
            return worker.onHoldDynamicNeighbours(this);
        }
    }

    /** Undo of a hold: this worker's held entries come back. */
    record RestoreNeighbours(List<ArpResolver.Held> held) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onRestoreNeighbours(this);
            return null;
        }
    }

    /** Commit of a hold: this worker's held entries are freed. */
    record ReleaseNeighbours(List<ArpResolver.Held> held) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onReleaseNeighbours(this);
            return null;
        }
    }

    /** An interface's MAC changed: its entries stay, their prebuilt headers get the new source MAC. */
    record InterfaceMacChanged(int iface, long mac) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onInterfaceMacChanged(this);
            return null;
        }
    }

    /** The device of an interface's port was replaced: the neighbours learned on it go (PERMANENT ones stay). */
    record ForgetLearnedNeighbours(int iface) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onForgetLearnedNeighbours(this);
            return null;
        }
    }

    /** An interface's removal: every entry of it goes (its waiting packets dropped as neighbour_flushed). */
    record DiscardInterfaceNeighbours(int iface) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onDiscardInterfaceNeighbours(this);
            return null;
        }
    }

    /** A bridge is made: its FDB on this worker. */
    record CreateFdb(int bridge, int maxEntries, int perPortLimit, long ageingMillis) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onCreateFdb(this);
            return null;
        }
    }

    /** A bridge's removal finished: its FDB goes. */
    record DropFdb(int bridge) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onDropFdb(this);
            return null;
        }
    }

    /** {@code link set BRIDGE ageing S}: answers the previous ageing time (ms). */
    record FdbAgeing(int bridge, long ageingMillis) implements WorkerCommand<Long> {
        @Override
        public Long applyTo(WorkerCommandHandler worker) {
            return worker.onFdbAgeing(this);
        }
    }

    /** {@code link set BRIDGE fdb_max N | fdb_port_limit N}: the FDB rebuilt with new bounds. */
    record ResizeFdb(int bridge, int maxEntries, int perPortLimit) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onResizeFdb(this);
            return null;
        }
    }

    /** {@code fdb add}: a static entry; answers the entry as it was (port -1: none). */
    record SetStaticFdb(int bridge, int vlan, long mac, int port) implements WorkerCommand<FdbEntry> {
        @Override
        public FdbEntry applyTo(WorkerCommandHandler worker) {
            return worker.onSetStaticFdb(this);
        }
    }

    /** {@code fdb del}: answers the entry removed, or null if the MAC is not on that port. */
    record DeleteFdb(int bridge, int vlan, long mac, int port) implements WorkerCommand<FdbEntry> {
        @Override
        public FdbEntry applyTo(WorkerCommandHandler worker) {
            return worker.onDeleteFdb(this);
        }
    }

    /** {@code fdb flush}, a port leaving its bridge: answers the entries removed. */
    record FlushFdb(int bridge, int port, boolean includeStatic) implements WorkerCommand<List<FdbEntry>> {
        @Override
        public List<FdbEntry> applyTo(WorkerCommandHandler worker) {
            return worker.onFlushFdb(this);
        }
    }

    /** {@code bridge vlan del}: the learned entries of a port in VLANs first..last go; answers them. */
    record FlushFdbVlans(int bridge, int port, int first, int last) implements WorkerCommand<List<FdbEntry>> {
        @Override
        public List<FdbEntry> applyTo(WorkerCommandHandler worker) {
            return worker.onFlushFdbVlans(this);
        }
    }

    /** Undo of an FDB change: the entries as they were (port -1: none). */
    record RestoreFdb(List<FdbEntry> entries) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onRestoreFdb(this);
            return null;
        }
    }

    /** A port's removal finished: no bridge keeps an entry on it. */
    record ForgetFdbPort(int port) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onForgetFdbPort(this);
            return null;
        }
    }

    /** {@code fdb show}: copies of this worker's entries of one bridge (-1: every bridge). */
    record SnapshotFdb(int bridge) implements WorkerCommand<List<FdbEntry>> {
        @Override
        public List<FdbEntry> applyTo(WorkerCommandHandler worker) {
            return worker.onSnapshotFdb(this);
        }
    }

    /** {@code neigh show}, {@code save}: copies of this worker's entries. */
    record SnapshotNeighbours() implements WorkerCommand<List<NeighbourEntry>> {
        @Override
        public List<NeighbourEntry> applyTo(WorkerCommandHandler worker) {
            return worker.onSnapshotNeighbours(this);
        }
    }

    /** {@code capture}: session {@code id} copies frames of {@code port} in {@code directions} satisfying {@code match} into {@code ring}. */
    record ArmCapture(int id, int port, int directions, net.taprouter.dataplane.match.FrameMatch match, CaptureRing ring,
        long epochOffsetNanos) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onArmCapture(this);
            return null;
        }
    }

    /** End of capture session {@code id}. */
    record DisarmCapture(int id) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onDisarmCapture(this);
            return null;
        }
    }

    /** {@code conntrack -E}/{@code monitor conntrack|fdb}: session {@code id} gets {@code kinds} of {@code source}'s events in {@code ring}. */
    record ArmEvents(int id, EventSource source, int kinds, EventRing ring) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onArmEvents(this);
            return null;
        }
    }

    /** End of event session {@code id} of {@code source}. */
    record DisarmEvents(int id, EventSource source) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onDisarmEvents(this);
            return null;
        }
    }

    /** {@code trace add}: this worker traces into {@code records} (made on the control thread; what it recorded before is forgotten). */
    record ArmTrace(net.taprouter.dataplane.trace.TraceBuffer records) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onArmTrace(this);
            return null;
        }
    }

    /** {@code trace clear}: no more tracing, the records go. */
    record ClearTrace() implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onClearTrace(this);
            return null;
        }
    }

    /** {@code trace show}: a copy of this worker's trace records and stage table. */
    record SnapshotTrace() implements WorkerCommand<net.taprouter.dataplane.trace.TraceSnapshot> {
        @Override
        public net.taprouter.dataplane.trace.TraceSnapshot applyTo(WorkerCommandHandler worker) {
            return worker.onSnapshotTrace(this);
        }
    }

    /** {@code conntrack -L/-D}: from flow {@code from}, up to {@code max} of this worker's flows matching {@code filter} (deleted if {@code delete}). */
    record ConntrackDump(ConntrackFilter filter, int from, int max, boolean delete) implements WorkerCommand<ConntrackSlice> {
        @Override
        public ConntrackSlice applyTo(WorkerCommandHandler worker) {
            return worker.onConntrackDump(this);
        }
    }

    /** {@code conntrack -F}: every flow of this worker goes; answers how many. */
    record ConntrackFlush() implements WorkerCommand<Integer> {
        @Override
        public Integer applyTo(WorkerCommandHandler worker) {
            return worker.onConntrackFlush(this);
        }
    }

    /**
     * The first NAT rule: this worker starts tracking connections with {@code table} and
     * {@code mappings} (new, empty, made by the control thread) and wakes its conntrack stages.
     */
    record ConntrackStart(FlowTable table, NatMappings mappings) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onConntrackStart(this);
            return null;
        }
    }

    /** {@code conntrack -S/-C}: this worker's statistics and table size. */
    record ConntrackStatistics() implements WorkerCommand<ConntrackStats> {
        @Override
        public ConntrackStats applyTo(WorkerCommandHandler worker) {
            return worker.onConntrackStatistics(this);
        }
    }

    /**
     * {@code conntrack max}: this worker's flows move into {@code table} (new, empty, made by the
     * control thread); before tracking started ({@code table} null) only the size to start with changes.
     */
    record ConntrackResize(int max, FlowTable table) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onConntrackResize(this);
            return null;
        }
    }

    /** The state file: from flow {@code from}, up to {@code max} of this worker's flows with their seconds left. */
    record ConntrackExport(int from, int max) implements WorkerCommand<ConntrackState> {
        @Override
        public ConntrackState applyTo(WorkerCommandHandler worker) {
            return worker.onConntrackExport(this);
        }
    }

    /** Until the state file has been read back, no new flow is made ({@link net.taprouter.dataplane.conntrack.ConntrackTable#holdNewFlows}). */
    record ConntrackHold(boolean hold) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onConntrackHold(this);
            return null;
        }
    }

    /** The state file read back: the flows that fit are made again; answers how many. */
    record ConntrackRestore(ConntrackState state) implements WorkerCommand<Integer> {
        @Override
        public Integer applyTo(WorkerCommandHandler worker) {
            return worker.onConntrackRestore(this);
        }
    }
}
