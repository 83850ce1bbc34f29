package net.taprouter.dataplane.agent;

import java.util.List;
import net.taprouter.dataplane.conntrack.ConntrackEntry;
import net.taprouter.dataplane.conntrack.ConntrackFilter;
import net.taprouter.dataplane.conntrack.ConntrackState;
import net.taprouter.dataplane.conntrack.ConntrackStats;
import net.taprouter.dataplane.l2.FdbEntry;
import net.taprouter.dataplane.capture.CaptureRing;
import net.taprouter.dataplane.event.EventRing;
import net.taprouter.dataplane.neigh.NeighbourEntry;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.pipeline.ArpResolver;

/**
 * What the control thread may ask of the forwarding workers: one method per command, each sent
 * to every worker (each owns its neighbour table and its replica of every bridge's FDB) and the
 * answers merged. Implemented by
 * {@link WorkerProxy} over the workers' command queues; {@code Dataplane.workers()} gives it.
 *
 * <p>Every call waits for every worker, at most 5 s in all: a worker that does not answer (a
 * stuck thread) or whose command queue is full makes the call throw IllegalStateException, it
 * never hangs. A command that fails on some workers (a full table) is undone on the others before
 * the call throws, so it changed nothing. Changes that a transaction may undo answer a token
 * (opaque to the caller) that the undo and the commit step take back: the rules are in the
 * control plane's {@code Transaction}.
 */
public interface WorkerControl {

    /** How many workers there are (one capture ring each). */
    int workerCount();

    /**
     * {@code capture}: arms capture session {@code id} on every worker: frames of {@code port} in
     * {@code directions} ({@code CaptureTap.DIRECTION_*} bits) that satisfy {@code match} go to that worker's ring
     * ({@code rings.get(w)}; each worker is the single writer of its ring). Not transactional.
     */
    void armCapture(int id, int port, int directions, net.taprouter.dataplane.match.FrameMatch match, List<CaptureRing> rings,
        long epochOffsetNanos);

    /** Ends capture session {@code id} on every worker (nothing where it is not armed). */
    void disarmCapture(int id);

    /**
     * {@code conntrack -E}, {@code monitor conntrack|fdb}: arms event session {@code id} on every
     * worker: events of {@code source} whose kind is in {@code kinds} (bit {@code 1 << kind}) go to
     * that worker's ring ({@code rings.get(w)}; each worker is the single writer of its ring). Not
     * transactional.
     */
    void armEvents(int id, EventSource source, int kinds, List<EventRing> rings);

    /** Ends event session {@code id} on every worker (nothing where it is not armed). */
    void disarmEvents(int id, EventSource source);

    /**
     * {@code trace add}: every worker starts tracing into its own buffer ({@code records.get(w)},
     * made by the caller: the worker allocates nothing), forgetting what it traced before. Not
     * transactional (the caller undoes it with {@link #clearTrace}).
     */
    void armTrace(List<net.taprouter.dataplane.trace.TraceBuffer> records);

    /** {@code trace clear}: no worker traces any more; the records go. */
    void clearTrace();

    /** {@code trace show}: per worker, a copy of its trace records (decoded by {@code trace.TraceDecoder}). */
    List<net.taprouter.dataplane.trace.TraceSnapshot> traceSnapshots();

    /** {@code neigh add|replace}: (interface, address) PERMANENT with {@code mac} on every worker; the token undoes it. */
    PermanentNeighbour setPermanentNeighbour(int iface, int address, long mac);

    /** Undo of {@link #setPermanentNeighbour}: each worker's entry as it was (gone if it was new). */
    void unsetPermanentNeighbour(PermanentNeighbour change);

    /** {@code neigh del} in a transaction: the entry out of every worker but held; empty if no worker has it. */
    HeldNeighbours holdNeighbour(int iface, int address);

    /** {@code neigh flush} in a transaction: every entry that is not PERMANENT out of every worker, held. */
    HeldNeighbours holdDynamicNeighbours();

    /** Undo of a hold: the held entries come back. */
    void restoreNeighbours(HeldNeighbours held);

    /** Commit of a hold: the held entries are freed. */
    void releaseNeighbours(HeldNeighbours held);

    /** The interface's MAC changed: its neighbour entries stay, their prebuilt headers follow. */
    void interfaceMacChanged(int iface, long mac);

    /** The device of the interface's port was replaced: the neighbours learned through it are forgotten; PERMANENT ones stay. */
    void forgetLearnedNeighbours(int iface);

    /** The interface is being removed: all its neighbour entries go. */
    void discardInterfaceNeighbours(int iface);

    /**
     * Every neighbour, merged over the workers per (interface, address): the entry of the most useful
     * state (PERMANENT, REACHABLE, PROBE, STALE, INCOMPLETE, FAILED in that order), the most
     * recently confirmed among equals. Unordered.
     */
    List<NeighbourEntry> neighbours();

    /** A bridge is made: an empty FDB with these bounds on every worker. */
    void createFdb(int bridge, int maxEntries, int perPortLimit, long ageingMillis);

    /** A bridge's removal finished: its FDB goes from every worker. */
    void dropFdb(int bridge);

    /** The bridge's ageing time (ms; 0 = never). */
    void fdbAgeing(int bridge, long ageingMillis);

    /** New bounds of the bridge's FDB (entries kept as they fit; fails, changing nothing, if the static ones do not). */
    void resizeFdb(int bridge, int maxEntries, int perPortLimit);

    /** {@code fdb add}: (vlan, mac) static on {@code port}; the token undoes it ({@link #restoreFdb}). */
    FdbChange setStaticFdb(int bridge, int vlan, long mac, int port);

