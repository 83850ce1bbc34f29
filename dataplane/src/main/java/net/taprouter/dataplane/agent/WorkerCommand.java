package net.taprouter.dataplane.agent;

import java.util.List;
import net.taprouter.dataplane.conntrack.ConntrackFilter;
import net.taprouter.dataplane.conntrack.ConntrackSlice;
import net.taprouter.dataplane.conntrack.ConntrackState;
import net.taprouter.dataplane.conntrack.ConntrackStats;
import net.taprouter.dataplane.conntrack.FlowTable;
import net.taprouter.dataplane.neigh.NeighbourEntry;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.pipeline.ArpResolver;

/**
 * A command message from the control thread to one forwarding worker, carried by the worker's
 * command queue ({@link WorkerProxy} sends, {@link ForwardingAgent} delivers it between frame
 * batches) and applied by the worker's {@link WorkerCommandHandler} to the worker's own tables.
 * Control plane only: a record per command is fine here, it is never per packet.
 *
 * <p>A message is plain data (port indices, addresses, MACs, what an earlier reply of the same
 * worker returned): it reaches no table itself. {@link #applyTo} only picks the handler method.
 *
 * @param <R> what the worker answers (Void: nothing)
 */
public interface WorkerCommand<R> {

    /** Runs on the worker's thread: hands the message to its handler method. */
    R applyTo(WorkerCommandHandler worker);

    /** {@code neigh add|replace}: (port, address) becomes PERMANENT; answers the entry as it was (null: none). */
    record SetPermanentNeighbour(int port, int address, long mac) implements WorkerCommand<NeighbourTable.Saved> {
        @Override
        public NeighbourTable.Saved applyTo(WorkerCommandHandler worker) {
            return worker.onSetPermanentNeighbour(this);
        }
    }

    /** Undo of {@link SetPermanentNeighbour} on the worker that answered {@code previous}. */
    record UnsetPermanentNeighbour(int port, int address, NeighbourTable.Saved previous) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onUnsetPermanentNeighbour(this);
            return null;
        }
    }

    /** {@code neigh del} in a transaction: the entry out but held; answers it, or null if there is none. */
    record HoldNeighbour(int port, int address) implements WorkerCommand<ArpResolver.Held> {
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

    /** A port's MAC changed: its entries stay, their prebuilt headers get the new source MAC. */
    record PortMacChanged(int port, long mac) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onPortMacChanged(this);
            return null;
        }
    }

    /** A port's device was replaced: the neighbours learned on it go (PERMANENT ones stay). */
    record ForgetLearnedNeighbours(int port) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onForgetLearnedNeighbours(this);
            return null;
        }
    }

    /** A port's removal: every entry of the port goes (its waiting packets dropped as neighbour_flushed). */
    record DiscardPortNeighbours(int port) implements WorkerCommand<Void> {
        @Override
        public Void applyTo(WorkerCommandHandler worker) {
            worker.onDiscardPortNeighbours(this);
            return null;
        }
    }

    /** {@code neigh show}, {@code save}: copies of this worker's entries. */
    record SnapshotNeighbours() implements WorkerCommand<List<NeighbourEntry>> {
        @Override
        public List<NeighbourEntry> applyTo(WorkerCommandHandler worker) {
            return worker.onSnapshotNeighbours(this);
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

    /** {@code conntrack -S/-C}: this worker's statistics and table size. */
    record ConntrackStatistics() implements WorkerCommand<ConntrackStats> {
        @Override
        public ConntrackStats applyTo(WorkerCommandHandler worker) {
            return worker.onConntrackStatistics(this);
        }
    }

    /** {@code conntrack max}: this worker's flows move into {@code table} (new, empty, made by the control thread). */
    record ConntrackResize(FlowTable table) implements WorkerCommand<Void> {
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

    /** The state file read back: the flows that fit are made again; answers how many. */
    record ConntrackRestore(ConntrackState state) implements WorkerCommand<Integer> {
        @Override
        public Integer applyTo(WorkerCommandHandler worker) {
            return worker.onConntrackRestore(this);
        }
    }
}
