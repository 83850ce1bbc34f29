package net.taprouter.dataplane.agent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import net.taprouter.dataplane.conntrack.ConntrackFilter;
import net.taprouter.dataplane.conntrack.ConntrackSlice;
import net.taprouter.dataplane.conntrack.ConntrackState;
import net.taprouter.dataplane.conntrack.ConntrackStats;
import net.taprouter.dataplane.conntrack.ConntrackTable;
import net.taprouter.dataplane.conntrack.FlowTable;
import net.taprouter.dataplane.conntrack.NatMappings;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import net.taprouter.dataplane.l2.FdbEntry;
import net.taprouter.dataplane.capture.CaptureRing;
import net.taprouter.dataplane.event.EventRing;
import net.taprouter.dataplane.neigh.NeighbourEntry;
import net.taprouter.dataplane.neigh.NeighbourState;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.pipeline.ArpResolver;

/**
 * The control side of the worker commands (as Aeron's conductor proxies): each
 * {@link WorkerControl} method becomes a {@link WorkerCommand} message offered to the command
 * queue of every worker's {@link ForwardingAgent}; the caller then waits for all the answers and
 * merges them. Used by the control thread only (one caller at a time).
 *
 * <p>Nothing is sent unless every queue has room (only the control thread offers, so the room
 * checked is still there when it offers): a full queue fails the call before any worker changed
 * anything. One deadline ({@link #TIMEOUT_NANOS}) covers all workers.
 */
final class WorkerProxy implements WorkerControl {
    static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final List<ForwardingAgent> workers;
    private final Runnable wakeup;
    private final long timeoutNanos;
    /** {@link #conntrackStart} was called (control thread only). */
    private boolean conntrackStarted;
    /** Worker 0's mapping capacity once started (the workers' tables are made alike). */
    private int mappingCapacity;
    /** Runs before tracking starts (several workers: the dataplane steers all traffic to worker 0). */
    private Runnable beforeConntrackStart = () -> { };

    /** What to do (once) before connection tracking starts on the workers; its exception fails the start. */
    void beforeConntrackStart(Runnable action) {
        this.beforeConntrackStart = action;
    }

    /** {@code wakeup} rouses a worker idling in epoll (shared-thread mode) to drain its queue. */
    WorkerProxy(List<ForwardingAgent> workers, Runnable wakeup) {
        this(workers, wakeup, TIMEOUT_NANOS);
    }

