package net.taprouter.dataplane.agent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import net.taprouter.dataplane.buffer.Wakeup;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The forwarding thread of {@code --threads dedicated} polls with a backoff right after work, then
 * sleeps until woken (frames, a command) instead of parking 10,000 times a second.
 */
@Timeout(value = 60)
class ForwardingIdleStrategyTest {
    private static final long LONG_SLEEP = TimeUnit.SECONDS.toNanos(30);

    /** An idle loop as AgentRunner runs it: no work, idle, round after round, counting its rounds. */
    private static Thread idleLoop(ForwardingIdleStrategy idle, AtomicLong rounds, AtomicBoolean stop) {
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                idle.idle(0);
                rounds.incrementAndGet();
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void awaitSleeping(Wakeup wakeup) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!wakeup.sleeping()) {
            assertTrue(System.nanoTime() < until, "the idle thread never went to sleep");
            Thread.sleep(1);
        }
    }

    @Test
    void anIdleThreadSleepsUntilWokenAndThenGoesOn() throws InterruptedException {
        Wakeup wakeup = new Wakeup();
        AtomicBoolean stop = new AtomicBoolean();
        // stopping is work too: a stop set between the loop's check and the sleep is seen before the park
        ForwardingIdleStrategy idle = new ForwardingIdleStrategy(wakeup, stop::get, LONG_SLEEP);
        AtomicLong rounds = new AtomicLong();
        Thread t = idleLoop(idle, rounds, stop);
        awaitSleeping(wakeup);
        long asleep = rounds.get();
        Thread.sleep(200);
        long afterPause = rounds.get();
        assertTrue(afterPause - asleep <= 1, "rounds while asleep: " + (afterPause - asleep));
        wakeup.wake();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (rounds.get() <= afterPause) {
            assertTrue(System.nanoTime() < until, "wake() did not wake the sleeping thread");
            Thread.sleep(1);
        }
        stop.set(true);
        wakeup.wake();
        t.join(10_000);
        assertFalse(t.isAlive());
    }

    @Test
    void workAlreadyWaitingKeepsTheThreadFromSleeping() {
        Wakeup wakeup = new Wakeup();
        long start = System.nanoTime();
        wakeup.sleep(() -> true, LONG_SLEEP);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "slept although work was waiting");
        assertFalse(wakeup.sleeping());
    }

    @Test
    void workRightAfterWorkIsPolledNotSlept() throws InterruptedException {
        Wakeup wakeup = new Wakeup();
        ForwardingIdleStrategy idle = new ForwardingIdleStrategy(wakeup, () -> false, LONG_SLEEP);
        AtomicLong rounds = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                idle.idle(1); // work every round: never idle long enough to sleep
                rounds.incrementAndGet();
            }
        });
        t.setDaemon(true);
        t.start();
        Thread.sleep(100);
        assertFalse(wakeup.sleeping());
        assertTrue(rounds.get() > 0);
        stop.set(true);
        t.join(10_000);
    }
}
