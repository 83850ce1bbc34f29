package net.taprouter.dataplane.agent;

import java.util.function.BooleanSupplier;
import org.agrona.concurrent.IdleStrategy;

/**
 * Idles in epoll_wait: the thread sleeps until a TAP has a frame (or a wake-up, or the timeout
 * that keeps timers ticking), so a quiet router costs no CPU and a ping costs no polling delay.
 */
public final class EpollIdleStrategy implements IdleStrategy {
    private final RxAgent rx;
    private final int timeoutMillis;
    private final BooleanSupplier stopping;

    /** Waits up to {@code timeoutMillis} in {@code rx}'s poll, unless {@code stopping} (the dataplane is closing). */
    public EpollIdleStrategy(RxAgent rx, int timeoutMillis, BooleanSupplier stopping) {
        this.rx = rx;
        this.timeoutMillis = timeoutMillis;
        this.stopping = stopping;
    }

    @Override
    public void idle(int workCount) {
        if (workCount <= 0) {
            idle();
        }
    }

    @Override
    public void idle() {
        if (!stopping.getAsBoolean()) {
            rx.waitForFrames(timeoutMillis);
        }
    }

    @Override
    public void reset() {
    }
}
