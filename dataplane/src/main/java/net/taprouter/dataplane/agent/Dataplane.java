package net.taprouter.dataplane.agent;

import net.taprouter.dataplane.buffer.Wakeup;
import java.util.function.Consumer;
import net.taprouter.dataplane.buffer.DescriptorRing;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.conntrack.ConntrackConfig;
import net.taprouter.dataplane.conntrack.ConntrackHooks;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.pipeline.DataplaneSettings;
import net.taprouter.dataplane.pipeline.PublishedTables;
import net.taprouter.dataplane.port.FrameIo;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.ForwardingLatency;
import net.taprouter.dataplane.io.IoMode;
import net.taprouter.dataplane.io.PortIo;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;

/**
 * The assembled dataplane: frame pool, rings, tables, agents and their threads.
 *
 * <pre>
 *   TAPs ─epoll|io_uring─▶ RxAgent ──descriptor ring──▶ ForwardingAgent ──write──▶ TAPs
 *                   ▲                               │ (stage graph, neighbour table)
 *                   └──────── slot return ring ─────┘
 *   control thread: writes PortTable, InterfaceTable, RouteTable, NextHops, settings; sends command messages to
 *   every worker ({@link #workers()}: a typed proxy over their command queues) for the tables
 *   each worker owns (neighbours); waits out grace periods via ReaderEpochs.
 *   counters: each agent writes its own shard of the counter file; readers sum the shards.
 * </pre>
 *
 * Thread mapping: both agents on one thread idling in epoll (default; lowest latency on few
 * cores), or each on its own thread.
 *
 * <p><b>Several workers</b> ({@code DataplaneConfig.workers}, {@code routerd --workers N}): each
 * worker is the whole picture above on its own thread(s) — its own poller, RX agent, frame pool
 * (slots never cross workers), descriptor and slot return rings, stage graph and worker-owned
 * tables (neighbours, FDB replicas, conntrack, counters shard) — over the same published tables.
 * A port's device may have several queues (a multi-queue TAP: {@link #openTap}): queue j is read by
 * worker {@code j mod N}; worker i writes on fd {@code i mod fds} of the port, and routerd opens at
 * least N fds per port (queues beyond the port's own are transmit-only), so every fd has one
 * reader and one writer. A port with fewer queues than workers is read by the first workers only.
 * What one worker learns from ARP or a bridge's source MACs reaches the others through
 * {@code pipeline.PeerEvents} rings. Worker i's threads may be pinned to a CPU ({@code cpus}).
 */
public final class Dataplane implements AutoCloseable {
    private static final int IDLE_POLL_MILLIS = 50;

    private final DataplaneConfig config;
    private final CounterFile counterFile;
    /** Per worker: how it waits for its queues and moves frames (epoll, or io_uring: {@link PortIo}). */
    private final PortIo[] pollers;
    private final PortTable ports = new PortTable();
    private final InterfaceTable interfaces = new InterfaceTable();
    private final DataplaneSettings settings = new DataplaneSettings();
    private final ConntrackConfig conntrack = new ConntrackConfig();
    private final ReaderEpochs epochs;
    private final RouteTable routes;
    private final NextHops nextHops;
    private final RxAgent[] rx;
    /** Dedicated threads: where each worker's forwarding thread sleeps when idle (null entries with one thread per worker). */
    private final Wakeup[] forwardingWakeups;
    private final ForwardingAgent[] forwarding;
    private final WorkerProxy workers;
    private final ForwardingLatency latency;
    private volatile Consumer<Throwable> fatalHandler = t -> { };
    private final java.util.List<AgentRunner> runners = new java.util.ArrayList<>();
    /** Control thread: removed ports and interfaces whose removal has not finished (see {@link #removePort}). */
    private final java.util.List<Retiring> retiring = new java.util.ArrayList<>();

    public Dataplane(DataplaneConfig config) {
        this(config, IoMode.EPOLL);
    }

