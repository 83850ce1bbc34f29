package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.neigh.NeighbourLimits;
import net.taprouter.dataplane.port.BatchIo;
import net.taprouter.dataplane.port.FrameBatch;
import net.taprouter.dataplane.port.FrameIo;
import org.junit.jupiter.api.Test;

/**
 * The Transmitter over an engine with asynchronous writes (as the worker's io_uring): a frame's
 * slot comes back and its counters move only when its write completes, in order per port; a
 * port with {@link Transmitter#PORT_IN_FLIGHT} writes in flight first pushes the engine, then
 * drops (tx_queue_full) instead of waiting; a flush (a flooded slot the router goes on with, an
 * ARP request written after queued frames) waits for the completions; a revived port's new device
 * gets its first write after the old device's writes completed; nothing is allocated per frame.
 */
class TransmitAsyncTest extends GraphTestBase {
    private static final int FRAME = 78; // UDP_A_TO_B

    /** Writes started are kept until completed: by {@link #pushWrites} (unless stalled) or {@link #completeAll}. */
    static final class DeferredIo implements BatchIo {
        private record Started(FrameIo device, long address, int length, int tag, WriteListener listener) {
        }

        private final List<Started> started = new ArrayList<>();
        boolean stalled;
        int pushes;
        int completes;

        @Override
        public int read(FrameIo device, FrameBatch batch) {
            return device.read(batch);
        }

        @Override
        public int write(FrameIo device, FrameBatch batch) {
            throw new AssertionError("a synchronous batch write with asynchronous writes available");
        }

        @Override
        public boolean writesAsync(FrameIo device) {
            return true;
        }

        @Override
        public boolean writeAsync(FrameIo device, long address, int length, int tag, WriteListener listener) {
            for (Started s : started) {
                assertFalse(s.tag == tag, "tag " + tag + " reused while in flight");
            }
            started.add(new Started(device, address, length, tag, listener));
            return true;
        }

        @Override
        public void pushWrites() {
            pushes++;
            if (!stalled) {
                completeAll();
            }
        }

        @Override
        public void completeWrites() {
            completes++;
            completeAll();
        }

        @Override
        public int writesInFlight() {
            return started.size();
        }

        /** Writes every started frame to its device now, in start order, and reports the results. */
        void completeAll() {
            while (!started.isEmpty()) {
                Started s = started.remove(0);
                int result = s.device.write(s.address, s.length);
                s.listener.written(s.tag, result);
            }
        }
    }

    /** As {@link DeferredIo}, in preallocated arrays (the allocation test): a push completes every write started. */
    static final class ArrayIo implements BatchIo {
        private final FrameIo[] devices = new FrameIo[Transmitter.ENTRIES];
        private final long[] addresses = new long[Transmitter.ENTRIES];
        private final int[] lengths = new int[Transmitter.ENTRIES];
        private final int[] tags = new int[Transmitter.ENTRIES];
        private WriteListener listener;
        private int started;

        @Override
        public int read(FrameIo device, FrameBatch batch) {
            return device.read(batch);
        }

        @Override
        public int write(FrameIo device, FrameBatch batch) {
            throw new AssertionError("a synchronous batch write with asynchronous writes available");
        }

        @Override
        public boolean writesAsync(FrameIo device) {
            return true;
        }

        @Override
        public boolean writeAsync(FrameIo device, long address, int length, int tag, WriteListener listener) {
            int i = started++;
            devices[i] = device;
            addresses[i] = address;
            lengths[i] = length;
            tags[i] = tag;
            this.listener = listener;
            return true;
        }

        @Override
        public void pushWrites() {
            int n = started;
            started = 0;
            for (int i = 0; i < n; i++) {
                listener.written(tags[i], devices[i].write(addresses[i], lengths[i]));
            }
        }

        @Override
        public void completeWrites() {
            pushWrites();
        }

        @Override
        public int writesInFlight() {
            return started;
        }
    }

    private final DeferredIo io = new DeferredIo();

    private void asyncFixture(int slots) {
        fx.close();
        fx = new GraphFixture(slots, NeighbourLimits.of(GraphFixture.NEIGHBOURS, GraphFixture.ARP_QUEUE, slots));
        fx.context.batchIo(io);
        resolveHosts();
    }

