package net.taprouter.dataplane.buffer;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * How a thread that sleeps when it has nothing to do is woken by the threads that give it work
 * (with dedicated threads: the forwarding thread, woken by its RX thread after frames, by the
 * control thread after a command, by another worker after a learn event). The sleeper announces itself, looks for work once more, and
 * parks for at most a given time; a waker that has published work wakes it if it announced
 * itself. A full fence on each side (the announcement is a volatile store; {@link #wake} fences
 * before it looks) keeps a wake-up from being lost between the sleeper's last look and its park;
 * were one lost, the sleeper would still wake at its time-out.
 */
public final class Wakeup {
    private volatile Thread sleeper;

    /** On the sleeping thread: parks for at most {@code nanos} unless {@code hasWork} already says so. */
    public void sleep(BooleanSupplier hasWork, long nanos) {
        sleeper = Thread.currentThread();
        try {
            if (!hasWork.getAsBoolean()) {
                LockSupport.parkNanos(this, nanos);
            }
        } finally {
            sleeper = null;
        }
    }

    /** On a thread that has just published work for the sleeper: wakes it if it sleeps. */
    public void wake() {
        VarHandle.fullFence();
        Thread t = sleeper;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Is a thread asleep (or about to be) here? (Tests.) */
    public boolean sleeping() {
        return sleeper != null;
    }
}
