package net.taprouter.dataplane.agent;

import net.taprouter.dataplane.buffer.Wakeup;
import net.taprouter.dataplane.buffer.DescriptorRing;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.PacketMetadata;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.port.FrameBatch;
import net.taprouter.dataplane.port.FrameIo;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.pipeline.Offload;
import net.taprouter.dataplane.io.PortIo;
import net.taprouter.dataplane.wire.VirtioNetHeaderView;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.Agent;

/**
 * Reads frames from every ready TAP queue of its worker (one RX agent per worker: its {@link PortIo}
 * watches the queues this worker reads, the token naming port and queue: {@link #token}) into free
 * frame slots (one batched read of up to {@link #READ_BATCH} frames per ready port per round,
 * through the worker's {@link PortIo}: epoll and one read(2) per frame, or io_uring and one system
 * call per batch) and passes their descriptors to the
 * forwarding agent's ring. Owns the {@link FramePool} free list (slots come back through the
 * {@link SlotReturnRing}). A TAP that fails ({@link FrameIo#GONE}: its namespace vanished; or
 * {@link FrameIo#FAILED}) takes its port down with one log line and leaves the poller; the other
 * ports go on. A port the transmit path found lost leaves the poller here (the
 * poller's owner), else its level-triggered EPOLLERR would wake the loop forever. Counters (its own
 * shard, {@code DataplaneCounters.rx}): port rx_packets/rx_bytes; drops rx_no_buffer, rx_ring_full, frame_too_long.
 *
 * <p><b>Offloads.</b> A device that may deliver GSO super-packets ({@link FrameIo#offloads()} has
 * TSO/USO) is read into the pool's large slots; then every frame that fits a small slot is copied
 * into one and its large slot reused at once (copy-break: at most a small slot's worth of bytes),
 * so normally only super-packets stay in large slots. Without a free small slot, or with
 * dedicated threads while the port is at its share of small slots, a frame stays where it is (a
 * flooding offload port's small frames may so hold large slots: its large share, and the ARP
 * queues' large-slot bounds, then apply to them). The virtio-net header of a device that has one
 * is parsed for every frame into its slot's metadata ({@code pipeline.Offload#receive}; the
 * forwarding agent loads it with the frame).
 *
 * <p><b>Each port's share of the pool.</b> With dedicated threads ({@link #sharePoolPerPort}) slots
 * come back only through the return ring, as the forwarding thread gets through the frames: a
 * port flooding faster than it forwards would hold every slot, and the other ports' frames would
 * wait in their TAP queues until the flood's were through. So each port may hold only its share
 * of each slot size ({@link PortSlotShares}: at most twice what is still free), and the pool
 * never runs dry: a port at its share is not read (its frames wait in its TAP's queue, as in a
 * NIC's ring; the kernel drops there when the queue is full) until a batch of its share is back;
 * the others go on. Nor does the forwarding thread get more than {@link #RING_BUDGET} frames
 * waiting in its ring: the rest stay in their TAP queues, read in turn (the room shared among the
 * ready ports), so a quiet port's frame waits behind at most that many of a flood's; once full, the
 * ring is not added to until a read's batch of room is free (rx_ring_full counts that once each
 * time; at the budget the idle wait sleeps until the forwarding thread, having taken frames,
 * wakes it: {@link #roomWakeup}). A queue turned away for its share is paused in the poller
 * ({@link PortIo#pauseReads}: its TAP, still readable, would end every idle wait and make the thread
 * spin), so the idle wait still waits on the other ports and wakes for a frame of theirs at once;
 * the forwarding thread wakes it once enough slots are back for a paused queue's wait to end
 * ({@link SlotReturnRing#awaitReturns}), and the queue is watched again. (Should the poller refuse
 * the pause, the idle wait parks {@link #STARVED_PARK_NANOS} instead.) rx_no_buffer counts the
 * reads cut short or not made for want of a slot (one shared thread) or of the port's share (once
 * each time a port is turned away).
 */
