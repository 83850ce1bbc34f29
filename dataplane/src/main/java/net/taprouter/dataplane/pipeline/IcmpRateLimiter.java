package net.taprouter.dataplane.pipeline;

/**
 * ICMP error rate limit per destination, like Linux's per-peer limit (icmp_ratelimit): a
 * direct-mapped table of {@link #SLOTS} token buckets keyed by the error's destination address;
 * an address that hashes to a slot held by another takes it over with a full bucket. Rate and
 * burst come from {@link DataplaneSettings} ({@code icmp ratelimit N burst B}). One host that
 * provokes errors (a TTL=1 flood) thus only exhausts its own bucket. Fragmentation Needed is not
 * limited at all (see {@link IcmpErrorStage}). Single thread, no allocation.
 */
public final class IcmpRateLimiter {
    public static final int SLOTS = 1024;
    private static final int SHIFT = 32 - Integer.numberOfTrailingZeros(SLOTS);

    private final DataplaneSettings settings;
    private final int[] keys = new int[SLOTS];
    private final boolean[] used = new boolean[SLOTS];
    private final TokenBuckets buckets = new TokenBuckets(SLOTS);

    public IcmpRateLimiter(DataplaneSettings settings) {
        this.settings = settings;
    }

    /** Takes a token for an error to {@code destination}; false if that destination is over its limit. */
    public boolean tryAcquire(int destination, long nowNanos) {
        int i = (destination * 0x9E37_79B9) >>> SHIFT;
        if (!used[i] || keys[i] != destination) {
            used[i] = true;
            keys[i] = destination;
            buckets.reset(i);
        }
        return buckets.tryAcquire(i, nowNanos, settings.icmpRatePerSecond(), settings.icmpBurst());
    }
}
