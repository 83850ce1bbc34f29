package net.taprouter.dataplane.agent;

import net.taprouter.dataplane.buffer.DescriptorRing;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.conntrack.ConntrackTable;
import net.taprouter.dataplane.conntrack.FlowTable;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.pipeline.ForwardingContext;
import net.taprouter.dataplane.pipeline.ForwardingGraph;
import net.taprouter.dataplane.pipeline.Hooks;
import net.taprouter.dataplane.pipeline.IcmpRateLimiter;
import net.taprouter.dataplane.pipeline.PublishedTables;
import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.ForwardingLatency;

/**
 * One forwarding worker: its private state (neighbour table with its ARP queues, counters, ICMP
 * rate limiter, conntrack table; the graph's ARP request buckets) and its stage graph (with the stages registered
 * at its hook points, {@link Hooks}), built over the
 * {@link PublishedTables} every worker shares. The one place where a forwarding graph is put
 * together: routerd ({@link Dataplane}), the JIT warm-up, the stage-graph tests and the
 * benchmark all build theirs with {@link #build}. Built on any thread, then owned by the thread
 * that runs it; the control thread reaches it only through command messages ({@link WorkerControl},
 * applied here by its {@link WorkerCommandHandler}).
 */
public final class Worker {
    private final ForwardingContext context;
    private final ForwardingGraph graph;
    private final NeighbourTable neighbours;
    private final DataplaneCounters counters;
    private final WorkerCommandHandler commands;

    private Worker(ForwardingContext context, ForwardingGraph graph, NeighbourTable neighbours, DataplaneCounters counters) {
        this.context = context;
        this.graph = graph;
        this.neighbours = neighbours;
        this.counters = counters;
        this.commands = new WorkerCommandHandler(graph, context);
    }

    /**
     * A worker reading {@code tables}, forwarding frames of {@code pool} (slots go back through
     * {@code slotReturns}, or straight to the pool after {@code context().releaseToPool(true)}),
     * its counters registered in {@code counterFile} as a shard of their own (so any number of
     * workers share one counter file; build them before the first port's counters).
     */
    public static Worker build(PublishedTables tables, FramePool pool, SlotReturnRing slotReturns, CounterFile counterFile,
                               WorkerSizes sizes) {
        return build(tables, pool, slotReturns, counterFile, sizes, Hooks.NONE);
    }

    /**
     * As above, with stages at the graph's hook points ({@link Hooks}: prerouting, postrouting),
     * built here for this worker in the order registered.
     */
    public static Worker build(PublishedTables tables, FramePool pool, SlotReturnRing slotReturns, CounterFile counterFile,
                               WorkerSizes sizes, Hooks hooks) {
        DataplaneCounters counters = new DataplaneCounters(counterFile);
        NeighbourTable neighbours = new NeighbourTable(sizes.neighbours());
        neighbours.largeSlots(pool.slotCount() - pool.largeSlotCount(), pool.largeSlotCount());
        IcmpRateLimiter icmpLimiter = new IcmpRateLimiter(tables.settings());
        ConntrackTable conntrack = new ConntrackTable(sizes.conntrack(), tables.conntrack(), tables.interfaces());
        ForwardingContext context = new ForwardingContext(tables, pool, slotReturns, neighbours, counters, icmpLimiter, conntrack);
        return new Worker(context, new ForwardingGraph(context, hooks), neighbours, counters);
    }

    /** The agent that runs this worker's graph on the frames {@code ring} delivers. */
    public ForwardingAgent agent(DescriptorRing ring, ReaderEpochs epochs, int readerIndex, ForwardingLatency latency) {
        return new ForwardingAgent(ring, context.pool, graph, commands, epochs, readerIndex, latency);
    }

    /**
     * Starts connection tracking on this worker as its first NAT rule would
     * ({@link WorkerControl#conntrackStart}), allocating here: for a worker driven by the caller's
     * own thread (test fixtures, benchmarks, the warm-up). Idempotent.
     */
    public void startConntrack() {
        ConntrackTable table = context.conntrack;
        if (!table.started()) {
            int max = table.maxFlows();
            table.start(new FlowTable(max), ConntrackTable.mappingsFor(max));
            graph.wakeHooks();
        }
    }

    public ForwardingContext context() {
        return context;
    }

    public ForwardingGraph graph() {
        return graph;
    }

    public NeighbourTable neighbours() {
        return neighbours;
    }

    public DataplaneCounters counters() {
        return counters;
    }
}
