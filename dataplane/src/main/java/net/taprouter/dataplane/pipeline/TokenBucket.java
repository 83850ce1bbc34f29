package net.taprouter.dataplane.pipeline;

/** Token bucket for rate limiting (ICMP errors); single thread, no allocation. */
public final class TokenBucket {
    private final DataplaneSettings settings;
    private double tokens;
    private long lastNanos;
    private boolean started;

    public TokenBucket(DataplaneSettings settings) {
        this.settings = settings;
    }

    /** Takes one token if there is one. */
    public boolean tryAcquire(long nowNanos) {
        int burst = settings.icmpBurst();
        if (!started) {
            started = true;
            tokens = burst;
            lastNanos = nowNanos;
        }
        tokens = Math.min(burst, tokens + (nowNanos - lastNanos) * 1e-9 * settings.icmpRatePerSecond());
        lastNanos = nowNanos;
        if (tokens >= 1.0) {
            tokens -= 1.0;
            return true;
        }
        return false;
    }
}
