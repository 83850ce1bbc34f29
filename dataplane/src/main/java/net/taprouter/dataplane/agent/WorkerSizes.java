package net.taprouter.dataplane.agent;

import net.taprouter.dataplane.neigh.NeighbourLimits;

/**
 * Sizes of one forwarding worker's private tables. A new per-worker table gets its size here.
 *
 * @param neighbours bounds of the worker's neighbour table and ARP queues
 */
public record WorkerSizes(NeighbourLimits neighbours) {
    public WorkerSizes {
        if (neighbours == null) {
            throw new IllegalArgumentException("neighbour limits missing");
        }
    }

    /** The sizes routerd uses for a worker of a dataplane configured as {@code config}. */
    public static WorkerSizes of(DataplaneConfig config) {
        return new WorkerSizes(NeighbourLimits.of(config.neighbours(), config.arpQueue(), config.frameSlots()));
    }
}