    WorkerProxy(List<ForwardingAgent> workers, Runnable wakeup, long timeoutNanos) {
        if (workers.isEmpty()) {
            throw new IllegalArgumentException("no workers");
        }
        this.workers = List.copyOf(workers);
        this.wakeup = wakeup;
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public int workerCount() {
        return workers.size();
    }

    @Override
    public void armCapture(int id, int port, int directions, net.taprouter.dataplane.match.FrameMatch match, List<CaptureRing> rings,
        long epochOffsetNanos) {
        check(rings.size());
        Answers<Void> answers = send(w -> new WorkerCommand.ArmCapture(id, port, directions, match, rings.get(w), epochOffsetNanos));
        if (answers.failure != null) {
            sendTo(answers.succeeded(), w -> new WorkerCommand.DisarmCapture(id));
            throw answers.failure;
        }
    }

    @Override
    public void disarmCapture(int id) {
        send(w -> new WorkerCommand.DisarmCapture(id)).get();
    }

    @Override
    public void armEvents(int id, EventSource source, int kinds, List<EventRing> rings) {
        check(rings.size());
        Answers<Void> answers = send(w -> new WorkerCommand.ArmEvents(id, source, kinds, rings.get(w)));
        if (answers.failure != null) {
            sendTo(answers.succeeded(), w -> new WorkerCommand.DisarmEvents(id, source));
            throw answers.failure;
        }
    }

    @Override
    public void disarmEvents(int id, EventSource source) {
        send(w -> new WorkerCommand.DisarmEvents(id, source)).get();
    }

    @Override
    public void armTrace(List<net.taprouter.dataplane.trace.TraceBuffer> records) {
        check(records.size());
        Answers<Void> answers = send(w -> new WorkerCommand.ArmTrace(records.get(w)));
        if (answers.failure != null) {
            sendTo(answers.succeeded(), w -> new WorkerCommand.ClearTrace());
            throw answers.failure;
        }
    }

    @Override
    public void clearTrace() {
        send(w -> new WorkerCommand.ClearTrace()).get();
    }

    @Override
    public List<net.taprouter.dataplane.trace.TraceSnapshot> traceSnapshots() {
        return send(w -> new WorkerCommand.SnapshotTrace()).get();
    }

    @Override
    public PermanentNeighbour setPermanentNeighbour(int iface, int address, long mac) {
        Answers<NeighbourTable.Saved> answers = send(w -> new WorkerCommand.SetPermanentNeighbour(iface, address, mac));
        if (answers.failure != null) {
            // undo it where it was done (FIFO queues: after the set), then fail as if nothing happened
            List<Integer> done = answers.succeeded();
            if (!done.isEmpty()) {
                RuntimeException undo = sendTo(done, w -> new WorkerCommand.UnsetPermanentNeighbour(iface, address, answers.values.get(w)))
                    .failure;
                if (undo != null) {
                    answers.failure.addSuppressed(undo);
                }
            }
            throw answers.failure;
        }
        return new PermanentNeighbour(iface, address, answers.values);
    }

    @Override
    public void unsetPermanentNeighbour(PermanentNeighbour change) {
        check(change.previous.size());
        send(w -> new WorkerCommand.UnsetPermanentNeighbour(change.iface, change.address, change.previous.get(w))).get();
    }

    @Override
    public HeldNeighbours holdNeighbour(int iface, int address) {
        List<ArpResolver.Held> held = send(w -> new WorkerCommand.HoldNeighbour(iface, address)).get();
        List<List<ArpResolver.Held>> perWorker = new ArrayList<>(held.size());
        for (ArpResolver.Held h : held) {
            perWorker.add(h == null ? List.of() : List.of(h));
        }
        return new HeldNeighbours(perWorker);
    }

    @Override
    public HeldNeighbours holdDynamicNeighbours() {
        return new HeldNeighbours(send(w -> new WorkerCommand.HoldDynamicNeighbours()).get());
    }

    @Override
    public void restoreNeighbours(HeldNeighbours held) {
        if (!held.isEmpty()) {
            check(held.perWorker.size());
            send(w -> new WorkerCommand.RestoreNeighbours(held.perWorker.get(w))).get();
        }
    }

    @Override
    public void releaseNeighbours(HeldNeighbours held) {
        if (!held.isEmpty()) {
            check(held.perWorker.size());
            send(w -> new WorkerCommand.ReleaseNeighbours(held.perWorker.get(w))).get();
        }
    }

    @Override
    public void interfaceMacChanged(int iface, long mac) {
        send(w -> new WorkerCommand.InterfaceMacChanged(iface, mac)).get();
    }

    @Override
    public void forgetLearnedNeighbours(int iface) {
        send(w -> new WorkerCommand.ForgetLearnedNeighbours(iface)).get();
    }

    @Override
    public void discardInterfaceNeighbours(int iface) {
        send(w -> new WorkerCommand.DiscardInterfaceNeighbours(iface)).get();
    }

    @Override
    public List<NeighbourEntry> neighbours() {
        return merge(send(w -> new WorkerCommand.SnapshotNeighbours()).get());
    }

    @Override
    public void createFdb(int bridge, int maxEntries, int perPortLimit, long ageingMillis) {
        send(w -> new WorkerCommand.CreateFdb(bridge, maxEntries, perPortLimit, ageingMillis)).get();
    }

    @Override
    public void dropFdb(int bridge) {
        send(w -> new WorkerCommand.DropFdb(bridge)).get();
    }

    @Override
    public void fdbAgeing(int bridge, long ageingMillis) {
        send(w -> new WorkerCommand.FdbAgeing(bridge, ageingMillis)).get();
    }

    @Override
    public void resizeFdb(int bridge, int maxEntries, int perPortLimit) {
        send(w -> new WorkerCommand.ResizeFdb(bridge, maxEntries, perPortLimit)).get();
    }

    @Override
    public FdbChange setStaticFdb(int bridge, int vlan, long mac, int port) {
        Answers<FdbEntry> answers = send(w -> new WorkerCommand.SetStaticFdb(bridge, vlan, mac, port));
        if (answers.failure != null) {
            List<Integer> done = answers.succeeded();
            if (!done.isEmpty()) {
                RuntimeException undo = sendTo(done, w -> new WorkerCommand.RestoreFdb(List.of(answers.values.get(w)))).failure;
                if (undo != null) {
                    answers.failure.addSuppressed(undo);
                }
            }
            throw answers.failure;
        }
        List<List<FdbEntry>> perWorker = new ArrayList<>();
        for (FdbEntry before : answers.values) {
            perWorker.add(List.of(before));
        }
        return new FdbChange(perWorker);
    }

    @Override
    public FdbChange deleteFdb(int bridge, int vlan, long mac, int port) {
        List<List<FdbEntry>> perWorker = new ArrayList<>();
        for (FdbEntry removed : send(w -> new WorkerCommand.DeleteFdb(bridge, vlan, mac, port)).get()) {
            perWorker.add(removed == null ? List.of() : List.of(removed));
        }
        return new FdbChange(perWorker);
    }

    @Override
    public FdbChange flushFdb(int bridge, int port, boolean includeStatic) {
        return new FdbChange(send(w -> new WorkerCommand.FlushFdb(bridge, port, includeStatic)).get());
    }

    @Override
    public FdbChange flushFdbVlans(int bridge, int port, int first, int last) {
        return new FdbChange(send(w -> new WorkerCommand.FlushFdbVlans(bridge, port, first, last)).get());
    }

    @Override
    public void restoreFdb(FdbChange change) {
        if (!change.isEmpty()) {
            check(change.perWorker.size());
            send(w -> new WorkerCommand.RestoreFdb(change.perWorker.get(w))).get();
        }
    }

    @Override
    public void forgetFdbPort(int port) {
        send(w -> new WorkerCommand.ForgetFdbPort(port)).get();
    }

    @Override
    public List<FdbEntry> fdb(int bridge) {
        List<List<FdbEntry>> perWorker = send(w -> new WorkerCommand.SnapshotFdb(bridge)).get();
        if (perWorker.size() == 1) {
            return perWorker.get(0);
        }
        Map<String, FdbEntry> best = new HashMap<>();
        for (List<FdbEntry> entries : perWorker) {
            for (FdbEntry e : entries) {
                best.merge(e.bridge() + "/" + e.vlan() + "/" + e.mac(), e,
                    (a, b) -> a.isStatic() != b.isStatic() ? (a.isStatic() ? a : b) : (b.ageMillis() < a.ageMillis() ? b : a));
            }
        }
        return new ArrayList<>(best.values());
    }

    @Override
    public ConntrackPage conntrackPage(ConntrackFilter filter, long cursor, int max, boolean delete) {
        int worker = (int) (cursor >>> 32);
        int from = (int) cursor;
        if (cursor < 0 || worker >= workers.size()) {
            return new ConntrackPage(List.of(), -1);
        }
        ConntrackSlice slice = sendTo(List.of(worker), w -> new WorkerCommand.ConntrackDump(filter, from, max, delete)).get()
            .get(worker);
        long next = slice.next() >= 0 ? (long) worker << 32 | slice.next()
            : worker + 1 < workers.size() ? (long) (worker + 1) << 32 : -1;
        return new ConntrackPage(slice.entries(), next);
    }

    @Override
    public ConntrackStatePage conntrackExport(long cursor, int max) {
        int worker = (int) (cursor >>> 32);
        int from = (int) cursor;
        if (cursor < 0 || worker >= workers.size()) {
            return new ConntrackStatePage(new ConntrackState(new int[0], 0, -1), -1);
        }
        ConntrackState state = sendTo(List.of(worker), w -> new WorkerCommand.ConntrackExport(from, max)).get().get(worker);
        long next = state.next() >= 0 ? (long) worker << 32 | state.next()
            : worker + 1 < workers.size() ? (long) (worker + 1) << 32 : -1;
        return new ConntrackStatePage(state, next);
    }

    @Override
    public void conntrackHold(boolean hold) {
        send(w -> new WorkerCommand.ConntrackHold(hold)).get();
    }

    @Override
    public int conntrackRestore(ConntrackState state) {
        if (state.count() > 0) {
            conntrackStart(); // flows to track: tracking starts (the config's NAT rules normally started it already)
        }
        return sendTo(List.of(0), w -> new WorkerCommand.ConntrackRestore(state)).get().get(0);
    }

    @Override
    public int conntrackFlush() {
        int removed = 0;
        for (int n : send(w -> new WorkerCommand.ConntrackFlush()).get()) {
            removed += n;
        }
        return removed;
    }

    @Override
    public List<ConntrackStats> conntrackStatistics() {
        return send(w -> new WorkerCommand.ConntrackStatistics()).get();
    }

    @Override
    public void conntrackResize(int max) {
        FlowTable.checkMax(max);
        if (!conntrackStarted) {
            send(w -> new WorkerCommand.ConntrackResize(max, null)).get(); // the size tracking will start with
            return;
        }
        List<FlowTable> tables = new ArrayList<>(workers.size());
        for (int w = 0; w < workers.size(); w++) {
            tables.add(new FlowTable(max)); // allocated here, not on a forwarding thread
        }
        send(w -> new WorkerCommand.ConntrackResize(max, tables.get(w))).get();
    }

    @Override
    public void conntrackStart() {
        if (conntrackStarted) {
            return;
        }
        beforeConntrackStart.run();
        List<ConntrackStats> stats = conntrackStatistics();
        List<FlowTable> tables = new ArrayList<>(workers.size());
        List<NatMappings> mappings = new ArrayList<>(workers.size());
        for (int w = 0; w < workers.size(); w++) {
            int max = stats.get(w).max();
            tables.add(new FlowTable(max)); // allocated here, not on a forwarding thread
            mappings.add(ConntrackTable.mappingsFor(max));
        }
        send(w -> new WorkerCommand.ConntrackStart(tables.get(w), mappings.get(w))).get();
        mappingCapacity = mappings.get(0).capacity();
        conntrackStarted = true;
    }

    @Override
    public boolean conntrackStarted() {
        return conntrackStarted;
    }

    @Override
    public int conntrackMappingCapacity() {
        return mappingCapacity;
    }

    /** Per (interface, address), the most useful entry of all workers' (see {@link WorkerControl#neighbours}). */
    static List<NeighbourEntry> merge(List<List<NeighbourEntry>> perWorker) {
        if (perWorker.size() == 1) {
            return perWorker.get(0);
        }
        Map<Long, NeighbourEntry> best = new HashMap<>();
        for (List<NeighbourEntry> entries : perWorker) {
            for (NeighbourEntry e : entries) {
                best.merge(((long) e.iface() << 32) | (e.address() & 0xFFFF_FFFFL), e, WorkerProxy::better);
            }
        }
        return new ArrayList<>(best.values());
    }

    /** State rank for merging: higher is more useful. Indexed by NeighbourState. */
    private static final int[] RANK = new int[NeighbourState.PERMANENT + 1];

    static {
        RANK[NeighbourState.FREE] = 0;
        RANK[NeighbourState.FAILED] = 1;
        RANK[NeighbourState.INCOMPLETE] = 2;
        RANK[NeighbourState.STALE] = 3;
        RANK[NeighbourState.PROBE] = 4;
        RANK[NeighbourState.REACHABLE] = 5;
        RANK[NeighbourState.PERMANENT] = 6;
    }

    private static NeighbourEntry better(NeighbourEntry a, NeighbourEntry b) {
        if (RANK[a.state()] != RANK[b.state()]) {
            return RANK[a.state()] > RANK[b.state()] ? a : b;
        }
        return b.ageMillis() < a.ageMillis() ? b : a;
    }

    private void check(int workersInToken) {
        if (workersInToken != workers.size()) {
            throw new IllegalArgumentException("token of " + workersInToken + " workers for " + workers.size());
        }
    }

    /** Sends {@code commandFor.apply(w)} to every worker w and waits for the answers (see {@link #sendTo}). */
    <R> Answers<R> send(IntFunction<WorkerCommand<R>> commandFor) {
        List<Integer> all = new ArrayList<>(workers.size());
        for (int w = 0; w < workers.size(); w++) {
            all.add(w);
        }
        return sendTo(all, commandFor);
    }

    /**
     * Offers {@code commandFor.apply(w)} to each worker w of {@code to} (nothing if a queue is
     * full: that answer is then the failure of every one of them) and waits for the answers
     * until one deadline.
     */
    private <R> Answers<R> sendTo(List<Integer> to, IntFunction<WorkerCommand<R>> commandFor) {
        Answers<R> answers = new Answers<>(workers.size());
        for (int w : to) {
            if (!workers.get(w).hasCommandRoom()) {
                IllegalStateException full = new IllegalStateException("dataplane command queue full"
                    + (workers.size() > 1 ? " (worker " + w + ")" : ""));
                for (int v : to) {
                    answers.fail(v, full);
                }
                return answers;
            }
        }
        List<CompletableFuture<R>> replies = new ArrayList<>(workers.size());
        for (int w = 0; w < workers.size(); w++) {
            replies.add(null);
        }
        for (int w : to) {
            CompletableFuture<R> reply = new CompletableFuture<>();
            if (workers.get(w).submit(new ForwardingAgent.Request<>(commandFor.apply(w), reply))) {
                replies.set(w, reply);
            } else {
                answers.fail(w, new IllegalStateException("dataplane command queue full"));
            }
        }
        wakeup.run();
        long deadline = System.nanoTime() + timeoutNanos;
        for (int w : to) {
            CompletableFuture<R> reply = replies.get(w);
            if (reply == null) {
                continue;
            }
            try {
                answers.done(w, reply.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                answers.fail(w, new IllegalStateException("interrupted waiting for the dataplane"));
            } catch (ExecutionException e) {
                answers.fail(w, e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause()));
            } catch (TimeoutException e) {
                answers.fail(w, new IllegalStateException("dataplane did not answer within " + seconds(timeoutNanos) + " s"
                    + (workers.size() > 1 ? " (worker " + w + ")" : "")));
            }
        }
        return answers;
    }

    private static String seconds(long nanos) {
        long millis = TimeUnit.NANOSECONDS.toMillis(nanos);
        return millis % 1000 == 0 ? Long.toString(millis / 1000) : Double.toString(millis / 1000.0);
    }

    /** The answers of one command, per worker, and the first failure. */
    static final class Answers<R> {
        final List<R> values;
        private final boolean[] ok;
        RuntimeException failure;

        Answers(int workers) {
            values = new ArrayList<>(workers);
            for (int w = 0; w < workers; w++) {
                values.add(null);
            }
            ok = new boolean[workers];
        }

        void done(int worker, R value) {
            values.set(worker, value);
            ok[worker] = true;
        }

        void fail(int worker, RuntimeException e) {
            ok[worker] = false;
            if (failure == null) {
                failure = e;
            }
        }

        List<Integer> succeeded() {
            List<Integer> done = new ArrayList<>();
            for (int w = 0; w < ok.length; w++) {
                if (ok[w]) {
                    done.add(w);
                }
            }
            return done;
        }

        /** Every worker's answer; throws the first failure. */
        List<R> get() {
            if (failure != null) {
                throw failure;
            }
            return values;
        }
    }
}
