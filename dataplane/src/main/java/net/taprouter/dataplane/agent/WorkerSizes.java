package net.taprouter.dataplane.agent;

import net.taprouter.dataplane.conntrack.ConntrackTable;
import net.taprouter.dataplane.neigh.NeighbourLimits;

/**
 * Sizes of one forwarding worker's private tables. A new per-worker table gets its size here.
 *
 * @param neighbours bounds of the worker's neighbour table and ARP queues
 * @param conntrack  flows its conntrack table holds at first ({@code conntrack max} changes it live)
 */
public record WorkerSizes(NeighbourLimits neighbours, int conntrack) {
    /** Flows of a worker built with {@link #WorkerSizes(NeighbourLimits)} (tests, the JIT warm-up). */
    public static final int SMALL_CONNTRACK = 4096;

    public WorkerSizes {
        if (neighbours == null) {
            throw new IllegalArgumentException("neighbour limits missing");
        }
    }

    /** Small tables besides {@code neighbours}: a conntrack table of {@value #SMALL_CONNTRACK} flows. */
    public WorkerSizes(NeighbourLimits neighbours) {
        this(neighbours, SMALL_CONNTRACK);
    }

    /** The sizes routerd uses for a worker of a dataplane configured as {@code config}. */
    public static WorkerSizes of(DataplaneConfig config) {
        return new WorkerSizes(NeighbourLimits.of(config.neighbours(), config.arpQueue(), config.frameSlots()),
            ConntrackTable.DEFAULT_MAX);
    }
}
