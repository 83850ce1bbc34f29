package net.taprouter.dataplane.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The raw ring on pipes and eventfds: needs io_uring in the kernel, no privileges. */
class IoUringTest {
    private IoUring ring;
    private final List<Integer> fds = new ArrayList<>();
    private final List<long[]> completions = new ArrayList<>();
    private final IoUring.Completions collect = (userData, result, flags) -> completions.add(new long[] {userData, result, flags});

    @BeforeEach
    void open() throws Exception {
        ring = IoUring.open(4, 8, true, false, 0); // a tiny ring: positions wrap every 4 submissions
        assertEquals(0, ring.enable());
    }

    @AfterEach
    void close() {
        ring.close();
        fds.forEach(UringNative::close);
    }

    private int[] pipe() {
        int[] p = new int[2];
        assertEquals(0, UringNative.pipe2(p, 0x800 /* O_NONBLOCK */));
        fds.add(p[0]);
        fds.add(p[1]);
        return p;
    }

    @Test
    void nopsCompleteInOrderWhilePositionsWrapManyTimes() {
        assertEquals(4, ring.entries());
        long next = 0;
        for (int round = 0; round < 1000; round++) {
            int n = 1 + round % 4;
            for (int i = 0; i < n; i++) {
                ring.prepNop(next + i);
            }
            assertEquals(n, ring.submit(n));
            completions.clear();
            assertEquals(n, ring.drain(collect));
            for (int i = 0; i < n; i++) {
                assertEquals(next + i, completions.get(i)[0]);
                assertEquals(0, completions.get(i)[1]);
            }
            next += n;
        }
        assertEquals(0, ring.ready());
        assertEquals(4, ring.freeSqes());
    }

    @Test
    void aFullSubmissionQueueIsSubmittedBeforeTheNextEntry() {
        for (int i = 0; i < 7; i++) { // 4 fit: the fifth submits the first four itself
            ring.prepNop(i);
        }
        ring.submit(7);
        List<Long> seen = new ArrayList<>();
        while (seen.size() < 7) {
            ring.drain((u, r, f) -> seen.add(u));
            if (seen.size() < 7) {
                ring.submit(1);
            }
        }
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L), seen);
    }

    @Test
    void writesAndReadsThroughAPipe() {
        int[] p = pipe();
        Memory out = new Memory(64);
        Memory in = new Memory(64);
        for (int i = 0; i < 64; i++) {
            out.setByte(i, (byte) i);
        }
        ring.prepWrite(p[1], Pointer.nativeValue(out), 10, 0, 1);
        ring.prepWrite(p[1], Pointer.nativeValue(out) + 10, 20, 0, 2);
        assertEquals(2, ring.submit(2));
        ring.drain(collect);
        assertEquals(2, completions.size());
        assertEquals(10, completions.get(0)[1]);
        assertEquals(20, completions.get(1)[1]);
        completions.clear();
        ring.prepRead(p[0], Pointer.nativeValue(in), 64, IoUring.RWF_NOWAIT, 3);
        ring.prepRead(p[0], Pointer.nativeValue(in), 64, IoUring.RWF_NOWAIT, 4); // nothing left: -EAGAIN at once
        assertEquals(2, ring.submit(2));
        ring.drain(collect);
        assertEquals(30, completions.get(0)[1]);
        assertEquals(-UringNative.EAGAIN, completions.get(1)[1]);
        assertArrayEquals(out.getByteArray(0, 30), in.getByteArray(0, 30));
    }

    @Test
    void fixedBufferReadsAndWrites() {
        int[] p = pipe();
        Memory buf = new Memory(4096);
        assertEquals(0, ring.registerBuffer(Pointer.nativeValue(buf), 4096));
        buf.setString(100, "hello ring");
        ring.prepWriteFixed(p[1], Pointer.nativeValue(buf) + 100, 10, 0, 0, 1);
        ring.prepReadFixed(p[0], Pointer.nativeValue(buf) + 2000, 100, 0, IoUring.RWF_NOWAIT, 2);
        assertEquals(2, ring.submit(2));
        ring.drain(collect);
        assertEquals(10, completions.get(0)[1]);
        assertEquals(10, completions.get(1)[1]);
        assertEquals("hello ring", new String(buf.getByteArray(2000, 10)));
    }

    @Test
    void multishotPollFiresOnEveryWakeUpUntilCancelled() {
        int efd = UringNative.eventfd(0, UringNative.EFD_NONBLOCK);
        fds.add(efd);
        Memory one = new Memory(8);
        one.setLong(0, 1);
        Memory drain = new Memory(8);
        ring.prepPollMultishot(efd, IoUring.POLLIN, 7);
        ring.submit(0);
        assertEquals(-UringNative.ETIME, ring.waitFor(1, 20_000_000L)); // nothing yet: the timeout
        for (int i = 0; i < 3; i++) {
            UringNative.write(efd, Pointer.nativeValue(one), 8);
            ring.waitFor(1, 1_000_000_000L);
            completions.clear();
            ring.drain(collect);
            assertEquals(1, completions.size());
            assertEquals(7, completions.get(0)[0]);
            assertTrue((completions.get(0)[1] & IoUring.POLLIN) != 0);
            assertTrue((completions.get(0)[2] & IoUring.CQE_F_MORE) != 0, "still armed");
            UringNative.read(efd, Pointer.nativeValue(drain), 8);
        }
        ring.prepCancel(7, 8);
        ring.submit(2);
        completions.clear();
        while (completions.size() < 2) {
            ring.drain(collect);
            if (completions.size() < 2) {
                ring.waitFor(1, 1_000_000_000L);
            }
        }
        long[] poll = completions.stream().filter(c -> c[0] == 7).findFirst().orElseThrow();
        assertEquals(-UringNative.ECANCELED, poll[1]);
        assertEquals(0, poll[2] & IoUring.CQE_F_MORE, "the poll ended");
        long[] cancel = completions.stream().filter(c -> c[0] == 8).findFirst().orElseThrow();
        assertEquals(0, cancel[1]);
    }
}