public final class RxAgent implements Agent {
    private static final int QUEUE_SHIFT = 16;
    private static final int PORT_MASK = (1 << QUEUE_SHIFT) - 1;

    /** The poller token of queue {@code queue} of port {@code port}. */
    static int token(int port, int queue) {
        return queue << QUEUE_SHIFT | port;
    }

    /** Frames read from one port before looking at the others. */
    static final int READ_BATCH = 32;

    /**
     * Dedicated threads: descriptors the forwarding thread may have waiting at most. More frames
     * wait in their TAP queues, which are read in turn, so a frame from a quiet port waits behind
     * at most this many of a flood's (not behind two thirds of the pool in one FIFO ring).
     */
    static final int RING_BUDGET = 8 * READ_BATCH;

    private final PortIo poller;
    private final PortTable ports;
    private final FramePool pool;
    private final SlotReturnRing slotReturns;
    private final DescriptorRing ring;
    private final DataplaneCounters counters;
    /** This agent's copy of each port's counters ({@code PortCounters.rx(shard)}). */
    private final int shard;
    private final ReaderEpochs epochs;
    private final PacketMetadata metadata;
    private final int readerIndex;
    private int readyFromIdle = -1;
    private final FrameBatch batch = new FrameBatch(READ_BATCH);
    /** Dedicated threads: each port's share of the pool ({@link #sharePoolPerPort}); null with one thread. */
    private PortSlotShares shares;
    /** Dedicated threads: the port each index named when its share was last asked ({@link PortSlotShares#newPort}). */
    private Port[] sharesFor;
    /** This round turned a ready port away for its share or the ring's budget. */
    private boolean turnedAway;
    /** This round turned a queue away that the poller would not pause: the idle wait parks instead of polling. */
    private boolean pauseRefused;
    /** Dedicated threads: the queues turned away for their share, paused in the poller until their wait is over. */
    private final PausedQueues paused = new PausedQueues();
    /** Woken after frames were handed over (dedicated threads: the forwarding thread may sleep); null with one thread. */
    private Wakeup forwarder;
    /** Where this agent sleeps while the ring is at its budget; the forwarding thread wakes it ({@link ForwardingAgent#wakeRxForRoom}). */
    private final Wakeup roomWakeup = new Wakeup();
    /** What a sleep on {@link #roomWakeup} waits for: a read's batch of room in the ring. */
    private final java.util.function.BooleanSupplier roomForABatch;
    /** Dedicated threads: the ring held {@link #RING_BUDGET} frames and no read's batch of room has been free since. */
    private boolean atBudget;
    /** Which ready port reads first this round: each in turn. */
    private int rotation;
    private final VirtioNetHeaderView header = new VirtioNetHeaderView();

    public RxAgent(PortIo poller, PortTable ports, FramePool pool, SlotReturnRing slotReturns, DescriptorRing ring,
                   DataplaneCounters counters, ReaderEpochs epochs, int readerIndex) {
        this.poller = poller;
        this.ports = ports;
        this.pool = pool;
        this.slotReturns = slotReturns;
        this.ring = ring;
        this.roomForABatch = () -> ring.size() <= ROOM_TO_WAKE;
        this.counters = counters;
        this.shard = counters.shard();
        this.epochs = epochs;
        this.readerIndex = readerIndex;
        this.metadata = pool.metadata();
    }

    /** How long the idle wait parks when a queue turned away for its share could not be paused. */
    static final long STARVED_PARK_NANOS = 50_000;

    /**
     * How long the idle wait sleeps at most when the ring is at its budget: the forwarding thread
     * wakes it as soon as a read's batch of room is free ({@link #roomWakeup}), so this is only
     * the backstop.
     */
    static final long ROOM_WAIT_NANOS = 1_000_000;

    /** Room in the ring at which the forwarding thread wakes this agent waiting at its budget. */
    static final int ROOM_TO_WAKE = RING_BUDGET - READ_BATCH;

