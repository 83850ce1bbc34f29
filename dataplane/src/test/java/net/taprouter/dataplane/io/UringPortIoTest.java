package net.taprouter.dataplane.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Readiness and wake-ups of the io_uring engine on pipes (TAP frames: UringTapTest). */
class UringPortIoTest {
    private UringPortIo io;
    private final List<Integer> fds = new ArrayList<>();
    private final Memory byteBuf = new Memory(64);

    @BeforeEach
    void open() throws Exception {
        io = new UringPortIo(null, false);
    }

    @AfterEach
    void close() {
        io.close();
        fds.forEach(UringNative::close);
    }

    private int[] pipe() {
        int[] p = new int[2];
        assertEquals(0, UringNative.pipe2(p, 0x800));
        fds.add(p[0]);
        fds.add(p[1]);
        return p;
    }

    private void put(int fd) {
        UringNative.write(fd, Pointer.nativeValue(byteBuf), 1);
    }

    private void take(int fd) {
        UringNative.read(fd, Pointer.nativeValue(byteBuf), 64);
    }

    @Test
    void aWatchedFdIsReadyWhileItHasDataAndAPausedOneOnlyAfterResume() {
        int[] a = pipe();
        int[] b = pipe();
        io.add(a[0], 3);
        io.addPaused(b[0], 5);
        assertEquals(0, io.poll(10));
        put(a[1]);
        put(b[1]);
        assertEquals(1, io.poll(1000));
        assertEquals(3, io.readyToken(0));
        assertEquals(1, io.poll(0), "still ready: nothing read it yet (as level-triggered epoll)");
        io.resume(b[0], 5);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        int n;
        do {
            n = io.poll(100);
        } while (n < 2 && System.nanoTime() < until);
        assertEquals(2, n, "b's data was there before its poll was armed: the first poll reports it");
        io.remove(a[0]);
        io.remove(b[0]);
        assertEquals(0, io.poll(10));
    }

    /**
     * A paused fd is neither reported nor ends a wait, not even when more data comes while the
     * worker waits (its multishot poll is cancelled, not just ignored); resumed, it is reported
     * with the data it had. Only the worker's thread may pause, and only a registered fd.
     */
    @Test
    void aPausedFdNeitherReportsNorEndsAWaitUntilResumed() throws Exception {
        int[] a = pipe();
        int[] b = pipe();
        io.add(a[0], 3);
        io.add(b[0], 5);
        put(a[1]);
        assertEquals(1, io.poll(1000));
        assertEquals(3, io.readyToken(0));
        assertTrue(io.pauseReads(a[0], 3));
        assertFalse(io.pauseReads(b[0], 3), "b is not registered under 3");
        Thread other = new Thread(() -> assertFalse(io.pauseReads(b[0], 5), "not the worker's thread"));
        other.start();
        other.join();
        io.poll(0); // hands the cancellation to the kernel (its completions would end the next wait)
        Thread writer = new Thread(() -> {
            for (int i = 0; i < 25; i++) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ignored) {
                }
                put(a[1]); // more data on the paused fd while the worker waits
            }
        });
        long until = System.nanoTime() + 300_000_000L;
        writer.start();
        int waits = 0;
        for (long left; (left = until - System.nanoTime()) >= 1_000_000L; waits++) { // (a signal may end a wait early)
            assertEquals(0, io.poll((int) (left / 1_000_000)), "a paused: not reported");
        }
        writer.join();
        assertTrue(waits <= 10, waits + " waits in 300 ms: data on the paused fd (25 writes) ended them");
        put(b[1]);
        assertEquals(1, io.poll(1000));
        assertEquals(5, io.readyToken(0), "the other fd still is");
        io.remove(b[0]);
        take(b[0]);
        assertTrue(io.resumeReads(a[0], 3));
        until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        int n;
        do {
            n = io.poll(100);
        } while (n < 1 && System.nanoTime() < until);
        assertEquals(1, n, "resumed: reported with the data it had");
        assertEquals(3, io.readyToken(0));
        io.remove(a[0]);
        assertFalse(io.resumeReads(a[0], 3), "removed: nothing to resume");
        take(a[0]);
    }

    @Test
    void wakeupFromAnotherThreadEndsAWait() throws Exception {
        io.poll(0); // this thread owns the ring now
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException ignored) {
            }
            io.wakeup();
        });
        long start = System.nanoTime();
        t.start();
        assertEquals(0, io.poll(5000));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        t.join();
        org.junit.jupiter.api.Assertions.assertTrue(millis < 2000, "woken after " + millis + " ms");
        // and again: the wake-up's poll stays armed
        Thread t2 = new Thread(io::wakeup);
        t2.start();
        start = System.nanoTime();
        io.poll(5000);
        t2.join();
        org.junit.jupiter.api.Assertions.assertTrue(System.nanoTime() - start < 2_000_000_000L);
    }

    @Test
    void aRemovalFromAnotherThreadWaitsForTheWorker() throws Exception {
        int[] a = pipe();
        io.add(a[0], 1);
        io.poll(0);
        Thread worker = new Thread(() -> {
            for (int i = 0; i < 50; i++) {
                io.poll(20);
            }
        });
        worker.start();
        Thread.sleep(50);
        io.remove(a[0]); // returns once the worker cancelled the poll
        put(a[1]);
        worker.join();
        assertEquals(0, io.poll(10), "a removed fd is never reported");
        take(a[0]);
    }
}