    /**
     * A dataplane whose worker waits and moves frames with {@code io}: epoll, or io_uring (if the
     * kernel gives no ring, one line on stderr and epoll: see {@link #ioMode()} for what is in use).
     * With io_uring the frame pool is registered as the ring's fixed buffer only if the system
     * property {@code taprouter.uring.fixed} is {@code true}: registering pins the whole pool
     * (~24 MiB resident) and measured no faster (bench/RESULTS.md, "Batched TAP I/O").
     */
    public Dataplane(DataplaneConfig config, IoMode io) {
        this.config = config;
        int n = config.workers();
        this.counterFile = CounterFile.create(config.counterFile(), config.maxCounters());
        this.pollers = new PortIo[n]; // made with each worker's pool below
        this.forwardingWakeups = new Wakeup[n];
        boolean fixed = Boolean.getBoolean("taprouter.uring.fixed");
        this.epochs = new ReaderEpochs(2 * n, this::wakeAll); // worker w: RX reader 2w, forwarding reader 2w + 1
        this.routes = new RouteTable(config.tbl8Groups(), epochs);
        this.nextHops = new NextHops(config.nextHops(), epochs);
        this.latency = new ForwardingLatency(n);
        PublishedTables tables = new PublishedTables(ports, interfaces, routes, nextHops, settings, conntrack);
        if (config.dedicatedThreads()) {
            for (int w = 0; w < n; w++) {
                forwardingWakeups[w] = new Wakeup();
            }
        }
        net.taprouter.dataplane.pipeline.PeerEvents[] peers = net.taprouter.dataplane.pipeline.PeerEvents.mesh(n, forwardingWakeups);
        FramePool[] pools = new FramePool[n];
        SlotReturnRing[] slotReturns = new SlotReturnRing[n];
        DescriptorRing[] rings = new DescriptorRing[n];
        this.forwarding = new ForwardingAgent[n];
        for (int w = 0; w < n; w++) { // the workers' counter shards first (shard w = worker w)
            pools[w] = new FramePool(config.frameSlots(), config.slotSize(), config.largeSlots());
            pollers[w] = PortIo.open(io, pools[w], fixed);
            slotReturns[w] = new SlotReturnRing(pools[w]);
            rings[w] = new DescriptorRing(pools[w].slotCount());
            // with NAT on, worker 0 tracks every flow (see steerToFirstQueue); the others drop what they still read
            Worker worker = Worker.build(tables, pools[w], slotReturns[w], counterFile, WorkerSizes.of(config),
                w == 0 ? ConntrackHooks.all() : ConntrackHooks.otherWorker());
            worker.context().releaseToPool(!config.dedicatedThreads());
            if (!config.dedicatedThreads()) {
                worker.context().batchIo(pollers[w]); // one thread: its ring writes too (dedicated: the RX thread owns the ring)
            }
            worker.context().peers(peers[w]);
            forwarding[w] = worker.agent(rings[w], epochs, 2 * w + 1, latency);
            forwarding[w].latencyWriter(w);
            if (n > 1) {
                forwarding[w].roleName("forwarding-" + w);
            }
        }
        // the RX agents' counter shards after the workers': readers list the names in the workers' order
        this.rx = new RxAgent[n];
        for (int w = 0; w < n; w++) {
            rx[w] = new RxAgent(pollers[w], ports, pools[w], slotReturns[w], rings[w], DataplaneCounters.rx(counterFile), epochs, 2 * w);
            rx[w].sharePoolPerPort(config.dedicatedThreads()); // its slots come back through the return ring
            if (config.dedicatedThreads()) {
                rx[w].wakeAfterFrames(forwardingWakeups[w]);
                forwarding[w].wakeRxForRoom(rx[w].roomWakeup()); // and it wakes its RX thread waiting for room in the ring
                forwarding[w].wakeRxForSlots(slotReturns[w], pollers[w]); // or for slots back to read a paused queue
            }
        }
        this.workers = new WorkerProxy(java.util.List.of(forwarding), this::wakeAll);
        if (n > 1) {
            workers.beforeConntrackStart(this::steerToFirstQueue);
        }
    }

    /**
     * Several workers, NAT on (called once, before connection tracking starts: the first NAT rule):
     * from now on worker 0 forwards everything, so that both directions of every flow meet one
     * conntrack table. Every port's queues but the first are detached
     * ({@code TapDevice.detachQueue}: the host's kernel then sends everything on queue 0, which
     * worker 0 reads; the detached queues stay writable, so every worker still writes on its own
     * fd), and ports opened later are opened so ({@link #openTap}). What another worker still reads
     * (left in a queue) is dropped there ({@code ConntrackHooks.otherWorker}). Never undone, as
     * tracking is never stopped. Throws IllegalStateException with one line if a queue cannot be
     * detached (the ports done so stay so: forwarding goes on, on worker 0).
     */
    private void steerToFirstQueue() {
        firstQueueOnly = true;
        for (Port port : ports.snapshot()) {
            if (port == null) {
                continue;
            }
            FrameIo[] queues = port.queues();
            for (int q = 1; q < Math.min(port.rxQueues(), queues.length); q++) {
                if (queues[q] instanceof net.taprouter.dataplane.tap.TapDevice tap && tap.isOpen()) {
                    try {
                        tap.detachQueue();
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException("cannot steer port " + port.name() + " to one worker for NAT: " + e.getMessage());
                    }
                }
            }
        }
    }