    /**
     * Dedicated threads: slots come back only through the return ring, so each port may hold
     * only its share of them ({@link PortSlotShares}) and a port at its share is waited out (not
     * read: its queue paused in the poller) rather than read again every round. Not for one shared thread,
     * whose frames are forwarded in the round they are read and whose idle wait is also where
     * its writes complete. Set before the agent runs.
     */
    public void sharePoolPerPort(boolean share) {
        this.shares = share ? new PortSlotShares(pool, PortTable.MAX_PORTS, READ_BATCH) : null;
        this.sharesFor = share ? new Port[PortTable.MAX_PORTS] : null;
        slotReturns.listener(shares);
    }

    /** Dedicated threads: the forwarding thread to wake when this agent hands it frames. */
    public void wakeAfterFrames(Wakeup forwardingThread) {
        this.forwarder = forwardingThread;
    }

    /** Dedicated threads: what the forwarding thread wakes once it has taken frames from a ring at its budget. */
    Wakeup roomWakeup() {
        return roomWakeup;
    }

    /** This round turned a ready port away for its share (see the class comment). */
    boolean turnedAway() {
        return turnedAway;
    }

    /** Slots of either size {@code port}'s reads hold (dedicated threads; 0 with one thread). */
    int held(int port) {
        return shares == null ? 0 : shares.held(port);
    }

    /** Does {@code device} read into large slots (offloads: GSO super-packets)? */
    private boolean readsLarge(FrameIo device) {
        return (device.offloads() & FrameIo.GSO_OFFLOADS) != 0 && pool.largeSlotCount() > 0;
    }

    @Override
    public int doWork() {
        epochs.enter(readerIndex);
        int work = 0;
        try {
            work = slotReturns.drain();
            turnedAway = false;
            pauseRefused = false;
            if (paused.count() > 0) {
                resumeQueuesWhoseWaitIsOver();
            }
            int ready = readyFromIdle >= 0 ? readyFromIdle : poller.poll(0);
            readyFromIdle = -1;
            int first = ready > 1 ? (rotation++ & Integer.MAX_VALUE) % ready : 0; // who reads first takes the slots of a nearly dry pool
            int room = roomInRing();
            for (int i = 0; i < ready && room > 0; i++) {
                int token = poller.readyToken((first + i) % ready);
                Port port = ports.get(token & PORT_MASK);
                if (port == null) {
                    continue;
                }
                FrameIo device = port.rxQueue(token >>> QUEUE_SHIFT);
                if (port.carrierLost()) {
                    // lost on the send path: its fd reports EPOLLERR on every poll until removed
                    poller.remove(device.fd());
                    continue;
                }
                boolean large = readsLarge(device);
                int slots = READ_BATCH;
                if (shares != null) {
                    if (sharesFor[port.index()] != port) {
                        sharesFor[port.index()] = port;
                        shares.newPort(port.index()); // a port deleted and another added with its index
                    }
                    int pausedAt = paused.indexOf(token);
                    if (pausedAt >= 0) {
                        // reported while paused: an error or a hang-up (a device going away); a frame's read tells, once
                        if (paused.probe(pausedAt)) {
                            poller.pauseReads(device.fd(), token); // again, should anything have watched it
                            pauseRefused = true; // reported still: the idle wait parks rather than spin on it
                            turnedAway = true;
                            continue;
                        }
                        slots = 1;
                    } else {
                        // the room shared among the ports still to read this round (one that reads first does not take it all)
                        slots = shares.take(port.index(), large, Math.min(READ_BATCH, Math.max(1, room / (ready - i))));
                        if (slots <= 0) {
                            if (slots < 0) {
                                counters.drop(DropReason.RX_NO_BUFFER); // turned away: counted once until it reads again
                            }
                            turnedAway = true;
                            pause(token, device, port, large); // at its share: its frames wait in its TAP's queue
                            continue;
                        }
                    }
                }
                int frames = readPort(port, device, large, slots);
                work += frames;
                room -= frames;
            }
            if (room <= 0 && ready > 0) {
                if (!atBudget) {
                    atBudget = true;
                    counters.drop(DropReason.RX_RING_FULL); // reads put off: counted once until it reads again
                }
                turnedAway = true; // the rest wait in their TAP queues; the idle wait sleeps until there is room
            }
            return work;
        } finally {
            epochs.exit(readerIndex);
            if (work > 0 && forwarder != null) {
                forwarder.wake(); // frames handed over (or slots back): the forwarding thread may sleep
            }
        }
    }

