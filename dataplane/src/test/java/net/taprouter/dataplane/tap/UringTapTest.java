package net.taprouter.dataplane.tap;

import static net.taprouter.dataplane.tap.Frames.ROUTER_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.io.UringPortIo;
import net.taprouter.dataplane.port.BatchIo;
import net.taprouter.dataplane.port.FrameBatch;
import net.taprouter.dataplane.port.FrameIo;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The io_uring engine on a real TAP (as routerd uses it: pool slots, registered as a fixed
 * buffer): batched reads keep the frames' order, batched writes reach the host, EIO while the
 * host's side is down is a failed frame (not a gone port), a deleted namespace is a gone one;
 * every slot comes back to the pool. Needs root (skipped otherwise). Uses only 192.0.2.0/24.
 */
@Tag("netns")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UringTapTest {
    private static final int TOKEN = 7;
    private NetnsFixture ns;
    private TapDevice tap;
    private UringPortIo io;
    private FramePool pool;

    @BeforeEach
    void setUp() throws Exception {
        NetnsFixture.assumeRootWithNetns();
        ns = NetnsFixture.create();
        tap = TapDevice.open("ut0", ns.name, false);
        pool = new FramePool(256, 2048, 0);
        io = new UringPortIo(pool, true);
        io.add(tap.fd(), TOKEN);
        ns.exec("ip", "link", "set", "ut0", "up");
        ns.exec("ip", "addr", "add", "192.0.2.1/24", "dev", "ut0");
        ns.exec("ip", "neigh", "add", "192.0.2.254", "lladdr", "02:00:00:00:00:fe", "dev", "ut0");
    }

    @AfterEach
    void tearDown() {
        if (io != null) {
            io.close();
        }
        if (tap != null) {
            tap.close();
        }
        if (ns != null) {
            ns.delete();
        }
    }

    /** Reads until {@code want} UDP frames to port 9 arrived; returns their 4-byte payloads, in order. */
    private List<Integer> readUdp(int want) {
        List<Integer> seqs = new ArrayList<>();
        FrameBatch batch = new FrameBatch(32);
        UnsafeBuffer b = pool.buffer();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (seqs.size() < want && System.nanoTime() < deadline) {
            int ready = io.poll(200);
            for (int r = 0; r < ready; r++) {
                assertEquals(TOKEN, io.readyToken(r));
                batch.clear();
                while (!batch.isFull()) {
                    int slot = pool.allocate();
                    batch.add(pool.address(pool.frameOffset(slot)), pool.frameCapacity(), slot);
                }
                int n = io.read(tap, batch);
                for (int i = 0; i < n; i++) {
                    int off = pool.frameOffset(batch.tag(i));
                    int length = batch.result(i);
                    if (length == 14 + 20 + 8 + 4 && (b.getShort(off + 12, java.nio.ByteOrder.BIG_ENDIAN) & 0xffff) == 0x0800 && b.getByte(off + 23) == 17
                        && (b.getShort(off + 36, java.nio.ByteOrder.BIG_ENDIAN) & 0xffff) == 9) {
                        seqs.add(b.getInt(off + 42, java.nio.ByteOrder.BIG_ENDIAN));
                    }
                }
                for (int i = 0; i < batch.count(); i++) {
                    pool.free(batch.tag(i));
                }
            }
        }
        return seqs;
    }

    @Test
    void batchedReadsDeliverEveryFrameInOrderAndEverySlotComesBack() {
        int free = pool.freeCount();
        ns.exec("/usr/bin/python3", "-c", "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
            + "for i in range(500): s.sendto(i.to_bytes(4,'big'),('192.0.2.254',9))");
        List<Integer> seqs = readUdp(500);
        assertEquals(500, seqs.size(), "frames read");
        for (int i = 0; i < seqs.size(); i++) {
            assertEquals(i, seqs.get(i), "order at " + i);
        }
        assertTrue(io.fixedBuffers(), "the pool is the ring's fixed buffer");
        assertEquals(free, pool.freeCount());
    }

    private long hostRxPackets() {
        return Long.parseLong(ns.exec("cat", "/sys/class/net/ut0/statistics/rx_packets").trim());
    }

    /** Queues {@code count} copies of a small frame to the host in pool slots. */
    private FrameBatch frames(int count) {
        FrameBatch batch = new FrameBatch(64);
        for (int i = 0; i < count; i++) {
            int slot = pool.allocate();
            int off = pool.frameOffset(slot);
            UnsafeBuffer b = pool.buffer();
            b.setMemory(off, 60, (byte) 0);
            b.putBytes(off, new byte[] {-1, -1, -1, -1, -1, -1});
            b.putBytes(off + 6, ROUTER_MAC);
            b.putShort(off + 12, (short) 0x88b5, java.nio.ByteOrder.BIG_ENDIAN); // local experimental ethertype
            batch.add(pool.address(off), 60, slot);
        }
        return batch;
    }

    private void free(FrameBatch batch) {
        for (int i = 0; i < batch.count(); i++) {
            pool.free(batch.tag(i));
        }
    }

    @Test
    void batchedWritesReachTheHostAndEioIsAFailedFrame() {
        int free = pool.freeCount();
        io.poll(0);
        long before = hostRxPackets();
        FrameBatch batch = frames(40);
        assertEquals(40, io.write(tap, batch));
        assertEquals(0, batch.status());
        for (int i = 0; i < 40; i++) {
            assertEquals(60, batch.result(i));
        }
        free(batch);
        assertEquals(before + 40, hostRxPackets());

        ns.exec("ip", "link", "set", "ut0", "down");
        batch = frames(3);
        assertEquals(0, io.write(tap, batch));
        assertEquals(FrameIo.FAILED, batch.status(), "EIO while the host's side is down");
        assertEquals(5, tap.lastErrno()); // EIO
        free(batch);
        assertEquals(free, pool.freeCount());
    }

    @Test
    void aDeletedNamespaceMakesThePortReadyAndItsReadGone() {
        io.poll(0);
        ns.delete(); // the device goes a little later (namespace clean-up runs in the background)
        FrameBatch batch = new FrameBatch(1);
        int slot = pool.allocate();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (batch.status() != FrameIo.GONE && System.nanoTime() < deadline) {
            int ready = io.poll(200); // frames the host sent before it went, then the detached device
            for (int r = 0; r < ready; r++) {
                assertEquals(TOKEN, io.readyToken(r));
                batch.clear();
                batch.add(pool.address(pool.frameOffset(slot)), pool.frameCapacity(), slot);
                io.read(tap, batch);
            }
        }
        assertEquals(FrameIo.GONE, batch.status());
        pool.free(slot);
        io.remove(tap.fd());
        assertEquals(0, io.poll(10));
        ns = null;
    }

    @Test
    void theIoUringPathAllocatesNothingPerFrame() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        FrameBatch out = frames(64);
        FrameBatch in = new FrameBatch(32);
        long[] completed = {0, 0};
        int inSlot = pool.allocate();
        BatchIo.WriteListener counting = (tag, result) -> completed[0]++;
        Runnable round = () -> {
            io.write(tap, out);
            for (int i = 0; i < out.count(); i++) { // asynchronous: they go with the read's enter
                io.writeAsync(tap, out.address(i), out.length(i), i, counting);
            }
            io.poll(0);
            completed[1]++;
            in.clear();
            for (int i = 0; i < 32; i++) {
                in.add(pool.address(pool.frameOffset(inSlot)), pool.frameCapacity(), inSlot); // one slot, 32 reads: only counts
            }
            io.read(tap, in);
        };
        for (int i = 0; i < 2_000; i++) { // warm-up: the JIT compiles the path
            round.run();
        }
        ns.exec("/usr/bin/python3", "-c", "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
            + "for i in range(300): s.sendto(i.to_bytes(4,'big'),('192.0.2.254',9))"); // frames to read, too
        // the fewest bytes of five blocks of 1,000 rounds (64,000 frames written, 1,000 read batches
        // each): a per-frame allocation shows in every block; a one-off (a deoptimisation
        // re-materialising an object) in one only
        long fewest = Long.MAX_VALUE;
        for (int block = 0; block < 5 && fewest > 0; block++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 1_000; i++) {
                round.run();
            }
            fewest = Math.min(fewest, mx.getCurrentThreadAllocatedBytes() - before);
        }
        assertEquals(0, fewest, "bytes allocated for 128,000 frames written (half of them asynchronously) and 1,000 batches read");
        io.completeWrites();
        assertEquals(64L * completed[1], completed[0], "asynchronous writes completed");
        pool.free(inSlot);
        free(out);
    }

    /** Results of asynchronous writes, by arrival: tag and result. */
    private final List<int[]> written = new ArrayList<>();
    private final BatchIo.WriteListener listener = (tag, result) -> written.add(new int[] {tag, result});

    /** A UDP datagram 192.0.2.254:9999 -> 192.0.2.1:9 carrying {@code seq}, to the host's MAC, in a pool slot. */
    private int udpFrame(byte[] hostMac, int seq) {
        int slot = pool.allocate();
        int off = pool.frameOffset(slot);
        UnsafeBuffer b = pool.buffer();
        java.nio.ByteOrder be = java.nio.ByteOrder.BIG_ENDIAN;
        b.putBytes(off, hostMac);
        b.putBytes(off + 6, ROUTER_MAC);
        b.putShort(off + 12, (short) 0x0800, be);
        int ip = off + 14;
        b.setMemory(ip, 20, (byte) 0);
        b.putByte(ip, (byte) 0x45);
        b.putShort(ip + 2, (short) (20 + 8 + 4), be);
        b.putByte(ip + 8, (byte) 64);
        b.putByte(ip + 9, (byte) 17);
        b.putInt(ip + 12, 0xc00002fe, be); // 192.0.2.254
        b.putInt(ip + 16, 0xc0000201, be); // 192.0.2.1
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += b.getShort(ip + i, be) & 0xffff;
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        b.putShort(ip + 10, (short) ~sum, be);
        b.putShort(ip + 20, (short) 9999, be);
        b.putShort(ip + 22, (short) 9, be);
        b.putShort(ip + 24, (short) 12, be);
        b.putShort(ip + 26, (short) 0, be); // no UDP checksum
        b.putInt(ip + 28, seq, be);
        return slot;
    }

    private static byte[] mac(String text) {
        String[] parts = text.trim().split(":");
        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++) {
            mac[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return mac;
    }

    @Test
    void asynchronousWritesGoWithTheNextEnterAndCompleteInOrder() throws Exception {
        int free = pool.freeCount();
        io.poll(0); // this thread owns the ring
        byte[] hostMac = mac(ns.exec("cat", "/sys/class/net/ut0/address"));
        int count = 200;
        Process receiver = new ProcessBuilder("ip", "netns", "exec", ns.name, "/usr/bin/python3", "-c",
            "import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                + "s.setsockopt(socket.SOL_SOCKET,socket.SO_RCVBUF,1<<20)\ns.bind(('192.0.2.1',9))\ns.settimeout(10)\n"
                + "print('ready',flush=True)\nout=[]\n"
                + "try:\n  while len(out)<" + count + ": out.append(int.from_bytes(s.recv(64)[:4],'big'))\n"
                + "except Exception: pass\nprint(' '.join(map(str,out)),flush=True)").redirectErrorStream(true).start();
        java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(receiver.getInputStream()));
        assertEquals("ready", lines.readLine());
        long before = hostRxPackets();
        int[] slots = new int[count];
        for (int i = 0; i < count; i++) {
            slots[i] = udpFrame(hostMac, i);
            assertTrue(io.writesAsync(tap));
            assertTrue(io.writeAsync(tap, pool.address(pool.frameOffset(slots[i])), 46, i, listener));
        }
        assertEquals(count, io.writesInFlight());
        assertEquals(0, written.size(), "completed before any io_uring_enter");
        assertEquals(before, hostRxPackets(), "written before any io_uring_enter");
        if (io.poll(0) > 0) { // the next enter takes them: the poll's, or (the port is ready) its read's
            FrameBatch in = new FrameBatch(4);
            int inSlot = pool.allocate();
            for (int i = 0; i < 4; i++) {
                in.add(pool.address(pool.frameOffset(inSlot)), pool.frameCapacity(), inSlot);
            }
            io.read(tap, in);
            pool.free(inSlot);
        }
        assertEquals(0, io.writesInFlight());
        assertEquals(count, written.size());
        for (int i = 0; i < count; i++) {
            assertEquals(i, written.get(i)[0], "completion order at " + i);
            assertEquals(46, written.get(i)[1], "result of " + i);
        }
        assertEquals(before + count, hostRxPackets());
        String seqs = lines.readLine();
        receiver.waitFor(15, TimeUnit.SECONDS);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < count; i++) {
            expected.append(i == 0 ? "" : " ").append(i);
        }
        assertEquals(expected.toString(), seqs, "datagrams as the host received them");
        for (int slot : slots) {
            pool.free(slot);
        }
        assertEquals(free, pool.freeCount());
    }

    @Test
    void aFullSubmissionQueueSubmitsItselfAndEioIsAFailedWrite() {
        io.poll(0);
        long before = hostRxPackets();
        FrameBatch one = frames(1);
        long address = one.address(0);
        int count = 3 * 256 + 10; // three times the SQ
        for (int i = 0; i < count; i++) {
            assertTrue(io.writeAsync(tap, address, 60, i, listener), "write " + i + " not queued");
        }
        assertTrue(written.size() >= 3 * 256, "a full SQ was submitted (and its completions reported): " + written.size());
        io.pushWrites();
        assertEquals(count, written.size());
        assertEquals(0, io.writesInFlight());
        for (int i = 0; i < count; i++) {
            assertEquals(i, written.get(i)[0]);
            assertEquals(60, written.get(i)[1]);
        }
        assertEquals(before + count, hostRxPackets());

        written.clear();
        ns.exec("ip", "link", "set", "ut0", "down");
        for (int i = 0; i < 3; i++) {
            assertTrue(io.writeAsync(tap, address, 60, i, listener));
        }
        io.completeWrites();
        assertEquals(3, written.size());
        for (int[] w : written) {
            assertEquals(FrameIo.FAILED, w[1], "EIO while the host's side is down");
        }
        free(one);
    }

    @Test
    void awaitWritesFromAnotherThreadReturnsOnceTheWorkersWritesCompleted() throws Exception {
        io.poll(0);
        FrameBatch batch = frames(20);
        for (int i = 0; i < 20; i++) {
            io.writeAsync(tap, batch.address(i), 60, i, listener);
        }
        int[] seen = {-1};
        Thread control = new Thread(() -> {
            io.awaitWrites();
            seen[0] = io.writesInFlight();
        });
        control.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (control.isAlive() && System.nanoTime() < deadline) {
            io.poll(5); // the worker's rounds
        }
        control.join();
        assertEquals(20, written.size(), "completions handled before awaitWrites returned");
        assertEquals(0, seen[0]);
        free(batch);
    }

    @Test
    void aThreadThatDoesNotOwnTheRingWritesWithPlainSystemCalls() throws Exception {
        io.poll(0); // this thread owns the ring
        long before = hostRxPackets();
        FrameBatch batch = frames(5);
        int[] sent = new int[1];
        Thread other = new Thread(() -> sent[0] = io.write(tap, batch));
        other.start();
        other.join();
        assertEquals(5, sent[0]);
        assertEquals(before + 5, hostRxPackets());
        free(batch);
    }
}
