package net.taprouter.dataplane.agent;

import java.util.concurrent.atomic.AtomicLongArray;
import net.taprouter.dataplane.route.GracePeriod;

/**
 * Quiescent-state tracking for the dataplane threads that read shared tables (routes, next hops,
 * ports). A reader's epoch is odd while it works on a batch and even between batches; a writer
 * that has unpublished something waits, in {@link #await()}, until every reader was seen outside
 * a batch or has moved to a later batch. Then no reader can still hold the old entry.
 */
public final class ReaderEpochs implements GracePeriod {
    private final AtomicLongArray epochs;
    private final Runnable wakeup;

    public ReaderEpochs(int readers, Runnable wakeup) {
        this.epochs = new AtomicLongArray(readers * 8); // one cache line per reader
        this.wakeup = wakeup;
    }

    /**
     * Reader {@code reader} starts a batch. A full barrier (a volatile read-modify-write): the
     * reader's table loads must not move before the writer can see it is inside a batch.
     */
    public void enter(int reader) {
        epochs.incrementAndGet(reader * 8);
    }

    /** Reader {@code reader} finished its batch; it holds no table entry now. */
    public void exit(int reader) {
        epochs.setRelease(reader * 8, epochs.getPlain(reader * 8) + 1);
    }

    @Override
    public void await() {
        int readers = epochs.length() / 8;
        long[] seen = new long[readers];
        for (int i = 0; i < readers; i++) {
            seen[i] = epochs.getAcquire(i * 8);
        }
        for (int i = 0; i < readers; i++) {
            if ((seen[i] & 1) == 0) {
                continue;
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (epochs.getAcquire(i * 8) == seen[i]) {
                wakeup.run();
                Thread.onSpinWait();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("dataplane thread " + i + " stuck in a batch for 5 s");
                }
            }
        }
    }
}
