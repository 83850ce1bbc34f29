package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.port.BatchIo;
import net.taprouter.dataplane.port.FrameBatch;
import net.taprouter.dataplane.port.FrameIo;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Frame output of one worker, through the ports' {@link FrameIo} devices.
 *
 * <p>Input: frames in pool slots ({@link #enqueue}: each takes an entry of a preallocated frame
 * table of {@link #ENTRIES} and waits in the queue of {@link #QUEUE} entries, its slot held) and
 * frames in other buffers ({@link #transmitNow}: an ARP request, a fragment; written at once).
 * Output: {@link #flush} writes the queued frames with one batched write per egress port (the
 * device's {@link FrameIo#write(FrameBatch)}, or the worker's io_uring: {@link BatchIo}), in
 * arrival order per port, then releases their slots and entries. The agent flushes after each
 * batch of received frames; a full queue starts itself, and {@link #transmitNow} flushes first so
 * a port's frames never overtake each other. Nothing is allocated per frame.
 *
 * <p><b>Asynchronous writes</b> (an engine whose {@link BatchIo#writesAsync} says so: the
 * worker's io_uring on its own thread): {@link #start} hands each queued frame to the engine as a
 * write that is not waited for (it goes to the kernel with the worker's next io_uring_enter: the
 * next read batch, poll or idle wait), tagged with the frame's entry, which stays in use while the
 * write is in flight (counted: at most {@link #IN_FLIGHT}, {@link #PORT_IN_FLIGHT} per port); when
 * its completion is reported ({@link BatchIo.WriteListener}) it is counted as below and only then
 * are its slot and entry released. A frame over either limit first pushes the queued writes to the
 * kernel and reaps their completions; if still over, it is a tx_queue_full drop (never a wait).
 * {@link #flush} waits for the completions (a flooded slot the router goes on with, an ARP request
 * or fragment written after the queued frames); the agent's round uses {@link #start}.
 *
 * <p>Per frame the device's answer is counted: sent = port tx_packets/tx_bytes;
 * {@link FrameIo#WOULD_BLOCK} = tx_queue_full; {@link FrameIo#FAILED} (EIO while the host has not
 * brought its side up) = tx_error; {@link FrameIo#GONE} = tx_error and the port is marked lost with
 * one log line (the RX agent then takes its fd out of epoll). Each failure also counts the port's
 * tx_drops (the frames a batch forwarded are added to tx_packets, tx_bytes and event forwarded
 * once for the batch). A port that is unpublished, administratively down or lost: port_down. A
 * device that throws (a bug) costs the frames of that call: internal_error each. A queued frame is counted when
 * its write is done (or it is dropped) by the accounting rule of {@link DropReason}: event
 * forwarded or drop.* for a received frame, origin.sent or origin.drop.* for one the router
 * originated; a frame written at once is counted by its caller.
 *
 * <p>Flooding (a bridge): one slot is queued for several ports ({@link #enqueueCopy}) and freed
 * once, after its last write (the context counts the writes still due in the slot's metadata,
 * {@link ForwardingContext#shareSlot}). A counted flood copy ({@code counted} true) ends the frame
 * once, at its last write: forwarded (origin.sent) if any copy went out, else the last copy's drop
 * reason; an uncounted copy (a broadcast that the router also processes itself, which gives the
 * frame its disposition) counts only on the port's tx counters.
 */
public final class Transmitter {
    /** Frames queued before a flush is forced (the agent's batch is at most this). */
    static final int QUEUE = 64;
    /** Asynchronous writes in flight at most (the io_uring's SQ has 256 entries, its CQ 1024). */
    static final int IN_FLIGHT = 192;
    /** ... and at most for one port. */
    static final int PORT_IN_FLIGHT = 128;
    /** Frame entries: one per queued frame and per write in flight (a free one for each frame queued). */
    static final int ENTRIES = QUEUE + IN_FLIGHT;

    private final ForwardingContext context;
    private final PortTable ports;
    private final DataplaneCounters counters;
    /** This worker's copy of each port's counters ({@code PortCounters.worker(shard)}). */
    private final int shard;
    private final long poolAddress;

    // the entry table: a frame from its enqueue until its end (written, or dropped), by entry index;
    // an entry's words side by side (one line: an enqueue writes one, not seven arrays)
    private static final int PORT = 0;
    private static final int SLOT = 1;
    private static final int OFFSET = 2;
    private static final int LENGTH = 3;
    /** Whose frame it is, for its count at its end (the accounting rule of {@link DropReason}): 1 originated. */
    private static final int ORIGINATED = 4;
    private static final int INGRESS = 5;
    /** {@link #SINGLE}, {@link #FLOOD_COUNTED} or {@link #FLOOD_UNCOUNTED}. */
    private static final int MODE = 6;
    private static final int STRIDE = 8;
    private final int[] entries = new int[ENTRIES * STRIDE];
    private static final byte SINGLE = 0;
    private static final byte FLOOD_COUNTED = 1;
    private static final byte FLOOD_UNCOUNTED = 2;
    /** Free entries (a stack). */
    private final int[] freeEntries = new int[ENTRIES];
    private int freeCount;
    /** The queued frames' entries, in arrival order (-1: written with an earlier one's port batch). */
    private final int[] queue = new int[QUEUE];
    private int queued;
    private final FrameBatch batch = new FrameBatch(QUEUE);
    /** Who writes a port's batch: the device itself, or the worker's io_uring. */
    private BatchIo io = BatchIo.DIRECT;

    // asynchronous writes in flight (an entry's index is its write's tag)
    private int inFlight;
    /** Writes in flight per port index. */
    private final int[] portInFlight = new int[PortTable.MAX_PORTS];
    /**
     * The port and device a port index's writes in flight go to (one each: a revived port's new
     * device waits until the old one's writes completed); kept after they completed.
     */
    private final Port[] writingPort = new Port[PortTable.MAX_PORTS];
    private final FrameIo[] writingDevice = new FrameIo[PortTable.MAX_PORTS];
    private final BatchIo.WriteListener onWritten = this::written;

    Transmitter(ForwardingContext context) {
        this.context = context;
        this.ports = context.ports;
        this.counters = context.counters;
        this.shard = context.counters.shard();
        this.poolAddress = context.buffer.addressOffset();
        for (int e = 0; e < ENTRIES; e++) {
            freeEntries[e] = ENTRIES - 1 - e;
        }
        freeCount = ENTRIES;
    }

    void batchIo(BatchIo io) {
        this.io = io;
    }

    /**
     * Queues the frame of a pool slot for {@code port}; the slot is released once it was written
     * ({@link #flush}, {@link #start}), and the frame counted as forwarded or dropped
     * ({@code originated}: as origin.sent or origin.drop.*; else event forwarded, or drop.* and
     * {@code ingressPort}'s rx_drops).
     */
    void enqueue(int port, int slot, int offset, int length, boolean originated, int ingressPort) {
        add(port, slot, offset, length, originated, ingressPort, SINGLE);
    }

    /**
     * Queues one copy of a flooded slot for {@code port} (the slot shared first:
     * {@link ForwardingContext#shareSlot}); {@code counted}: the flood is the frame's disposition.
     */
    void enqueueCopy(int port, int slot, int offset, int length, boolean originated, int ingressPort, boolean counted) {
        add(port, slot, offset, length, originated, ingressPort, counted ? FLOOD_COUNTED : FLOOD_UNCOUNTED);
    }

    private void add(int port, int slot, int offset, int length, boolean originated, int ingressPort, byte mode) {
        if (queued == QUEUE) {
            start();
        }
        // an entry is free: at most QUEUE - 1 are queued and IN_FLIGHT in flight
        int e = freeEntries[--freeCount];
        int at = e * STRIDE;
        int[] entries = this.entries;
        entries[at + PORT] = port;
        entries[at + SLOT] = slot;
        entries[at + OFFSET] = offset;
        entries[at + LENGTH] = length;
        entries[at + ORIGINATED] = originated ? 1 : 0;
        entries[at + INGRESS] = ingressPort;
        entries[at + MODE] = mode;
        queue[queued++] = e;
    }

    /** Frames queued and not yet written. */
    public int queued() {
        return queued;
    }

    /** Asynchronous writes started and not yet completed. */
    public int inFlight() {
        return inFlight;
    }

    /**
     * Writes every queued frame, one batch per egress port, and waits until every write started
     * before (asynchronous ones too) completed; returns how many were queued.
     */
    public int flush() {
        int n = start();
        if (inFlight > 0) {
            io.completeWrites();
        }
        return n;
    }

    /**
     * Hands the queued frames to the pending writes' engine as {@link #flush} does, without waiting
     * for asynchronous writes to complete (they are counted and their slots released as their
     * completions come in); returns how many were queued.
     */
    public int start() {
        int n = queued;
        if (n == 0) {
            return 0;
        }
        queued = 0;
        for (int i = 0; i < n; i++) {
            int first = queue[i];
            if (first < 0) {
                continue; // went out with an earlier port's batch
            }
            int portIndex = entries[first * STRIDE + PORT];
            batch.clear();
            for (int j = i; j < n; j++) {
                int e = queue[j];
                if (e >= 0 && entries[e * STRIDE + PORT] == portIndex) {
                    batch.add(poolAddress + entries[e * STRIDE + OFFSET], entries[e * STRIDE + LENGTH], e);
                    queue[j] = -1;
                }
            }
            send(portIndex);
        }
        return n;
    }

    /** Writes the batch (tags: entries) to port {@code portIndex}. */
    private void send(int portIndex) {
        int count = batch.count();
        Port port = ports.get(portIndex);
        if (port == null || !port.isUp()) {
            for (int k = 0; k < count; k++) {
                end(batch.tag(k), DropReason.PORT_DOWN);
            }
            return;
        }
        FrameIo device = port.txQueue(shard); // this worker's own fd of the port
        if (io.writesAsync(device)) {
            startWrites(port, portIndex, device);
            return;
        }
        try {
            io.write(device, batch);
        } catch (RuntimeException e) { // a bug: it costs these frames, never the thread
            for (int k = 0; k < count; k++) {
                end(batch.tag(k), DropReason.INTERNAL_ERROR);
            }
            context.logInternalError(e);
            return;
        }
        if (context.capture.armed) {
            for (int k = 0; k < count; k++) {
                if (batch.result(k) >= 0) {
                    context.capture.tx(portIndex, context.buffer, entries[batch.tag(k) * STRIDE + OFFSET], batch.length(k));
                }
            }
        }
        int forwarded = 0;
        long forwardedBytes = 0;
        for (int k = 0; k < count; k++) {
            int e = batch.tag(k);
            int result = batch.result(k);
            if (result >= 0 && entries[e * STRIDE + MODE] == SINGLE && entries[e * STRIDE + ORIGINATED] == 0) {
                // the common case, counted once for the batch below: a received frame forwarded
                forwarded++;
                forwardedBytes += batch.length(k);
                free(e);
            } else {
                end(e, count(port, device, result, batch.length(k)));
            }
        }
        if (forwarded > 0) {
            PortCounters.Worker portCounters = port.counters().worker(shard);
            portCounters.txPackets.getAndAddRelease(forwarded);
            portCounters.txBytes.getAndAddRelease(forwardedBytes);
            counters.event(Event.FORWARDED, forwarded);
        }
    }

    /** The batch's frames as asynchronous writes, each tagged with its entry. */
    private void startWrites(Port port, int portIndex, FrameIo device) {
        if (writingPort[portIndex] != port || writingDevice[portIndex] != device) {
            if (portInFlight[portIndex] > 0) {
                io.completeWrites(); // the old device's writes (a revived port) complete first
            }
            writingPort[portIndex] = port;
            writingDevice[portIndex] = device;
        }
        int count = batch.count();
        for (int k = 0; k < count; k++) {
            int e = batch.tag(k);
            int length = batch.length(k);
            if (inFlight >= IN_FLIGHT || portInFlight[portIndex] >= PORT_IN_FLIGHT) {
                io.pushWrites(); // to the kernel, and their completions end writes in flight
                if (inFlight >= IN_FLIGHT || portInFlight[portIndex] >= PORT_IN_FLIGHT) {
                    end(e, count(port, device, FrameIo.WOULD_BLOCK, length)); // back-pressure: tx_queue_full
                    continue;
                }
            }
            boolean started;
            try {
                started = io.writeAsync(device, batch.address(k), length, e, onWritten);
            } catch (RuntimeException x) { // a bug: it costs this frame, never the thread
                end(e, DropReason.INTERNAL_ERROR);
                context.logInternalError(x);
                continue;
            }
            if (started) {
                inFlight++;
                portInFlight[portIndex]++;
            } else {
                end(e, count(port, device, FrameIo.WOULD_BLOCK, length));
            }
        }
    }

    /** The asynchronous write of entry {@code e} completed with {@code result} (as FrameIo's write): counted, slot released. */
    private void written(int e, int result) {
        int portIndex = entries[e * STRIDE + PORT];
        int length = entries[e * STRIDE + LENGTH];
        inFlight--;
        portInFlight[portIndex]--;
        if (context.capture.armed && result >= 0) {
            context.capture.tx(portIndex, context.buffer, entries[e * STRIDE + OFFSET], length);
        }
        end(e, count(writingPort[portIndex], writingDevice[portIndex], result, length));
    }

    /** Entry {@code e}'s frame is done: counted as sent (null) or dropped for {@code reason}; its slot and the entry go back. */
    private void end(int e, DropReason reason) {
        int slot = entries[e * STRIDE + SLOT];
        switch (entries[e * STRIDE + MODE]) {
            case FLOOD_COUNTED -> context.floodCopyDone(slot, entries[e * STRIDE + ORIGINATED] != 0, entries[e * STRIDE + INGRESS], reason);
            case FLOOD_UNCOUNTED -> { } // the port's tx counters have it; the frame's end is counted elsewhere
            default -> context.ended(entries[e * STRIDE + ORIGINATED] != 0, entries[e * STRIDE + INGRESS], reason);
        }
        free(e);
    }

    /** Entry {@code e}'s frame is counted: its slot and the entry go back. */
    private void free(int e) {
        context.release(entries[e * STRIDE + SLOT]);
        freeEntries[freeCount++] = e;
    }

    /** Hands queued asynchronous writes to the kernel now and handles the completions already there. */
    public void push() {
        if (inFlight > 0) {
            io.pushWrites();
        }
    }

    /**
     * Writes a frame that is not in a pool slot (its buffer keeps
     * {@link net.taprouter.dataplane.buffer.FramePool#MAX_DEVICE_HEADROOM} bytes free in front of
     * {@code offset}; the device's header there is zeroed: such a frame is complete), after the queued ones. Returns null if it went out, else why not (the
     * caller counts it for the packet it belongs to).
     */
    DropReason transmitNow(int portIndex, UnsafeBuffer frameBuffer, int offset, int length) {
        flush();
        Port port = ports.get(portIndex);
        if (port == null || !port.isUp()) {
            return DropReason.PORT_DOWN;
        }
        FrameIo device = port.txQueue(shard); // this worker's own fd of the port
        int headroom = device.headroom();
        if (headroom > 0) { // a complete frame: a zero virtio-net header (no offload)
            frameBuffer.setMemory(offset - headroom, headroom, (byte) 0);
        }
        int result = device.write(frameBuffer.addressOffset() + offset, length);
        if (context.capture.armed && result >= 0) {
            context.capture.tx(portIndex, frameBuffer, offset, length);
        }
        return count(port, device, result, length);
    }

    /** Counts the port's tx counters for one write; returns null (sent) or why it failed. */
    private DropReason count(Port port, FrameIo device, int result, int length) {
        PortCounters.Worker portCounters = port.counters().worker(shard);
        if (result >= 0) {
            portCounters.txPackets.incrementRelease();
            portCounters.txBytes.getAndAddRelease(length);
            return null;
        }
        portCounters.txDrops.incrementRelease();
        if (result == FrameIo.WOULD_BLOCK) {
            return DropReason.TX_QUEUE_FULL;
        }
        portCounters.txErrors.incrementRelease();
        // only the port's current device takes it down: a write to the device a revived port replaced may still end GONE
        if (result == FrameIo.GONE && !port.carrierLost() && port.txQueue(shard) == device) {
            port.markCarrierLost();
            System.err.println("routerd: port " + port.name() + " down: " + device.lastFailure());
        }
        return DropReason.TX_ERROR;
    }
}
