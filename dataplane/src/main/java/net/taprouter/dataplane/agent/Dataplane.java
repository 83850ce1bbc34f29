package net.taprouter.dataplane.agent;

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
import org.agrona.concurrent.BackoffIdleStrategy;
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
 */
public final class Dataplane implements AutoCloseable {
    private static final int RX_READER = 0;
    private static final int FORWARDING_READER = 1;
    private static final int IDLE_POLL_MILLIS = 50;

    private final DataplaneConfig config;
    private final CounterFile counterFile;
    private final PortIo poller;
    private final PortTable ports = new PortTable();
    private final InterfaceTable interfaces = new InterfaceTable();
    private final DataplaneSettings settings = new DataplaneSettings();
    private final ConntrackConfig conntrack = new ConntrackConfig();
    private final ReaderEpochs epochs;
    private final RouteTable routes;
    private final NextHops nextHops;
    private final RxAgent rx;
    private final ForwardingAgent forwarding;
    private final WorkerProxy workers;
    private final ForwardingLatency latency = new ForwardingLatency();
    private volatile Consumer<Throwable> fatalHandler = t -> { };
    private AgentRunner rxRunner;
    private AgentRunner forwardingRunner;
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
        this.counterFile = CounterFile.create(config.counterFile(), config.maxCounters());
        FramePool pool = new FramePool(config.frameSlots(), config.slotSize(), config.largeSlots());
        this.poller = PortIo.open(io, pool, Boolean.getBoolean("taprouter.uring.fixed"));
        this.epochs = new ReaderEpochs(2, poller::wakeup);
        this.routes = new RouteTable(config.tbl8Groups(), epochs);
        this.nextHops = new NextHops(config.nextHops(), epochs);
        SlotReturnRing slotReturns = new SlotReturnRing(pool);
        DescriptorRing ring = new DescriptorRing(pool.slotCount());
        Worker worker = Worker.build(new PublishedTables(ports, interfaces, routes, nextHops, settings, conntrack), pool, slotReturns,
            counterFile, WorkerSizes.of(config), ConntrackHooks.all());
        worker.context().releaseToPool(!config.dedicatedThreads());
        if (!config.dedicatedThreads()) {
            worker.context().batchIo(poller); // one thread: its ring writes too (dedicated: the RX thread owns the ring)
        }
        // the RX agent's counter shard after the worker's: readers list the names in the worker's order
        this.rx = new RxAgent(poller, ports, pool, slotReturns, ring, DataplaneCounters.rx(counterFile), epochs, RX_READER);
        this.forwarding = worker.agent(ring, epochs, FORWARDING_READER, latency);
        this.workers = new WorkerProxy(java.util.List.of(forwarding), poller::wakeup);
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
        if (config.dedicatedThreads()) {
            rxRunner = new AgentRunner(new EpollIdleStrategy(rx, IDLE_POLL_MILLIS), errors, null, rx);
            forwardingRunner = new AgentRunner(new BackoffIdleStrategy(100, 10, 1_000, 100_000), errors, null, forwarding);
            AgentRunner.startOnThread(rxRunner);
            AgentRunner.startOnThread(forwardingRunner);
        } else {
            rxRunner = new AgentRunner(new EpollIdleStrategy(rx, IDLE_POLL_MILLIS), errors, null,
                new CompositeAgent(rx, forwarding));
            AgentRunner.startOnThread(rxRunner);
        }
    }

    /** How the worker waits and moves frames: what was asked for, or epoll when io_uring was unavailable. */
    public IoMode ioMode() {
        return poller.mode();
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
        checkHeadroom(port.tap());
        ports.put(port);
        if (port.tap().fd() >= 0) {
            poller.addPaused(port.tap().fd(), port.index());
        }
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
            poller.resume(port.tap().fd(), port.index());
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
        if (port.tap().fd() >= 0) {
            try {
                poller.remove(port.tap().fd());
            } catch (RuntimeException e) {
                System.err.println("routerd: port " + port.name() + ": epoll: " + e.getMessage());
            }
        }
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
            r.port.tap().close();
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
        checkHeadroom(device);
        FrameIo old = port.tap();
        if (old.fd() >= 0) {
            poller.remove(old.fd());
        }
        port.device(device);
        Interface upper = port.upper();
        if (upper != null && upper.port() == port) {
            workers.forgetLearnedNeighbours(upper.index());
        }
        port.carrierRestored();
        if (device.fd() >= 0) {
            poller.add(device.fd(), port.index());
        }
        epochs.await();
        old.close();
    }

    /** Stops the threads and closes every port. */
    @Override
    public void close() {
        if (forwardingRunner != null) {
            poller.wakeup();
            forwardingRunner.close();
        }
        if (rxRunner != null) {
            poller.wakeup();
            rxRunner.close();
        }
        for (Port port : ports.snapshot()) {
            if (port != null) {
                port.tap().close();
            }
        }
        for (Retiring r : retiring) {
            closeOnce(r);
        }
        poller.close();
        counterFile.close();
    }
}
