package net.taprouter.dataplane.agent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import net.taprouter.dataplane.buffer.DescriptorRing;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.neigh.NeighbourLimits;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.pipeline.DataplaneSettings;
import net.taprouter.dataplane.pipeline.ForwardingContext;
import net.taprouter.dataplane.pipeline.ForwardingGraph;
import net.taprouter.dataplane.port.FrameIo;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.ForwardingLatency;
import net.taprouter.dataplane.tap.Poller;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.CompositeAgent;

/**
 * The assembled dataplane: frame pool, rings, tables, agents and their threads.
 *
 * <pre>
 *   TAPs ─epoll─▶ RxAgent ──descriptor ring──▶ ForwardingAgent ──write──▶ TAPs
 *                   ▲                               │ (stage graph, neighbour table)
 *                   └──────── slot return ring ─────┘
 *   control thread: writes PortTable, RouteTable, NextHops, settings; sends commands to the
 *   ForwardingAgent for the neighbour table; waits out grace periods via ReaderEpochs.
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
    private final DataplaneCounters counters;
    private final Poller poller;
    private final PortTable ports = new PortTable();
    private final DataplaneSettings settings = new DataplaneSettings();
    private final ReaderEpochs epochs;
    private final RouteTable routes;
    private final NextHops nextHops;
    private final RxAgent rx;
    private final ForwardingAgent forwarding;
    private final ForwardingLatency latency = new ForwardingLatency();
    private volatile Consumer<Throwable> fatalHandler = t -> { };
    private AgentRunner rxRunner;
    private AgentRunner forwardingRunner;

    public Dataplane(DataplaneConfig config) {
        this.config = config;
        this.counterFile = CounterFile.create(config.counterFile(), config.maxCounters());
        this.counters = new DataplaneCounters(counterFile);
        this.poller = new Poller(64);
        this.epochs = new ReaderEpochs(2, poller::wakeup);
        this.routes = new RouteTable(config.tbl8Groups(), epochs);
        this.nextHops = new NextHops(config.nextHops(), epochs);
        FramePool pool = new FramePool(config.frameSlots(), config.slotSize());
        SlotReturnRing slotReturns = new SlotReturnRing(pool);
        DescriptorRing ring = new DescriptorRing(config.frameSlots());
        NeighbourTable neighbours = new NeighbourTable(NeighbourLimits.of(config.neighbours(), config.arpQueue(), config.frameSlots()));
        ForwardingContext context = new ForwardingContext(pool, ports, routes, nextHops, neighbours, counters, settings, slotReturns);
        context.releaseToPool(!config.dedicatedThreads());
        ForwardingGraph graph = new ForwardingGraph(context);
        this.rx = new RxAgent(poller, ports, pool, slotReturns, ring, counters, epochs, RX_READER);
        this.forwarding = new ForwardingAgent(ring, pool, graph, epochs, FORWARDING_READER, latency);
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

    /** Largest IP MTU a port may have: what a frame slot holds minus the Ethernet header. */
    public int maxMtu() {
        return config.slotSize() - net.taprouter.dataplane.buffer.FramePool.HEADROOM - 14;
    }

    public PortTable ports() {
        return ports;
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

    public DataplaneCounters counters() {
        return counters;
    }

    /** Sampled frame-in to frame-done latency of the forwarding path. */
    public ForwardingLatency latency() {
        return latency;
    }

    public CounterFile counterFile() {
        return counterFile;
    }

    /** Control thread: publish a port and start reading its TAP. */
    public void addPort(Port port) {
        ports.put(port);
        if (port.tap().fd() >= 0) {
            poller.add(port.tap().fd(), port.index());
        }
    }

    /**
     * Control thread: stop using a port. Unpublishes it, drops what waits for its neighbours,
     * waits until no dataplane thread can still hold it, then closes its TAP.
     */
    public void removePort(Port port) {
        if (port.tap().fd() >= 0) {
            poller.remove(port.tap().fd());
        }
        ports.remove(port.index());
        call(graph -> {
            graph.resolver().discardPort(port.index());
            return null;
        });
        epochs.await();
        port.tap().close();
        port.counters().close();
    }

    /**
     * Control thread: brings a lost port back on a new device (its TAP re-created or re-opened):
     * the new fd is polled, the neighbours learned through the old device are forgotten (the host
     * behind it may have a new MAC; PERMANENT entries stay), and once no dataplane thread can still
     * hold the old device it is closed.
     */
    public void revivePort(Port port, FrameIo device) {
        FrameIo old = port.tap();
        if (old.fd() >= 0) {
            poller.remove(old.fd());
        }
        port.device(device);
        call(graph -> {
            graph.resolver().forgetLearned(port.index());
            return null;
        });
        port.carrierRestored();
        if (device.fd() >= 0) {
            poller.add(device.fd(), port.index());
        }
        epochs.await();
        old.close();
    }

    /**
     * Control thread: run {@code command} on the forwarding thread (which owns the neighbour
     * table) and wait for its result.
     */
    public <T> T call(Function<ForwardingGraph, T> command) {
        CompletableFuture<T> result = new CompletableFuture<>();
        boolean queued = forwarding.submit(graph -> {
            try {
                result.complete(command.apply(graph));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        if (!queued) {
            throw new IllegalStateException("dataplane command queue full");
        }
        poller.wakeup();
        try {
            return result.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the dataplane");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("dataplane did not answer within 5 s");
        }
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
        poller.close();
        counterFile.close();
    }
}