    /** NAT on with several workers: every port's traffic goes to queue 0 ({@link #steerToFirstQueue}). */
    private volatile boolean firstQueueOnly;

    /**
     * {@link #close} has begun: the threads' idle strategies no longer wait (a thread woken for
     * the close that went back to its wait before its runner stopped would sit out the wait).
     */
    private volatile boolean closing;

    /** Rouses every worker idling in epoll (a command for it, a grace period). */
    private void wakeAll() {
        for (PortIo poller : pollers) {
            if (poller != null) {
                poller.wakeup();
            }
        }
        for (Wakeup sleeper : forwardingWakeups) {
            if (sleeper != null) {
                sleeper.wake(); // dedicated threads: a forwarding thread asleep
            }
        }
    }

    /** The number of forwarding workers. */
    public int workerCount() {
        return pollers.length;
    }

    /**
     * Opens TAP {@code ifname} for a port of {@code queues} queues ({@code link add ... queues N}),
     * as this dataplane's workers use it: a plain single-queue TAP for one worker and one queue,
     * else a multi-queue TAP with {@code queues} queues plus, when there are more workers than
     * queues, one transmit-only fd for each worker beyond them (so that no two workers write on one
     * fd). See {@code TapDevice.openQueues}.
     */
    public net.taprouter.dataplane.tap.TapDevice[] openTap(String ifname, String netns, boolean attach, boolean offload, int queues)
            throws java.io.IOException {
        int n = workerCount();
        if (firstQueueOnly) { // NAT on: only queue 0 is attached (see steerToFirstQueue)
            return net.taprouter.dataplane.tap.TapDevice.openQueues(ifname, netns, attach, offload, 1, Math.max(queues, n) - 1, true);
        }
        return net.taprouter.dataplane.tap.TapDevice.openQueues(ifname, netns, attach, offload, queues, Math.max(0, n - queues), n > 1);
    }

    /**
     * What to do when an agent thread dies (an Error escaped it: the dataplane is then only half
     * alive). routerd logs it and exits non-zero so that a supervisor restarts it.
     */
    public void onFatal(Consumer<Throwable> handler) {
        this.fatalHandler = handler;
    }

    /**
     * Starts the agent thread(s). A RuntimeException that escapes an agent (not a stage: those
     * cost one frame, see ForwardingGraph.receive) is logged and the agent goes on; an Error ends
     * its thread and calls the {@link #onFatal} handler.
     */
    public void start() {
        ErrorHandler errors = t -> {
            if (t instanceof Error) {
                System.err.println("routerd: dataplane thread " + Thread.currentThread().getName() + " died: " + t);
                t.printStackTrace();
                fatalHandler.accept(t);
                return; // the AgentRunner rethrows an Error: the thread ends
            }
            System.err.println("routerd: dataplane error: " + t);
            t.printStackTrace();
        };
        int[] cpus = config.cpus();
        for (int w = 0; w < rx.length; w++) {
            java.util.concurrent.ThreadFactory threads = pinning(cpus.length == 0 ? -1 : cpus[w % cpus.length]);
            if (config.dedicatedThreads()) {
                start(new AgentRunner(new EpollIdleStrategy(rx[w], IDLE_POLL_MILLIS, () -> closing), errors, null, rx[w]), threads);
                ForwardingAgent agent = forwarding[w];
                start(new AgentRunner(new ForwardingIdleStrategy(forwardingWakeups[w], () -> closing || agent.hasWork(),
                    ForwardingAgent.TIMER_NANOS), errors, null, agent), threads);
            } else {
                start(new AgentRunner(new EpollIdleStrategy(rx[w], IDLE_POLL_MILLIS, () -> closing), errors, null,
                    new CompositeAgent(rx[w], forwarding[w])), threads);
            }
        }
    }

    private void start(AgentRunner runner, java.util.concurrent.ThreadFactory threads) {
        runners.add(runner);
        AgentRunner.startOnThread(runner, threads);
    }

    /** Threads pinned to {@code cpu} (-1: not pinned). A refused pin is one log line: the thread runs unpinned. */
    private static java.util.concurrent.ThreadFactory pinning(int cpu) {
        return task -> new Thread(() -> {
            if (cpu >= 0) {
                try {
                    net.taprouter.dataplane.tap.CpuAffinity.pinCurrentThread(cpu);
                } catch (RuntimeException e) {
                    System.err.println("routerd: " + Thread.currentThread().getName() + ": " + e.getMessage());
                }
            }
            task.run();
        });
    }

