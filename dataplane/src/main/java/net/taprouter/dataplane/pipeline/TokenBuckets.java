package net.taprouter.dataplane.pipeline;

/**
 * A fixed set of token buckets, by index (a port, a slot of a table keyed by address): each
 * refills at a rate up to a burst, and starts full. Single thread, no allocation.
 */
public final class TokenBuckets {
    private final double[] tokens;
    private final long[] lastNanos;
    private final boolean[] started;

    public TokenBuckets(int count) {
        tokens = new double[count];
        lastNanos = new long[count];
        started = new boolean[count];
    }

    public int count() {
        return tokens.length;
    }

    /** Takes one token from bucket {@code i} if it has one. */
    public boolean tryAcquire(int i, long nowNanos, double ratePerSecond, int burst) {
        if (!started[i]) {
            started[i] = true;
            tokens[i] = burst;
            lastNanos[i] = nowNanos;
        }
        long elapsed = nowNanos - lastNanos[i];
        if (elapsed > 0) {
            tokens[i] = Math.min(burst, tokens[i] + elapsed * 1e-9 * ratePerSecond);
            lastNanos[i] = nowNanos;
        }
        if (tokens[i] >= 1.0) {
            tokens[i] -= 1.0;
            return true;
        }
        return false;
    }

    /** Bucket {@code i} starts full again (its key changed). */
    public void reset(int i) {
        started[i] = false;
    }
}
