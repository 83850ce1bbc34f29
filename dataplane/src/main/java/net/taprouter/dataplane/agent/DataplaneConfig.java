package net.taprouter.dataplane.agent;

import java.io.File;

/**
 * Sizes and thread mapping of a dataplane.
 *
 * @param frameSlots       frames in flight (frame pool slots), per worker (each worker has a pool of its own)
 * @param slotSize         bytes per slot, headroom included
 * @param neighbours       ARP cache capacity
 * @param arpQueue         packets that may wait for one neighbour's ARP reply
 * @param tbl8Groups       route table groups for prefixes longer than /24
 * @param nextHops         next-hop table capacity
 * @param dedicatedThreads true: RX and forwarding agents on their own threads; false: one thread (per worker)
 * @param counterFile      shared-memory counter file, or null for in-memory counters
 * @param maxCounters      counter capacity
 * @param workers          forwarding workers (each with its RX agent, pool and thread(s)); 1 by default
 * @param cpus             CPU of each worker's thread(s) (worker i on {@code cpus[i mod length]}), or empty: not pinned
 */
public record DataplaneConfig(int frameSlots, int slotSize, int neighbours, int arpQueue, int tbl8Groups,
                              int nextHops, boolean dedicatedThreads, File counterFile, int maxCounters, int workers, int[] cpus) {
    /** The most workers {@code routerd --workers} takes. */
    public static final int MAX_WORKERS = 64;

    public DataplaneConfig {
        if (workers < 1 || workers > MAX_WORKERS) {
            throw new IllegalArgumentException("workers " + workers + " out of range 1.." + MAX_WORKERS);
        }
        cpus = cpus == null ? new int[0] : cpus.clone();
    }

    /** One worker, not pinned. */
    public DataplaneConfig(int frameSlots, int slotSize, int neighbours, int arpQueue, int tbl8Groups,
                           int nextHops, boolean dedicatedThreads, File counterFile, int maxCounters) {
        this(frameSlots, slotSize, neighbours, arpQueue, tbl8Groups, nextHops, dedicatedThreads, counterFile, maxCounters, 1, null);
    }

    public static DataplaneConfig defaults(File counterFile) {
        return new DataplaneConfig(1024, 16384, 4096, 16, 4096, 65536, false, counterFile, 4096);
    }

    /**
     * Large frame slots (64 KiB GSO super-packets, {@code buffer.FramePool}) next to the
     * {@code frameSlots} small ones: one in eight, at least 16 (1024 slots: 128, 8 MiB).
     */
    public int largeSlots() {
        return Math.max(16, frameSlots / 8);
    }

    public DataplaneConfig withDedicatedThreads(boolean dedicated) {
        return new DataplaneConfig(frameSlots, slotSize, neighbours, arpQueue, tbl8Groups, nextHops, dedicated, counterFile, maxCounters,
            workers, cpus);
    }

    /** {@code workers} forwarding workers, worker i's thread(s) pinned to {@code cpus[i mod length]} (empty: not pinned). */
    public DataplaneConfig withWorkers(int workers, int[] cpus) {
        return new DataplaneConfig(frameSlots, slotSize, neighbours, arpQueue, tbl8Groups, nextHops, dedicatedThreads, counterFile,
            maxCounters, workers, cpus);
    }

    @Override
    public int[] cpus() {
        return cpus.clone();
    }
}