    /** Free slots, those the worker released taken back first. */
    private int freeSlots() {
        while (fx.slotReturns.drain() > 0) {
            // keep draining
        }
        return fx.pool.freeCount();
    }

    @Test
    void aSlotComesBackOnlyWhenItsWriteCompleted() {
        asyncFixture(GraphFixture.SLOTS);
        int free = freeSlots();
        byte[] udp = Wire.unhex(Golden.UDP_A_TO_B);
        for (int i = 0; i < 3; i++) {
            fx.receiveQueued(0, udp);
        }
        assertEquals(3, fx.context.startTransmit());
        assertEquals(0, fx.tap1.pending(), "written before the completion");
        assertEquals(3, io.writesInFlight());
        assertEquals(3, fx.context.transmitsInFlight());
        assertEquals(free - 3, freeSlots(), "a slot back while its write is in flight");
        // counted at the completion, not before (the route fast path's event: when the packet took it)
        fx.assertCounters("event.route_fast_path", 2);
        io.completeAll();
        assertEquals(0, fx.context.transmitsInFlight());
        assertEquals(free, freeSlots());
        assertEquals(List.of(Golden.UDP_A_TO_B_OUT, Golden.UDP_A_TO_B_OUT, Golden.UDP_A_TO_B_OUT),
            GraphFixture.hexes(fx.tap1.take()));
        fx.assertCounters("event.forwarded", 3, "port.tap1.tx_packets", 3,
            "port.tap1.tx_bytes", 3 * FRAME);
        fx.assertNoLeak();
    }

