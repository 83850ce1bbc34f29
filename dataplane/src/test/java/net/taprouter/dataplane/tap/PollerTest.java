package net.taprouter.dataplane.tap;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Poller on eventfds: needs no privileges. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PollerTest {

    private static int eventfd() {
        return LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
    }

    private static void signal(int fd) {
        Memory one = new Memory(8);
        one.setLong(0, 1);
        assertEquals(8, LibC.write(fd, Pointer.nativeValue(one), 8));
    }

    private static void drain(int fd) {
        Memory m = new Memory(8);
        LibC.read(fd, Pointer.nativeValue(m), 8);
    }

    @Test
    void pollWithZeroTimeoutReturnsQuickly() {
        try (Poller p = new Poller(4)) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                assertEquals(0, p.poll(0));
            }
            long perCall = (System.nanoTime() - t0) / 1000;
            System.out.println("poll(0), nothing ready: " + perCall + " ns/call");
            assertTrue(perCall < 5_000_000, "poll(0) took " + perCall + " ns");
        }
    }

    @Test
    void reportsTokensAndEventsLevelTriggered() {
        int a = eventfd();
        int b = eventfd();
        try (Poller p = new Poller(4)) {
            p.add(a, 7);
            p.add(b, -3);
            assertEquals(0, p.poll(0));
            signal(b);
            assertEquals(1, p.poll(100));
            assertEquals(-3, p.readyToken(0));
            assertEquals(Poller.EPOLLIN, p.readyEvents(0));
            assertEquals(1, p.poll(0), "level-triggered: still ready");
            signal(a);
            assertEquals(2, p.poll(0));
            int sum = p.readyToken(0) + p.readyToken(1);
            assertEquals(4, sum);
            drain(a);
            drain(b);
            assertEquals(0, p.poll(0));
            p.remove(a);
            signal(a);
            assertEquals(0, p.poll(0), "removed fd is not reported");
            p.remove(a);      // ENOENT ignored
            p.remove(12345);  // EBADF ignored
            assertThrows(java.io.UncheckedIOException.class, () -> p.add(b, 1), "double add");
        } finally {
            LibC.closeQuietly(a);
            LibC.closeQuietly(b);
        }
    }

    /** A paused fd is not reported while it is readable; resumed, it is; an fd not registered cannot be paused. */
    @Test
    void aPausedFdIsNotReportedUntilResumed() {
        int a = eventfd();
        int b = eventfd();
        try (Poller p = new Poller(4)) {
            p.add(a, 7);
            p.add(b, 9);
            signal(a);
            signal(b);
            assertEquals(2, p.poll(0));
            assertTrue(p.pauseReads(a, 7));
            assertEquals(1, p.poll(0), "a paused: only b");
            assertEquals(9, p.readyToken(0));
            drain(b);
            long until = System.nanoTime() + 100_000_000L;
            int waits = 0;
            for (long left; (left = until - System.nanoTime()) >= 1_000_000L; waits++) { // (a signal may end a wait early)
                assertEquals(0, p.poll((int) (left / 1_000_000)), "a paused, b drained: nothing to report");
            }
            assertTrue(waits <= 10, waits + " waits in 100 ms: a's data ends them (it would end every one)");
            assertTrue(p.resumeReads(a, 7));
            assertEquals(1, p.poll(0), "resumed: a is readable still");
            assertEquals(7, p.readyToken(0));
            p.remove(a);
            assertEquals(false, p.pauseReads(a, 7), "removed: nothing to pause");
            assertEquals(false, p.resumeReads(a, 7), "nor to resume (it is not added again)");
            assertEquals(0, p.poll(0));
            assertEquals(false, p.pauseReads(12345, 1), "not an fd");
        } finally {
            LibC.closeQuietly(a);
            LibC.closeQuietly(b);
        }
    }

    @Test
    void maxEventsBoundsOnePoll() {
        int[] fds = new int[5];
        try (Poller p = new Poller(2)) {
            for (int i = 0; i < fds.length; i++) {
                fds[i] = eventfd();
                p.add(fds[i], i);
                signal(fds[i]);
            }
            p.wakeup();
            int n = p.poll(0);
            assertTrue(n >= 1 && n <= 2, "n=" + n);
        } finally {
            for (int fd : fds) {
                LibC.closeQuietly(fd);
            }
        }
    }

    @Test
    void wakeupUnblocksInfinitePoll() throws Exception {
        try (Poller p = new Poller(4)) {
            CompletableFuture<Integer> f = CompletableFuture.supplyAsync(() -> p.poll(-1));
            Thread.sleep(200);
            assertTrue(!f.isDone(), "poll(-1) returned without a wake-up");
            long t0 = System.nanoTime();
            p.wakeup();
            assertEquals(0, f.get(2, TimeUnit.SECONDS), "the wake-up itself is not reported");
            System.out.println("wakeup -> poll return: " + (System.nanoTime() - t0) / 1000 + " us");
            // the eventfd was drained: nothing pending
            assertEquals(0, p.poll(0));
            // a wakeup before poll makes the next poll return immediately
            p.wakeup();
            p.wakeup();
            assertEquals(0, p.poll(5000));
            long t1 = System.nanoTime();
            assertEquals(0, p.poll(50));
            assertTrue(System.nanoTime() - t1 >= TimeUnit.MILLISECONDS.toNanos(40), "drained: next poll waits");
        }
    }

    @Test
    void closeIsIdempotentAndWakeupAfterCloseIsHarmless() {
        Poller p = new Poller(1);
        p.close();
        p.close();
        p.wakeup();
    }

    @Test
    void rejectsBadMaxEvents() {
        assertThrows(IllegalArgumentException.class, () -> new Poller(0));
    }
}
