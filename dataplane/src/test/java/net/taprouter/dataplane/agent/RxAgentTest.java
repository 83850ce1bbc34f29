package net.taprouter.dataplane.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.FileDescriptor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.buffer.DescriptorRing;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.port.FrameIo;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.tap.Poller;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The RX agent against a scripted device whose fd (a pipe with a byte in it) is always readable,
 * as a TAP's fd is after its namespace vanished (EPOLLERR, level-triggered): a device that
 * answers GONE or FAILED takes its port down with one log line and leaves epoll, so the agent
 * does not spin on it; frames come in batches; slots it did not fill go back; a pool that runs dry
 * is rx_no_buffer.
 */
class RxAgentTest {
    private static final int SLOTS = 64;

    private final CounterFile counterFile = CounterFile.create(null, 256);
    private final DataplaneCounters counters = DataplaneCounters.rx(counterFile);
    private final PortTable ports = new PortTable();
    private final List<FileDescriptor> pipe = new ArrayList<>();
    private Poller poller;
    private FramePool pool;
    private DescriptorRing ring;
    private RxAgent rx;
    private SlotReturnRing returns;
    private ScriptedDevice device;
    private Port port;

    @BeforeEach
    void setUp() throws IOException {
        Epoll.ensureAvailability();
        FileDescriptor[] ends = FileDescriptor.pipe();
        pipe.add(ends[0]);
        pipe.add(ends[1]);
        ByteBuffer one = ByteBuffer.allocateDirect(1);
        ends[1].write(one, 0, 1); // the read end stays readable: nothing ever reads it
        poller = new Poller(16);
        build(SLOTS);
    }

    private void build(int slots) {
        build(slots, 0);
    }

    /** The agent over a new pool of {@code slots} ({@code largeSlots} of them large), reading port p3 only (an earlier p3 removed). */
    private void build(int slots, int largeSlots) {
        if (port != null) {
            poller.remove(device.fd());
            ports.unpublish(port);
        }
        pool = new FramePool(slots, 2048, largeSlots);
        ring = new DescriptorRing(slots);
        device = new ScriptedDevice(pipe.get(0).intValue());
        port = new Port(3, "p3", device, new PortCounters(counterFile, "p3." + slots));
        ports.put(port);
        poller.add(device.fd(), port.index());
        returns = new SlotReturnRing(pool);
        rx = new RxAgent(new net.taprouter.dataplane.io.EpollPortIo(poller), ports, pool, returns, ring, counters, new ReaderEpochs(1, () -> { }), 0);
    }

    @AfterEach
    void tearDown() throws IOException {
        poller.close();
        for (FileDescriptor fd : pipe) {
            fd.close();
        }
        counterFile.close();
    }

    @Test
    void aGoneDeviceTakesItsPortDownOnceAndLeavesEpoll() {
        device.script(FrameIo.GONE, 77);
        String log = logOf(() -> {
            rx.doWork();
            for (int i = 0; i < 10; i++) {
                rx.doWork();
            }
        });
        assertTrue(port.carrierLost());
        assertEquals(1, device.batchReads, "reads of a lost port (a spinning loop reads it again)");
        assertEquals(List.of("routerd: port p3 (scripted) down: scripted: errno 77"), log.lines().toList());
        assertEquals(0, poller.poll(0), "the fd is still in epoll");
        assertEquals(SLOTS, pool.freeCount(), "slots not given back");
    }

    @Test
    void aFailedReadAlsoTakesThePortDown() {
        device.script(FrameIo.FAILED, 14);
        String log = logOf(() -> rx.doWork());
        assertTrue(port.carrierLost());
        assertEquals(1, log.lines().count());
        assertEquals(0, poller.poll(0));
        assertEquals(SLOTS, pool.freeCount());
    }

    @Test
    void aPortLostOnTheSendPathLeavesEpollWithoutARead() {
        port.markCarrierLost(); // what Transmitter does when a write says GONE
        rx.doWork();
        assertEquals(0, device.batchReads);
        assertEquals(0, poller.poll(0));
    }