    /** How the workers wait and moves frames: what was asked for, or epoll when io_uring was unavailable. */
    public IoMode ioMode() {
        return pollers[0].mode();
    }

    /** Largest IP MTU a port may have: what a frame slot holds minus the Ethernet header. */
    public int maxMtu() {
        return config.slotSize() - net.taprouter.dataplane.buffer.FramePool.HEADROOM - 14;
    }

    public PortTable ports() {
        return ports;
    }

    public InterfaceTable interfaces() {
        return interfaces;
    }

    public RouteTable routes() {
        return routes;
    }

    public NextHops nextHops() {
        return nextHops;
    }

    public DataplaneSettings settings() {
        return settings;
    }

    /** NAT rules and conntrack timeouts, as the control thread publishes them to every worker. */
    public ConntrackConfig conntrack() {
        return conntrack;
    }

    /**
     * The forwarding workers, as the control thread may ask them (one method per command, sent to
     * every worker; each owns its neighbour table).
     */
    public WorkerControl workers() {
        return workers;
    }

    /** The proxy itself (tests of this package send their own commands). */
    WorkerProxy proxy() {
        return workers;
    }

    /** Sampled frame-in to frame-done latency of the forwarding path. */
    public ForwardingLatency latency() {
        return latency;
    }

    public CounterFile counterFile() {
        return counterFile;
    }

    /** Control thread: publish an L3 interface (a TAP link's own one before its port, or a bridge). */
    public void addInterface(Interface iface) {
        interfaces.put(iface);
    }

    /** Control thread: publish a port (its {@link Port#upper()} interface published already) and register its TAP, not read yet: see {@link #startReading}. */
    public void addPort(Port port) {
        for (FrameIo queue : port.queues()) {
            checkHeadroom(queue);
        }
        ports.put(port);
        for (int q = 0; q < port.readQueues(); q++) {
            FrameIo queue = port.rxQueue(q);
            if (queue.fd() >= 0) {
                pollerOf(q).addPaused(queue.fd(), RxAgent.token(port.index(), q));
            }
        }
    }

    /** The poller of the worker that reads queue {@code q} of every port. */
    private PortIo pollerOf(int q) {
        return pollers[q % pollers.length];
    }

    /**
     * Control thread: start reading a port added with {@link #addPort} (when its transaction
     * commits). Until then what its host sends waits in the TAP's queue: an ARP request that
     * arrives between {@code link add} and {@code addr add} of one config is answered, not dropped
     * (the host would retry only a second later). Never throws: a failure takes the port down.
     */
    public void startReading(Port port) {
        if (port.tap().fd() < 0 || ports.get(port.index()) != port) {
            return;
        }
        try {
            for (int q = 0; q < port.readQueues(); q++) {
                pollerOf(q).resume(port.rxQueue(q).fd(), RxAgent.token(port.index(), q));
            }
        } catch (RuntimeException e) {
            System.err.println("routerd: port " + port.name() + ": " + e.getMessage() + " (port down)");
            port.markCarrierLost();
        }
    }

    /** A device needing more room in front of a frame than a pool slot keeps for it is refused. */
    private static void checkHeadroom(FrameIo device) {
        if (device.headroom() < 0 || device.headroom() > FramePool.MAX_DEVICE_HEADROOM) {
            throw new IllegalArgumentException("device " + device.ifname() + " needs " + device.headroom()
                + " bytes in front of a frame; a frame slot keeps " + FramePool.MAX_DEVICE_HEADROOM);
        }
    }

    /**
     * Control thread: stop using a port for good (a committed {@code link del}, or the undo of a
     * {@code link add}). Never throws. Stops reading its TAP and unpublishes it (only if it is still
     * the port at its index: this never touches another port), then finishes the removal: after a
     * grace period the TAP and counters are closed and every bridge forgets the port (FDB entries),
     * and only then is its index free for a new port.
     * If the dataplane does not answer (a stuck thread), what is left is retried on the next removal
     * and done by {@link #close()}: the TAP is never leaked and the index never reused early.
     */
    public void removePort(Port port) {
        unpoll(port, port.queues());
        ports.unpublish(port);
        retiring.add(new Retiring(port, null));
        finishRemovals();
    }

    /**
     * Control thread: stop using an L3 interface for good (a committed {@code link del}, or the undo
     * of a {@code link add}). Never throws. Unpublishes it (only if it is still the one at its index),
     * then, after a grace period, its neighbour entries (and a bridge's FDB) are dropped on every
     * worker, and only then is its index free for a new interface (retried as {@link #removePort} is).
     */
    public void removeInterface(Interface iface) {
        interfaces.unpublish(iface);
        retiring.add(new Retiring(null, iface));
        finishRemovals();
    }