    /** Queue {@code token} of {@code port} (not paused yet), turned away for its share, stops ending the idle wait until its wait is over. */
    private void pause(int token, FrameIo device, Port port, boolean large) {
        if (poller.pauseReads(device.fd(), token)) {
            paused.add(token, device, port, large);
        } else if (ports.get(port.index()) == port && !port.carrierLost()) {
            pauseRefused = true; // still watched (not removed meanwhile): the idle wait must not poll it
        }
    }

    /**
     * The paused queues whose wait for their share is over are watched again (the next poll
     * reports them while they have frames); those of a port deleted, lost or moved to another
     * device since are forgotten (their registration is no longer this agent's to change: the
     * control thread removed it, or the port's loss is handled where it is reported).
     */
    private void resumeQueuesWhoseWaitIsOver() {
        for (int i = paused.count() - 1; i >= 0; i--) {
            Port port = paused.port(i);
            int token = paused.token(i);
            int queue = token >>> QUEUE_SHIFT;
            if (ports.get(port.index()) != port || port.carrierLost() || queue >= port.rxQueues()
                || port.rxQueue(queue) != paused.device(i)) {
                paused.remove(i);
            } else if (shares.mayRead(port.index(), paused.large(i))) {
                poller.resumeReads(paused.device(i).fd(), token); // false: removed meanwhile, nothing to watch
                paused.remove(i);
                readyFromIdle = -1; // what the idle wait found does not include it: poll again
            }
        }
    }

    /** Slots the return ring must bring back before a paused queue's wait may be over (0: one's is over already). */
    private int returnsForAPausedQueue() {
        int fewest = Integer.MAX_VALUE;
        for (int i = 0; i < paused.count(); i++) {
            fewest = Math.min(fewest, shares.returnsUntilRead(paused.port(i).index(), paused.large(i)));
        }
        return fewest;
    }

    /** Queues paused for their share (tests). */
    int pausedQueues() {
        return paused.count();
    }

    /**
     * Frames the forwarding thread may still be handed this round: unlimited with one thread;
     * with dedicated threads what its {@link #RING_BUDGET} leaves, and once the budget was full
     * nothing until a read's batch of room is free again (reads of a batch, not of a frame).
     */
    private int roomInRing() {
        if (shares == null) {
            return Integer.MAX_VALUE;
        }
        int room = RING_BUDGET - ring.size();
        if (atBudget) {
            if (room < READ_BATCH) {
                return 0;
            }
            atBudget = false;
        }
        return room;
    }

    /**
     * Idle: block in the poller until a TAP is readable, a wake-up comes or the timeout passes;
     * with queues paused for their share ({@link #sharePoolPerPort}), the forwarding thread's
     * wake-up comes once enough slots are back for one of them (not at all if they are back
     * already). At the ring's budget, sleep until the forwarding thread has taken a batch.
     */
    void waitForFrames(int timeoutMillis) {
        if (turnedAway && atBudget) {
            roomWakeup.sleep(roomForABatch, ROOM_WAIT_NANOS); // until the forwarding thread has taken a batch
            return;
        }
        if (turnedAway && pauseRefused) {
            LockSupport.parkNanos(STARVED_PARK_NANOS);
            return;
        }
        if (paused.count() == 0) {
            readyFromIdle = poller.poll(timeoutMillis);
            return;
        }
        int wanted = returnsForAPausedQueue();
        if (wanted == 0) {
            return; // a wait ended during the round (its reads drained returns): the next round resumes it
        }
        try {
            if (slotReturns.awaitReturns(wanted) < wanted) {
                readyFromIdle = poller.poll(timeoutMillis);
            }
        } finally {
            slotReturns.stopAwaiting();
        }
    }