    @Test
    void framesComeInOneBatchAndUnusedSlotsGoBack() {
        device.frames(60, 61, 62);
        assertEquals(3, rx.doWork());
        assertEquals(1, device.batchReads);
        assertEquals(RxAgent.READ_BATCH, device.lastBatchSize, "slots offered to one batched read");
        List<Integer> lengths = new ArrayList<>();
        List<Integer> rxPorts = new ArrayList<>();
        ring.poll((slot, portIndex, length, rxNanos) -> {
            lengths.add(length);
            rxPorts.add(portIndex);
            assertEquals(length, pool.buffer().getByte(pool.frameOffset(slot)), "frame in its slot");
        }, 16);
        assertEquals(List.of(60, 61, 62), lengths);
        assertEquals(List.of(3, 3, 3), rxPorts);
        assertEquals(SLOTS - 3, pool.freeCount());
        assertEquals(3, port.counters().rxPackets());
        assertEquals(183, port.counters().rxBytes());
        assertFalse(port.carrierLost());
        assertEquals(0, counters.drops(DropReason.RX_NO_BUFFER));
    }

    @Test
    void aPoolThatRunsDryIsRxNoBuffer() {
        build(4);
        device.frames(60, 61, 62, 63, 64);
        assertEquals(4, rx.doWork());
        assertEquals(1, counters.drops(DropReason.RX_NO_BUFFER));
        assertEquals(0, pool.freeCount());
    }

    /** One shared thread: a dry pool is counted and the next round reads again (its idle wait is where its writes complete). */
    @Test
    void sharedThreadReadsAgainOnceASlotIsBack() {
        build(4);
        device.frames(60, 61, 62, 63, 64, 65);
        assertEquals(4, rx.doWork());
        assertFalse(rx.turnedAway());
        giveBack(1);
        rx.doWork();
        assertEquals(2, device.batchReads);
        assertEquals(1, device.lastBatchSize);
    }

    /**
     * Dedicated threads: a port may hold only its share of the pool (at most twice the free
     * slots): past it the port is turned away (counted once), not read, and its queue paused in
     * the poller, so the idle wait waits there instead of returning at once for the still
     * readable TAP: the agent does not spin (a flood against a
     * forwarding thread that is behind once counted millions of rx_no_buffer a second); it reads
     * again once a batch of its share is back (a sixteenth of the pool), not a frame per read.
     */
    @Test
    void dedicatedThreadsStopReadingAPortAtItsShareWithoutSpinning() {
        rx.sharePoolPerPort(true); // 64 slots
        for (int i = 0; i < 1000; i++) {
            device.frames(60);
        }
        assertEquals(32, rx.doWork(), "a batch");
        assertEquals(10, rx.doWork(), "as many as keep held <= 2 x free: (2 x 32 - 32) / 3");
        assertEquals(42, rx.held(port.index()));
        assertEquals(22, pool.freeCount());
        assertEquals(0, rx.doWork());
        assertTrue(rx.turnedAway());
        assertEquals(1, counters.drops(DropReason.RX_NO_BUFFER));
        assertEquals(1, rx.pausedQueues(), "its queue paused in the poller");
        EpollIdleStrategy idle = new EpollIdleStrategy(rx, 20, () -> false);
        long until = System.nanoTime() + 100_000_000L;
        int rounds = 0;
        while (System.nanoTime() < until) {
            idle.idle(rx.doWork());
            rounds++;
        }
        assertEquals(2, device.batchReads, "reads while at its share");
        assertEquals(1, counters.drops(DropReason.RX_NO_BUFFER), "rx_no_buffer counted once for the episode");
        // the idle wait waits in the poller (20 ms time-outs), not parked 50 us at a time (~1,000 rounds) nor spinning
        assertTrue(rounds <= 20, rounds + " rounds in 100 ms: the still readable TAP ends every idle wait");
        giveBack(3);
        rx.doWork();
        assertEquals(2, device.batchReads, "3 back: a share of 3, less than the batch of 4 it waits for");
        giveBack(1);
        rx.doWork();
        assertEquals(3, device.batchReads);
        assertEquals(4, device.lastBatchSize);
        assertEquals(42, rx.held(port.index()));
        assertTrue(pool.freeCount() > 0, "never dry");
    }