    /** {@code fdb add} without a VLAN: VLAN 0. */
    default FdbChange setStaticFdb(int bridge, long mac, int port) {
        return setStaticFdb(bridge, 0, mac, port);
    }

    /** {@code fdb del}: the entry of {@code mac} if it is on {@code port}; an empty token if no worker had it there. */
    FdbChange deleteFdb(int bridge, int vlan, long mac, int port);

    /** {@code fdb del} without a VLAN: VLAN 0. */
    default FdbChange deleteFdb(int bridge, long mac, int port) {
        return deleteFdb(bridge, 0, mac, port);
    }

    /** {@code fdb flush}, or a port leaving its bridge: its entries (-1: every port's) go; static ones too if asked. */
    FdbChange flushFdb(int bridge, int port, boolean includeStatic);

    /** {@code bridge vlan del}: the learned entries of {@code port} in VLANs first..last go (as Linux; static ones stay). */
    FdbChange flushFdbVlans(int bridge, int port, int first, int last);

    /** Undo of an FDB change: every worker's entries as they were. */
    void restoreFdb(FdbChange change);

    /** A port's removal finished: every worker's bridges forget it. */
    void forgetFdbPort(int port);

    /**
     * The FDB entries of a bridge (-1: of every bridge), merged over the workers per (bridge, vlan,
     * MAC): a static entry, else the most recently seen one. Unordered.
     */
    List<FdbEntry> fdb(int bridge);

    /** The entries as they were before {@code change}, over all workers (port -1: there was none). */
    default List<FdbEntry> fdbBefore(FdbChange change) {
        List<FdbEntry> all = new java.util.ArrayList<>();
        for (List<FdbEntry> entries : change.perWorker) {
            all.addAll(entries);
        }
        return all;
    }

    /** What an FDB change replaced or removed, per worker: for its undo. */
    final class FdbChange {
        /** Per worker: the entries as they were (port -1: there was none). */
        final List<List<FdbEntry>> perWorker;

        FdbChange(List<List<FdbEntry>> perWorker) {
            this.perWorker = perWorker;
        }

        /** True if no worker changed anything. */
        public boolean isEmpty() {
            for (List<FdbEntry> entries : perWorker) {
                if (!entries.isEmpty()) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * {@code conntrack -L/-D}: the next page of the flows matching {@code filter}, worker by
     * worker, from {@code cursor} (0 at the start; then the page's {@code next}, -1 after the
     * last), at most {@code max} entries (a page may have fewer, even none, before the end: each
     * worker looks at a bounded number of flows per call and goes back to forwarding). With
     * {@code delete} the flows listed are removed.
     */
    ConntrackPage conntrackPage(ConntrackFilter filter, long cursor, int max, boolean delete);

    /** {@code conntrack -F}: every flow of every worker goes; answers how many went. */
    int conntrackFlush();

    /** {@code conntrack -S}: per worker, its statistics and table size. */
    List<ConntrackStats> conntrackStatistics();

    /**
     * {@code conntrack max}: every worker's table becomes one of {@code max} flows, its flows moved
     * (made on the control thread; a worker only moves its flows over). Fails, changing nothing, if
     * a worker holds more flows than that.
     */
    void conntrackResize(int max);

    /**
     * Starts connection tracking on every worker (the first NAT rule; idempotent): each gets its
     * table of {@code conntrack max} flows and NAT mappings, made here on the caller's thread, and
     * runs its conntrack stages from then on. Before it, nothing is tracked (Linux likewise
     * registers conntrack in a namespace only when a rule needs it).
     */
    void conntrackStart();

    /** Has {@link #conntrackStart} been called? */
    boolean conntrackStarted();

    /** The NAT mappings each worker's table holds at most, made by {@link #conntrackStart}; 0 before it. */
    int conntrackMappingCapacity();

    /**
     * The state file: the next piece of every worker's flows (with their seconds left), from
     * {@code cursor} as {@link #conntrackPage} pages; the piece's {@code next} goes on (-1: done).
     */
    ConntrackStatePage conntrackExport(long cursor, int max);

    /**
     * {@code true} from before the configuration is applied, while a state file waits to be read
     * back: no worker makes a new flow (drop conntrack_restoring) until {@code false}.
     */
    void conntrackHold(boolean hold);

    /** The state file read back: the flows that fit are made again (on the first worker); answers how many. */
    int conntrackRestore(ConntrackState state);

    /** A piece of an export and the cursor after it (-1: none). */
    record ConntrackStatePage(ConntrackState state, long next) {
    }

    /** A page of a conntrack listing and the cursor after it (-1: none). */
    record ConntrackPage(List<ConntrackEntry> entries, long next) {
    }

    /** What {@link #setPermanentNeighbour} replaced, per worker: for its undo. */
    final class PermanentNeighbour {
        final int iface;
        final int address;
        /** Per worker: its entry as it was, null if it had none. */
        final List<NeighbourTable.Saved> previous;

        PermanentNeighbour(int iface, int address, List<NeighbourTable.Saved> previous) {
            this.iface = iface;
            this.address = address;
            this.previous = previous;
        }
    }

    /** Entries a transaction took out, per worker: their slots stay reserved until restored or released. */
    final class HeldNeighbours {
        /** Per worker: what it holds. */
        final List<List<ArpResolver.Held>> perWorker;

        HeldNeighbours(List<List<ArpResolver.Held>> perWorker) {
            this.perWorker = perWorker;
        }

        /** True if no worker took anything out. */
        public boolean isEmpty() {
            for (List<ArpResolver.Held> held : perWorker) {
                if (!held.isEmpty()) {
                    return false;
                }
            }
            return true;
        }
    }
}