    /**
     * One batched read of up to {@code most} (at most {@link #READ_BATCH}) frames from
     * {@code port}'s device into free slots; the slots it did not fill go back to the pool.
     * Returns the frames read.
     */
    private int readPort(Port port, FrameIo device, boolean large, int most) {
        int headroom = device.headroom();
        int capacity = large ? FramePool.LARGE_FRAME_CAPACITY : pool.frameCapacity();
        FrameBatch batch = this.batch;
        batch.clear();
        boolean dry = false;
        while (batch.count() < most) {
            int slot = large ? pool.allocateLarge() : pool.allocate();
            if (slot < 0) {
                slotReturns.drain();
                slot = large ? pool.allocateLarge() : pool.allocate();
                if (slot < 0) {
                    dry = true;
                    break;
                }
            }
            batch.add(pool.address(pool.frameOffset(slot)), capacity, slot);
        }
        int slots = batch.count();
        if (slots == 0) {
            counters.drop(DropReason.RX_NO_BUFFER);
            return 0; // level-triggered: the port stays ready for the next round
        }
        long rxNanos = System.nanoTime();
        int frames;
        try {
            frames = poller.read(device, batch);
        } catch (RuntimeException e) { // a bug in a device: its slots are not lost with it
            for (int i = 0; i < slots; i++) {
                pool.free(batch.tag(i));
            }
            throw e;
        }
        for (int i = 0; i < frames; i++) {
            int slot = batch.tag(i);
            int length = batch.result(i);
            PortCounters.Rx portCounters = port.counters().rx(shard);
            portCounters.packets.incrementRelease();
            portCounters.bytes.getAndAddRelease(length);
            if (length >= capacity) {
                counters.drop(DropReason.FRAME_TOO_LONG);
                pool.free(slot);
                continue;
            }
            if (large && length < pool.frameCapacity() && (shares == null || shares.quota(port.index(), false) > 0)) {
                slot = copyBreak(slot, length, headroom);
            }
            Offload.receive(metadata.words(), PacketMetadata.base(slot), pool.buffer(), pool.frameOffset(slot), length,
                headroom, header);
            if (!ring.offer(slot, port.index(), length, rxNanos)) {
                counters.drop(DropReason.RX_RING_FULL);
                pool.free(slot);
            } else if (shares != null) {
                shares.charge(slot, port.index());
            }
        }
        for (int i = frames; i < slots; i++) {
            pool.free(batch.tag(i));
        }
        int status = batch.status();
        if (status == FrameIo.GONE || status == FrameIo.FAILED) {
            portLost(port, device);
        } else if (dry && frames == slots) {
            counters.drop(DropReason.RX_NO_BUFFER); // the pool ran dry before the port did
        }
        return frames;
    }

    /**
     * The frame (and the device header in front of it) of large slot {@code slot} copied into a
     * small slot, the large one freed: returns the slot now holding the frame (the large one if no
     * small slot is free).
     */
    private int copyBreak(int slot, int length, int headroom) {
        int small = pool.allocate();
        if (small < 0) {
            return slot;
        }
        pool.buffer().putBytes(pool.frameOffset(small) - headroom, pool.buffer(), pool.frameOffset(slot) - headroom,
            headroom + length);
        pool.free(slot);
        return small;
    }

    private void portLost(Port port, FrameIo device) {
        if (!port.carrierLost()) {
            port.markCarrierLost();
            System.err.println("routerd: port " + port.name() + " (" + device.ifname() + ") down: " + device.lastFailure());
        }
        poller.remove(device.fd());
    }

    @Override
    public String roleName() {
        return "rx";
    }
}