    /** Takes the read queues among {@code devices} out of their workers' pollers. Never throws. */
    private void unpoll(Port port, FrameIo[] devices) {
        for (int q = 0; q < Math.min(port.rxQueues(), devices.length); q++) {
            if (devices[q].fd() >= 0) {
                try {
                    pollerOf(q).remove(devices[q].fd());
                } catch (RuntimeException e) {
                    System.err.println("routerd: port " + port.name() + ": epoll: " + e.getMessage());
                }
            }
        }
    }

    /** A port or an interface on its way out: unpublished, its index reserved until the workers forgot it. */
    private static final class Retiring {
        final Port port;
        final Interface iface;
        boolean closed;

        Retiring(Port port, Interface iface) {
            this.port = port;
            this.iface = iface;
        }

        String name() {
            return port != null ? "port " + port.name() : "interface " + iface.name();
        }
    }

    private void finishRemovals() {
        if (retiring.isEmpty()) {
            return;
        }
        try {
            epochs.await(); // no dataplane thread holds an unpublished port (or its TAP) or interface any more
        } catch (RuntimeException e) {
            System.err.println("routerd: removing ports deferred: " + e.getMessage());
            return;
        }
        awaitWrites(); // and no write of a retiring port is still queued or in flight
        for (var it = retiring.iterator(); it.hasNext(); ) {
            Retiring r = it.next();
            closeOnce(r);
            try {
                if (r.iface != null) {
                    workers.discardInterfaceNeighbours(r.iface.index());
                    if (r.iface.isBridge()) {
                        workers.dropFdb(r.iface.index());
                    }
                } else {
                    workers.forgetFdbPort(r.port.index());
                }
            } catch (RuntimeException e) {
                System.err.println("routerd: " + r.name() + ": not forgotten by the workers yet (" + e.getMessage()
                    + "); its index stays reserved");
                continue;
            }
            if (r.port != null) {
                ports.release(r.port.index());
            } else {
                interfaces.release(r.iface.index());
            }
            it.remove();
        }
    }

    private static void closeOnce(Retiring r) {
        if (!r.closed && r.port != null) {
            r.closed = true;
            for (FrameIo queue : r.port.queues()) {
                queue.close();
            }
            r.port.counters().close();
        }
    }

    /**
     * Control thread: brings a lost port back on a new device (its TAP re-created or re-opened):
     * the new fd is polled, the neighbours learned through the old device on the port's own
     * interface are forgotten (the host behind it may have a new MAC; PERMANENT entries stay), and once no dataplane thread can still
     * hold the old device it is closed.
     */
    public void revivePort(Port port, FrameIo device) {
        revivePort(port, new FrameIo[] {device});
    }

    /** As {@link #revivePort(Port, FrameIo)}, with the queues of a multi-queue device (as many as before). */
    public void revivePort(Port port, FrameIo[] devices) {
        for (FrameIo device : devices) {
            checkHeadroom(device);
        }
        FrameIo[] old = port.queues();
        for (int q = 0; q < Math.min(port.rxQueues(), old.length); q++) {
            if (old[q].fd() >= 0) {
                pollerOf(q).remove(old[q].fd());
            }
        }
        port.devices(devices);
        Interface upper = port.upper();
        if (upper != null && upper.port() == port) {
            workers.forgetLearnedNeighbours(upper.index());
        }
        port.carrierRestored();
        for (int q = 0; q < Math.min(port.rxQueues(), devices.length); q++) {
            if (devices[q].fd() >= 0) {
                pollerOf(q).add(devices[q].fd(), RxAgent.token(port.index(), q));
            }
        }
        epochs.await();
        awaitWrites();
        for (FrameIo device : old) {
            device.close();
        }
    }

    /**
     * Control thread: after {@code epochs.await()} no worker can start a write to a device it no
     * longer sees; this waits until the writes they started before (io_uring: asynchronous, queued
     * until the worker's next system call) completed, so the device's fd may be closed.
     */
    private void awaitWrites() {
        for (PortIo poller : pollers) {
            poller.awaitWrites();
        }
    }

    /** Stops the threads and closes every port. */
    @Override
    public void close() {
        closing = true;
        for (int i = runners.size() - 1; i >= 0; i--) {
            wakeAll();
            runners.get(i).close();
        }
        for (Port port : ports.snapshot()) {
            if (port != null) {
                for (FrameIo queue : port.queues()) {
                    queue.close();
                }
            }
        }
        for (Retiring r : retiring) {
            closeOnce(r);
        }
        for (PortIo poller : pollers) {
            poller.close();
        }
        counterFile.close();
    }
}