    /**
     * While a flooding port waits for its share, paused in the poller, the idle wait sleeps there:
     * a frame on another port ends it at once (not a park's or a time-out's later), and so does
     * the forwarding thread once enough slots are back (as {@link ForwardingAgent} wakes it);
     * then the flooding port is read again. (Without the pause the flood's readable TAP ends every
     * wait: the old code parked 50 us instead, and a quiet port's frame waited out the park.)
     */
    @Test
    void aPausedPortsWaitEndsForAnotherPortsFrameAndForItsSlotsBack() throws Exception {
        rx.sharePoolPerPort(true); // 64 slots
        FileDescriptor[] quiet = FileDescriptor.pipe(); // not readable until written
        pipe.add(quiet[0]);
        pipe.add(quiet[1]);
        ScriptedDevice second = new ScriptedDevice(quiet[0].intValue());
        Port other = addPort(4, "p4", second);
        for (int i = 0; i < 1000; i++) {
            device.frames(60);
        }
        for (int round = 0; round < 3; round++) {
            rx.doWork();
        }
        assertTrue(rx.turnedAway());
        assertEquals(1, rx.pausedQueues());
        second.frames(61);
        Thread host = new Thread(() -> {
            sleepMillis(100);
            try {
                quiet[1].write(ByteBuffer.allocateDirect(1), 0, 1); // p4's frame arrives
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        long start = System.nanoTime();
        host.start();
        int waits = idleUntil(() -> other.counters().rxPackets() > 0);
        long waited = System.nanoTime() - start;
        host.join();
        assertEquals(1, other.counters().rxPackets(), "p4's frame read");
        assertTrue(waits <= 5, waits + " idle waits until p4's frame came (100 ms): the paused flood ends them");
        assertTrue(waited < 2_000_000_000L, "p4's frame did not end the wait: " + waited / 1000 + " us");
        assertEquals(2, device.batchReads, "the flood not read");
        quiet[0].read(ByteBuffer.allocateDirect(1), 0, 1); // p4 quiet again
        int before = device.batchReads;
        Thread forwarder = new Thread(() -> {
            sleepMillis(100);
            giveBack(ring.size()); // the forwarding thread gets through the flood's frames
            if (returns.awaitedReturnsBack()) {
                poller.wakeup(); // what ForwardingAgent does after its round
            }
        });
        start = System.nanoTime();
        forwarder.start();
        waits = idleUntil(() -> device.batchReads > before);
        waited = System.nanoTime() - start;
        forwarder.join();
        assertEquals(before + 1, device.batchReads, "its share back: the flood is read again");
        assertTrue(waits <= 5, waits + " idle waits until its slots came back (100 ms)");
        assertTrue(waited < 2_000_000_000L, "slots back did not end the wait: " + waited / 1000 + " us");
        assertEquals(0, rx.pausedQueues());
    }

    /**
     * A paused queue whose port is revived on a new device (here with the same fd number, as the
     * kernel may hand out) is forgotten, not resumed: the new device is the control thread's
     * registration; and one whose port is deleted is forgotten too.
     */
    @Test
    void aPausedQueueOfARevivedOrDeletedPortIsForgotten() throws IOException {
        rx.sharePoolPerPort(true); // 64 slots
        for (int i = 0; i < 1000; i++) {
            device.frames(60);
        }
        for (int round = 0; round < 3; round++) {
            rx.doWork();
        }
        assertEquals(1, rx.pausedQueues());
        ScriptedDevice revived = new ScriptedDevice(device.fd()); // a new device, the old fd number
        port.devices(new FrameIo[] {revived}); // as Dataplane.revivePort: the fd stays watched (removed, added again)
        poller.remove(device.fd());
        poller.add(revived.fd(), port.index());
        revived.frames(60);
        rx.doWork();
        // (an entry kept by fd number would take the new device's report for a paused one's and read it past the share)
        assertEquals(0, revived.batchReads, "the port still waits for its share: the new device not read");
        assertEquals(1, rx.pausedQueues(), "the old device's entry forgotten, the new device paused in its turn");
        ports.unpublish(port); // deleted: the control thread takes it out of the poller, then unpublishes it
        poller.remove(revived.fd());
        rx.doWork();
        assertEquals(0, rx.pausedQueues(), "a deleted port's entry forgotten");
    }

    /** Idle waits (of up to 5 s) and rounds until {@code done}, at most 5 s in all: returns the waits. */
    private int idleUntil(java.util.function.BooleanSupplier done) {
        long until = System.nanoTime() + 5_000_000_000L;
        int waits = 0;
        while (!done.getAsBoolean() && System.nanoTime() < until) {
            rx.waitForFrames(5000);
            waits++;
            rx.doWork();
        }
        return waits;
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A port flooding a forwarding thread that gives nothing back holds at most its share; another
     * port's frames are still read, every round: one host's flood does not keep another port's
     * frames in their TAP queue. (Without the shares the flood takes every slot in two rounds.)
     */
    @Test
    void aFloodingPortLeavesSlotsForAnotherPort() throws IOException {
        rx.sharePoolPerPort(true); // 64 slots
        ScriptedDevice second = secondDevice();
        Port other = addPort(4, "p4", second);
        for (int i = 0; i < 1000; i++) {
            device.frames(60);
        }
        for (int round = 0; round < 10; round++) {
            second.frames(61);
            rx.doWork();
            assertEquals(round + 1, other.counters().rxPackets(), "p4's frame of round " + round);
            assertTrue(pool.freeCount() > 0, "the pool ran dry in round " + round);
        }
        assertTrue(rx.held(port.index()) <= 2 * 64 / 3, "the flood holds " + rx.held(port.index()));
        assertTrue(rx.held(port.index()) >= 32, "the flood holds " + rx.held(port.index()));
    }

    /**
     * Dedicated threads: the forwarding thread gets at most {@link RxAgent#RING_BUDGET} frames in
     * its ring; a flood's further frames wait in their TAP queue, and a frame another port receives
     * meanwhile is read as soon as the forwarding thread has taken some: it waits behind the budget,
     * not behind two thirds of the pool. (Without the budget the flood puts 682 of 1,024 slots in
     * the ring.)
     */
    @Test
    void theForwardingThreadGetsAtMostItsBudgetOfFramesWaiting() throws IOException {
        build(1024);
        rx.sharePoolPerPort(true);
        ScriptedDevice second = secondDevice();
        Port other = addPort(4, "p4", second);
        for (int i = 0; i < 2000; i++) {
            device.frames(60);
        }
        for (int round = 0; round < 40; round++) {
            rx.doWork();
        }
        assertEquals(RxAgent.RING_BUDGET, ring.size(), "frames waiting for the forwarding thread");
        assertEquals(RxAgent.RING_BUDGET, rx.held(port.index()));
        assertTrue(rx.turnedAway(), "at the budget: the idle wait sleeps");
        assertEquals(0, counters.drops(DropReason.RX_NO_BUFFER), "slots were never short");
        assertEquals(1, counters.drops(DropReason.RX_RING_FULL), "counted once for the wait");
        second.frames(61);
        rx.doWork();
        assertEquals(0, other.counters().rxPackets(), "nothing taken yet: the budget is full");
        giveBack(RxAgent.READ_BATCH - 1);
        rx.doWork();
        assertEquals(0, other.counters().rxPackets(), "less than a read's batch of room: no read yet");
        giveBack(1);
        rx.doWork();
        assertEquals(1, other.counters().rxPackets(), "p4's frame read once the forwarding thread took a batch,"
            + " whichever port read first (the room is shared among the ready ports)");
        assertTrue(ring.size() <= RxAgent.RING_BUDGET, ring.size() + " waiting");
        // flood first: 16 (half the room), p4 1, room left; p4 first: 1, then the flood fills the rest: a new wait
        assertEquals(ring.size() == RxAgent.RING_BUDGET ? 2 : 1, counters.drops(DropReason.RX_RING_FULL), ring.size() + " waiting");
    }

    /**
     * At its budget the RX thread's idle wait sleeps (up to {@link RxAgent#ROOM_WAIT_NANOS}, not
     * a 50 us park over and over) until a read's batch of room is free, which the forwarding
     * thread wakes it for; with that room free it does not sleep at all.
     */
    @Test
    void atItsBudgetTheIdleWaitSleepsUntilABatchOfRoomIsFree() throws Exception {
        build(1024);
        rx.sharePoolPerPort(true);
        for (int i = 0; i < 2000; i++) {
            device.frames(60);
        }
        for (int round = 0; round < 40; round++) {
            rx.doWork();
        }
        assertEquals(RxAgent.RING_BUDGET, ring.size());
        EpollIdleStrategy idle = new EpollIdleStrategy(rx, 1000, () -> false);
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            idle.idle(rx.doWork());
        }
        long slept = System.nanoTime() - start;
        // three 50 us parks (the old wait) take well under a millisecond; at least one sleep runs its course
        assertTrue(slept >= RxAgent.ROOM_WAIT_NANOS, "at the budget: 3 idle waits slept only " + slept + " ns");
        // the forwarding thread takes a batch and wakes it (as ForwardingAgent does) while it sleeps
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread forwarder = new Thread(() -> {
            long until = System.nanoTime() + 5_000_000_000L;
            while (!rx.roomWakeup().sleeping() && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            giveBack(RxAgent.READ_BATCH);
            rx.roomWakeup().wake();
            done.set(true);
        });
        forwarder.start();
        long until = System.nanoTime() + 5_000_000_000L;
        while (!done.get() && System.nanoTime() < until) {
            idle.idle(0); // sleeps (at most 1 ms each) until the forwarder has taken its batch
        }
        forwarder.join(5000);
        assertTrue(ring.size() <= RxAgent.ROOM_TO_WAKE, "the forwarder took its batch");
        start = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            idle.idle(0); // room for a batch: no sleep
        }
        long waited = System.nanoTime() - start;
        assertTrue(waited < 100 * RxAgent.ROOM_WAIT_NANOS / 4, "100 idle calls with room for a batch took " + waited + " ns");
        rx.doWork();
        assertEquals(RxAgent.RING_BUDGET, ring.size(), "read again: the budget full again");
    }

    /**
     * A port deleted while it waited for its share, and another added with its index: the new
     * one starts without the old one's wait (its first turn-away is counted), while the old
     * one's slots stay counted under the index until they come back.
     */
    @Test
    void aNewPortWithAnOldPortsIndexStartsWithoutItsWait() throws IOException {
        rx.sharePoolPerPort(true); // 64 slots
        for (int i = 0; i < 1000; i++) {
            device.frames(60);
        }
        rx.doWork();
        rx.doWork();
        assertEquals(0, rx.doWork());
        assertTrue(rx.turnedAway());
        assertEquals(1, counters.drops(DropReason.RX_NO_BUFFER));
        poller.remove(device.fd());
        ports.unpublish(port);
        ScriptedDevice second = secondDevice();
        Port again = addPort(port.index(), "p3-again", second);
        second.frames(61);
        assertEquals(0, rx.doWork(), "the old port's 42 slots are still out: no share yet");
        assertEquals(2, counters.drops(DropReason.RX_NO_BUFFER), "the new port's own wait, counted");
        giveBack(42);
        rx.doWork();
        assertEquals(1, again.counters().rxPackets(), "the old slots back: the new port reads");
        assertEquals(1, rx.held(again.index()));
    }

    /** Port {@code name} at {@code index}, read through {@code device}: published and watched. */
    private Port addPort(int index, String name, ScriptedDevice device) {
        Port added = new Port(index, name, device, new PortCounters(counterFile, name));
        ports.put(added);
        poller.add(device.fd(), added.index());
        return added;
    }

    private ScriptedDevice secondDevice() throws IOException {
        FileDescriptor[] ends = FileDescriptor.pipe();
        pipe.add(ends[0]);
        pipe.add(ends[1]);
        ends[1].write(ByteBuffer.allocateDirect(1), 0, 1);
        return new ScriptedDevice(ends[0].intValue());
    }

    /**
     * Once the dataplane is closing, the idle strategy returns at once: a thread woken for the
     * close that idled again before its runner stopped would otherwise sit out a whole wait.
     */
    @Test
    void theIdleWaitEndsWhenTheDataplaneCloses() {
        poller.remove(device.fd()); // nothing readable: the idle wait waits its time out
        boolean[] closing = {false};
        EpollIdleStrategy idle = new EpollIdleStrategy(rx, 300, () -> closing[0]);
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) { // the first may return at once: a wake-up left from the set-up
            idle.idle(rx.doWork());
        }
        long waited = System.nanoTime() - start;
        assertTrue(waited >= 500_000_000L, "nothing to read: 3 idle waits of 300 ms took only " + waited + " ns");
        closing[0] = true;
        start = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            idle.idle(rx.doWork());
            idle.idle();
        }
        waited = System.nanoTime() - start;
        assertTrue(waited < 250_000_000L, "20 idle calls while closing took " + waited + " ns: they waited");
    }

    /** Ports that are ready together take turns at reading first, so none takes all the slots of a nearly dry pool every time. */
    @Test
    void readyPortsTakeTurnsAtTheFirstRead() throws IOException {
        build(8);
        rx.sharePoolPerPort(true);
        ScriptedDevice second = secondDevice();
        Port other = addPort(4, "p4", second);
        for (int i = 0; i < 200; i++) {
            device.frames(60);
            second.frames(61);
        }
        for (int round = 0; round < 10; round++) {
            rx.doWork(); // 8 slots: whoever reads first takes them all
            giveBack(8 - pool.freeCount());
        }
        assertTrue(port.counters().rxPackets() >= 24, "p3 read " + port.counters().rxPackets());
        assertTrue(other.counters().rxPackets() >= 24, "p4 read " + other.counters().rxPackets());
    }

    /** The forwarding side hands {@code n} slots back (through the return ring, as with dedicated threads). */
    private void giveBack(int n) {
        int[] given = {0};
        ring.poll((slot, portIndex, length, rxNanos) -> {
            returns.release(slot);
            given[0]++;
        }, n);
        assertEquals(n, given[0]);
    }

    /**
     * A device that may deliver GSO super-packets (offloads TSO/USO, a virtio-net header) is read
     * into large slots; a frame that fits a small slot is copied into one (header and all) and its
     * large slot reused; a super-packet stays in its large slot; each slot's metadata holds what
     * the header said (plain for a non-IPv4 frame).
     */
    @Test
    void anOffloadDeviceIsReadIntoLargeSlotsAndSmallFramesAreCopiedOut() {
        build(SLOTS, 4);
        device.offloads = 0x02 | 0x20; // TSO4, USO4
        device.frames(100, 5000, 60);
        assertEquals(3, rx.doWork());
        assertEquals(4, device.lastBatchSize, "a batch of the large slots free");
        List<Integer> slots = new ArrayList<>();
        net.taprouter.dataplane.pipeline.Offload offload = new net.taprouter.dataplane.pipeline.Offload();
        List<String> states = new ArrayList<>();
        ring.poll((slot, portIndex, length, rxNanos) -> {
            slots.add(slot);
            int at = pool.frameOffset(slot);
            assertEquals(length & 0xFF, pool.buffer().getByte(at) & 0xFF, "frame in its slot");
            assertEquals((byte) 0xEE, pool.buffer().getByte(at + length - 1), "its last byte too");
            offload.load(pool.metadata().words(), net.taprouter.dataplane.buffer.PacketMetadata.base(slot));
            states.add(offload.flags + "/" + offload.gsoType + "/" + offload.gsoSize + "/" + offload.checksumStart
                + "/" + offload.checksumOffset);
        }, 16);
        assertFalse(pool.isLarge(slots.get(0)), "100 bytes: copied into a small slot");
        assertTrue(pool.isLarge(slots.get(1)), "5,000 bytes: stays in its large slot");
        assertFalse(pool.isLarge(slots.get(2)), "60 bytes: small");
        assertEquals(List.of("1/0/0/34/6", "1/5/1000/34/6", "0/0/0/0/0"), states,
            "the headers as parsed (the 60-byte frame is ARP: its header is ignored)");
        assertEquals(SLOTS - 2, pool.freeCount() - pool.freeLargeCount());
        assertEquals(3, pool.freeLargeCount());
    }

    private static String logOf(Runnable run) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            run.run();
        } finally {
            System.setErr(original);
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Reads answer a scripted status, or hand out scripted frames (first byte = length) then WOULD_BLOCK. */
    private static final class ScriptedDevice implements FrameIo {
        private final int fd;
        private final java.util.ArrayDeque<Integer> frames = new java.util.ArrayDeque<>();
        private final org.agrona.concurrent.UnsafeBuffer view = new org.agrona.concurrent.UnsafeBuffer(0, 0);
        private int status = WOULD_BLOCK;
        int offloads;
        private int errno;
        private int lastErrno;
        int batchReads;
        int lastBatchSize;

        ScriptedDevice(int fd) {
            this.fd = fd;
        }

        void script(int status, int errno) {
            this.status = status;
            this.errno = errno;
        }

        void frames(int... lengths) {
            for (int length : lengths) {
                frames.add(length);
            }
        }

        @Override
        public int fd() {
            return fd;
        }

        @Override
        public String ifname() {
            return "scripted";
        }

        @Override
        public int read(net.taprouter.dataplane.port.FrameBatch batch) {
            batchReads++;
            lastBatchSize = batch.count();
            return FrameIo.super.read(batch);
        }

        @Override
        public int headroom() {
            return offloads != 0 ? 10 : 0;
        }

        @Override
        public int offloads() {
            return offloads;
        }

        @Override
        public int read(long address, int capacity) {
            Integer length = frames.poll();
            if (length != null) {
                view.wrap(address, capacity);
                view.putByte(0, (byte) (int) length);
                view.putByte(length - 1, (byte) 0xEE);
                if (offloads != 0) { // IPv4 (ARP for 60 bytes), behind a header: partial checksum, GSO from 2,000 bytes
                    view.putShort(12, (short) (length == 60 ? 0x0608 : 0x0008));
                    view.wrap(address - 10, 10);
                    view.putByte(0, (byte) 1);
                    view.putByte(1, (byte) (length > 2000 ? 5 : 0));
                    view.putShort(4, (short) (length > 2000 ? 1000 : 0));
                    view.putShort(6, (short) 34);
                    view.putShort(8, (short) 6);
                }
                return length;
            }
            if (status != WOULD_BLOCK) {
                lastErrno = errno;
            }
            return status;
        }

        @Override
        public int write(long address, int length) {
            return length;
        }

        @Override
        public int lastErrno() {
            return lastErrno;
        }

        @Override
        public String lastFailure() {
            return "scripted: errno " + lastErrno;
        }

        @Override
        public void close() {
        }
    }
}