    @Test
    void aFailedCompletionIsCountedThenAndTheGoneDeviceTakesThePortDown() {
        asyncFixture(GraphFixture.SLOTS);
        byte[] udp = Wire.unhex(Golden.UDP_A_TO_B);
        fx.receiveQueued(0, udp);
        fx.context.startTransmit();
        fx.tap1.answer(FrameIo.FAILED, 5); // EIO: the host's side went down meanwhile
        io.completeAll();
        fx.assertCounters("drop.tx_error", 1, "port.tap0.rx_drops", 1, "port.tap1.tx_drops", 1, "port.tap1.tx_errors", 1);
        assertTrue(fx.port1.isUp());
        fx.receiveQueued(0, udp);
        fx.context.startTransmit();
        fx.tap1.answer(FrameIo.GONE, 19); // ENODEV
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(err, true));
        try {
            io.completeAll();
        } finally {
            System.setErr(original);
        }
        assertFalse(fx.port1.isUp());
        assertEquals(List.of("routerd: port tap1 down: tap1: errno 19"), err.toString().lines().toList());
        fx.assertCounters("drop.tx_error", 1, "port.tap0.rx_drops", 1, "port.tap1.tx_drops", 1, "port.tap1.tx_errors", 1,
            "event.route_fast_path", 1); // the second packet to B: the route fast path
        fx.assertNoLeak();
    }

    @Test
    void aPortWithTooManyWritesInFlightPushesThenDropsAndNeverWaits() {
        int extra = 5;
        int frames = Transmitter.PORT_IN_FLIGHT + extra;
        asyncFixture(frames + 8);
        io.stalled = true; // the kernel keeps them (never the case with a TAP: the bound still holds)
        byte[] udp = Wire.unhex(Golden.UDP_A_TO_B);
        for (int i = 0; i < frames; i++) {
            fx.receiveQueued(0, udp); // a full queue starts itself every Transmitter.QUEUE frames
        }
        fx.context.startTransmit();
        assertEquals(Transmitter.PORT_IN_FLIGHT, io.writesInFlight());
        assertEquals(extra, io.pushes, "pushed before each drop");
        assertEquals(0, io.completes, "waited for completions");
        fx.assertCounters("drop.tx_queue_full", extra, "port.tap0.rx_drops", extra, "port.tap1.tx_drops", extra,
            "event.route_fast_path", frames - 1); // every frame after the first to B: the route fast path
        assertEquals(fx.pool.slotCount() - Transmitter.PORT_IN_FLIGHT, freeSlots(), "the dropped frames' slots are back");
        io.stalled = false;
        fx.receiveQueued(0, udp); // room again after a push that completes
        fx.context.startTransmit();
        assertEquals(1, io.writesInFlight());
        io.completeAll();
        assertEquals(Transmitter.PORT_IN_FLIGHT + 1, fx.tap1.take().size());
        fx.assertCounters("event.forwarded", Transmitter.PORT_IN_FLIGHT + 1, "port.tap1.tx_packets", Transmitter.PORT_IN_FLIGHT + 1,
            "port.tap1.tx_bytes", (Transmitter.PORT_IN_FLIGHT + 1) * FRAME, "event.route_fast_path", 1);
        fx.assertNoLeak();
    }

    /**
     * All ports together have at most {@link Transmitter#IN_FLIGHT} writes in flight: a second
     * port gets what the first left of it, then drops; the entry table (queue and writes in
     * flight) never runs out, however many frames come while every write is held.
     */
    @Test
    void thePortsTogetherStopAtTheGlobalInFlightLimit() {
        int toB = Transmitter.PORT_IN_FLIGHT;
        int toA = Transmitter.PORT_IN_FLIGHT;
        asyncFixture(toB + toA + 2 * Transmitter.ENTRIES);
        io.stalled = true;
        byte[] udpToB = Wire.unhex(Golden.UDP_A_TO_B);
        byte[] udpToA = Wire.ipv4("198.51.100.1", "192.0.2.1").udp(40000, 9, Wire.pattern(36, 1))
            .frame(GraphFixture.PORT1_MAC, GraphFixture.HOST_B_MAC);
        for (int i = 0; i < toB; i++) {
            fx.receiveQueued(0, udpToB);
        }
        fx.context.startTransmit();
        for (int i = 0; i < toA; i++) {
            fx.receiveQueued(1, udpToA);
        }
        fx.context.startTransmit();
        int leftForA = Transmitter.IN_FLIGHT - Transmitter.PORT_IN_FLIGHT;
        assertEquals(Transmitter.IN_FLIGHT, io.writesInFlight());
        fx.assertCounters("drop.tx_queue_full", toA - leftForA, "port.tap1.rx_drops", toA - leftForA,
            "port.tap0.tx_drops", toA - leftForA, "event.route_fast_path", toB - 1 + toA - 1);
        for (int round = 0; round < 4; round++) { // more than the whole entry table, every write still held
            for (int i = 0; i < Transmitter.ENTRIES / 2; i++) {
                fx.receiveQueued(round & 1, (round & 1) == 0 ? udpToB : udpToA);
            }
            fx.context.startTransmit();
        }
        assertEquals(Transmitter.IN_FLIGHT, io.writesInFlight());
        int dropped = toA - leftForA + 2 * Transmitter.ENTRIES;
        assertEquals(dropped, fx.counter("drop.tx_queue_full"));
        assertEquals(fx.pool.slotCount() - Transmitter.IN_FLIGHT, freeSlots(), "the dropped frames' slots are back");
        io.stalled = false;
        io.completeAll();
        assertEquals(Transmitter.PORT_IN_FLIGHT, fx.tap1.take().size());
        assertEquals(leftForA, fx.tap0.take().size());
        fx.receiveQueued(1, udpToA); // room again
        fx.context.startTransmit();
        io.completeAll();
        assertEquals(1, fx.tap0.take().size());
        fx.assertNoLeak();
    }

    @Test
    void aRevivedPortsNewDeviceWaitsForTheOldOnesWrites() {
        asyncFixture(GraphFixture.SLOTS);
        byte[] udp = Wire.unhex(Golden.UDP_A_TO_B);
        fx.receiveQueued(0, udp);
        fx.receiveQueued(0, udp);
        fx.context.startTransmit(); // in flight to the old device
        MemoryFrameIo revived = new MemoryFrameIo("tap1");
        fx.port1.device(revived);
        fx.receiveQueued(0, udp);
        fx.context.startTransmit();
        assertEquals(1, io.completes, "the old device's writes completed before the first write to the new one");
        assertEquals(2, fx.tap1.take().size());
        assertEquals(1, io.writesInFlight());
        assertEquals(0, revived.pending());
        io.completeAll();
        assertEquals(List.of(Golden.UDP_A_TO_B_OUT), GraphFixture.hexes(revived.take()));
        // the second packet took the route fast path; the new device is a change: the third went the whole way
        fx.assertCounters("event.forwarded", 3, "port.tap1.tx_packets", 3, "port.tap1.tx_bytes", 3 * FRAME,
            "event.route_fast_path", 1);
        assertEquals(0, fx.context.transmitsInFlight());
        fx.assertNoLeak();
    }

    /** A write to the gone device still in flight when the port is revived ends GONE: counted, but the revived port stays up. */
    @Test
    void aGoneCompletionOfTheReplacedDeviceLeavesTheRevivedPortUp() {
        asyncFixture(GraphFixture.SLOTS);
        byte[] udp = Wire.unhex(Golden.UDP_A_TO_B);
        fx.receiveQueued(0, udp);
        fx.context.startTransmit(); // in flight to the old device
        fx.tap1.answer(FrameIo.GONE, 19);
        MemoryFrameIo revived = new MemoryFrameIo("tap1");
        fx.port1.device(revived); // revived before the old write completed
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(err, true));
        try {
            io.completeAll();
        } finally {
            System.setErr(original);
        }
        assertTrue(fx.port1.isUp(), "the revived port was taken down by its old device's write");
        assertEquals("", err.toString());
        fx.assertCounters("drop.tx_error", 1, "port.tap0.rx_drops", 1, "port.tap1.tx_drops", 1, "port.tap1.tx_errors", 1);
        fx.receiveQueued(0, udp);
        fx.context.startTransmit();
        io.completeAll();
        assertEquals(List.of(Golden.UDP_A_TO_B_OUT), GraphFixture.hexes(revived.take()));
        fx.assertNoLeak();
    }

    @Test
    void theAsynchronousPathAllocatesNothingPerFrame() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        fx.close();
        fx = new GraphFixture(2 * Transmitter.ENTRIES, NeighbourLimits.of(GraphFixture.NEIGHBOURS, GraphFixture.ARP_QUEUE, 2 * Transmitter.ENTRIES));
        ArrayIo arrayIo = new ArrayIo();
        fx.context.batchIo(arrayIo);
        resolveHosts();
        fx.tap1.keep(false);
        byte[] udp = Wire.unhex(Golden.UDP_A_TO_B);
        Runnable rounds = () -> {
            for (int r = 0; r < 100; r++) { // 3 rounds of 64 frames in flight, then their completions
                for (int i = 0; i < 3 * Transmitter.QUEUE; i++) {
                    fx.receiveQueued(0, udp); // a full queue starts itself
                }
                fx.context.startTransmit();
                fx.context.pushTransmit();
                while (fx.slotReturns.drain() > 0) {
                    // the slots back to the pool, as the RX agent takes them
                }
            }
        };
        rounds.run(); // warm-up
        long fewest = Long.MAX_VALUE;
        for (int block = 0; block < 5 && fewest > 0; block++) { // a per-frame allocation shows in every block
            long before = threads.getCurrentThreadAllocatedBytes();
            rounds.run();
            fewest = Math.min(fewest, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertEquals(0, fewest, "bytes allocated for 19,200 frames written asynchronously");
        assertEquals(0, fx.context.transmitsInFlight());
        fx.assertNoLeak();
    }

    @Test
    void anImmediateFrameWaitsForTheQueuedOnes() {
        asyncFixture(GraphFixture.SLOTS);
        byte[] udp = Wire.unhex(Golden.UDP_A_TO_B);
        fx.receiveQueued(0, udp);
        fx.context.startTransmit(); // in flight
        fx.receiveQueued(0, udp); // queued
        // the gateway is unknown: its ARP request is written at once, after both frames for tap1
        fx.receiveQueued(0, Wire.unhex(Golden.UDP_A_TO_REMOTE));
        assertEquals(0, io.writesInFlight());
        List<String> out1 = GraphFixture.hexes(fx.tap1.take());
        assertEquals(3, out1.size());
        assertEquals(List.of(Golden.UDP_A_TO_B_OUT, Golden.UDP_A_TO_B_OUT), out1.subList(0, 2));
        assertTrue(out1.get(2).startsWith("ffffffffffff00005e0053210806"), "ARP request last: " + out1.get(2));
        fx.assertNoLeak(1);
    }
}
