package net.taprouter.dataplane.agent;

import net.taprouter.dataplane.buffer.Wakeup;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The idle strategy of a forwarding thread with dedicated threads ({@code --threads dedicated}):
 * right after work it backs off as a busy poller does (spins, yields, parks of 1 to 100 µs: a
 * frame that comes soon after another waits microseconds), and once it has had nothing to do for
 * {@link #SLEEP_AFTER_NANOS} it sleeps ({@link Wakeup}) until its RX thread hands it frames, the
 * control thread a command, or the worker's timer period ({@link ForwardingAgent#TIMER_NANOS})
 * passes. An idle router then costs no CPU (the backoff alone parked 10,000 times a second:
 * about 12 % of a core).
 */
public final class ForwardingIdleStrategy implements IdleStrategy {
    /** Idle time after which the thread stops polling and sleeps. */
    static final long SLEEP_AFTER_NANOS = 5_000_000L;

    private final BackoffIdleStrategy backoff = new BackoffIdleStrategy(100, 10, 1_000, 100_000);
    private final Wakeup wakeup;
    private final BooleanSupplier hasWork;
    private final long sleepNanos;
    private long idleSince = -1;

    /** Sleeps on {@code wakeup} for at most {@code sleepNanos} unless {@code hasWork}. */
    public ForwardingIdleStrategy(Wakeup wakeup, BooleanSupplier hasWork, long sleepNanos) {
        this.wakeup = wakeup;
        this.hasWork = hasWork;
        this.sleepNanos = sleepNanos;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            reset();
            return;
        }
        idle();
    }

    @Override
    public void idle() {
        long now = System.nanoTime();
        if (idleSince < 0) {
            idleSince = now;
        }
        if (now - idleSince < SLEEP_AFTER_NANOS) {
            backoff.idle();
        } else {
            wakeup.sleep(hasWork, sleepNanos);
        }
    }

    @Override
    public void reset() {
        idleSince = -1;
        backoff.reset();
    }

    @Override
    public String alias() {
        return "forwarding";
    }
}
