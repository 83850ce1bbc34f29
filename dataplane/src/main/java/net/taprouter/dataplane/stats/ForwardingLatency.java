package net.taprouter.dataplane.stats;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Latency of the forwarding path, from the TAP read to the end of the frame's stage graph
 * (sampled). The forwarding agent records (wait-free, no allocation); a reader takes interval
 * histograms and accumulates them.
 */
public final class ForwardingLatency {
    private static final long HIGHEST_NANOS = 10_000_000_000L;

    private final SingleWriterRecorder recorder = new SingleWriterRecorder(1, HIGHEST_NANOS, 3);
    private final Histogram total = new Histogram(1, HIGHEST_NANOS, 3);
    private Histogram interval;

    /** Forwarding thread. Values beyond the range are clamped. */
    public void record(long nanos) {
        recorder.recordValue(Math.max(1, Math.min(nanos, HIGHEST_NANOS)));
    }

    /** Reader thread: everything recorded so far. */
    public synchronized Histogram snapshot() {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        return total.copy();
    }
}
