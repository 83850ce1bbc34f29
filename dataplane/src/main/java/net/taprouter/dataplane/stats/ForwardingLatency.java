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

    /** One per forwarding worker (each the single writer of its own). */
    private final SingleWriterRecorder[] recorders;
    private final Histogram total = new Histogram(1, HIGHEST_NANOS, 3);
    private Histogram interval;

    /** For one forwarding worker. */
    public ForwardingLatency() {
        this(1);
    }

    /** For {@code writers} forwarding workers (worker i records with {@link #record(int, long)}). */
    public ForwardingLatency(int writers) {
        recorders = new SingleWriterRecorder[writers];
        for (int i = 0; i < writers; i++) {
            recorders[i] = new SingleWriterRecorder(1, HIGHEST_NANOS, 3);
        }
    }

    /** Forwarding thread (worker 0). Values beyond the range are clamped. */
    public void record(long nanos) {
        record(0, nanos);
    }

    /** Worker {@code writer}'s thread. Values beyond the range are clamped. */
    public void record(int writer, long nanos) {
        recorders[writer].recordValue(Math.max(1, Math.min(nanos, HIGHEST_NANOS)));
    }

    /** Reader thread: everything recorded so far. */
    public synchronized Histogram snapshot() {
        for (SingleWriterRecorder recorder : recorders) {
            interval = recorder.getIntervalHistogram(interval);
            total.add(interval);
        }
        return total.copy();
    }
}
