package net.taprouter.dataplane.agent;

import org.agrona.concurrent.IdleStrategy;

/**
 * Idles in epoll_wait: the thread sleeps until a TAP has a frame (or a wake-up, or the timeout
 * that keeps timers ticking), so a quiet router costs no CPU and a ping costs no polling delay.
 */
public final class EpollIdleStrategy implements IdleStrategy {
    private final RxAgent rx;
    private final int timeoutMillis;

    public EpollIdleStrategy(RxAgent rx, int timeoutMillis) {
        this.rx = rx;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void idle(int workCount) {
        if (workCount <= 0) {
            rx.waitForFrames(timeoutMillis);
        }
    }

    @Override
    public void idle() {
        rx.waitForFrames(timeoutMillis);
    }

    @Override
    public void reset() {
    }
}
