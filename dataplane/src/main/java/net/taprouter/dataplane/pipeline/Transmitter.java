package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.port.BatchIo;
import net.taprouter.dataplane.port.FrameBatch;
import net.taprouter.dataplane.port.FrameIo;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.DropReason;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Frame output of one worker, through the ports' {@link FrameIo} devices.
 *
 * <p>Input: frames in pool slots ({@link #enqueue}: they wait here, their slots held) and frames
 * in other buffers ({@link #transmitNow}: an ARP request, a fragment; written at once). Output:
 * {@link #flush} writes the queued frames with one batched write per egress port (the device's
 * {@link FrameIo#write(FrameBatch)}, or the worker's io_uring: {@link BatchIo}), in arrival order per port, then releases their slots. The agent flushes after each
 * batch of received frames; a full queue flushes itself, and {@link #transmitNow} flushes first so
 * a port's frames never overtake each other.
 *
 * <p><b>Asynchronous writes</b> (an engine whose {@link BatchIo#writesAsync} says so: the
 * worker's io_uring on its own thread): {@link #start} hands each queued frame to the engine as a
 * write that is not waited for (it goes to the kernel with the worker's next io_uring_enter: the
 * next read batch, poll or idle wait), and the frame moves to a table of writes in flight (at most
 * {@link #IN_FLIGHT}, {@link #PORT_IN_FLIGHT} per port); when its completion is reported
 * ({@link BatchIo.WriteListener}) it is counted as below and only then is its slot released. A
 * full table (or a port over its share) first pushes the queued writes to the kernel and reaps
 * their completions; if still full, the frame is a tx_queue_full drop. {@link #flush} waits for
 * the completions (a flooded slot the router goes on with, an ARP request or fragment written
 * after the queued frames); the agent's round uses {@link #start}.
 *
 * <p>Per frame the device's answer is counted: sent = port tx_packets/tx_bytes;
 * {@link FrameIo#WOULD_BLOCK} = tx_queue_full; {@link FrameIo#FAILED} (EIO while the host has not
 * brought its side up) = tx_error; {@link FrameIo#GONE} = tx_error and the port is marked lost with
 * one log line (the RX agent then takes its fd out of epoll). Each failure also counts the port's
 * tx_drops. A port that is unpublished, administratively down or lost: port_down. A device that
 * throws (a bug) costs the frames of that call: internal_error each. A queued frame is counted at
 * the flush by the accounting rule of {@link DropReason}: event forwarded or drop.* for a received
 * frame, origin.sent or origin.drop.* for one the router originated; a frame written at once is
 * counted by its caller.
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

    private final ForwardingContext context;
    private final PortTable ports;
    private final DataplaneCounters counters;
    /** This worker's copy of each port's counters ({@code PortCounters.worker(shard)}). */
    private final int shard;
    private final long poolAddress;
    private final int[] queuedPort = new int[QUEUE];
    private final int[] queuedSlot = new int[QUEUE];
    private final int[] queuedOffset = new int[QUEUE];
    private final int[] queuedLength = new int[QUEUE];
    /** Whose frame it is, for its count at the flush (the accounting rule of {@link DropReason}). */
    private final boolean[] queuedOriginated = new boolean[QUEUE];
    private final int[] queuedIngress = new int[QUEUE];
    /** {@link #SINGLE}, {@link #FLOOD_COUNTED} or {@link #FLOOD_UNCOUNTED}. */
    private final byte[] queuedMode = new byte[QUEUE];
    private int queued;
    private static final byte SINGLE = 0;
    private static final byte FLOOD_COUNTED = 1;
    private static final byte FLOOD_UNCOUNTED = 2;
    private final FrameBatch batch = new FrameBatch(QUEUE);
    /** Who writes a port's batch: the device itself, or the worker's io_uring. */
    private BatchIo io = BatchIo.DIRECT;

    // asynchronous writes in flight, by tag (what the queue entry held, moved here at the start)
    private final Port[] flightPort = new Port[IN_FLIGHT];
    private final FrameIo[] flightDevice = new FrameIo[IN_FLIGHT];
    private final int[] flightPortIndex = new int[IN_FLIGHT];
    private final int[] flightSlot = new int[IN_FLIGHT];
    private final int[] flightOffset = new int[IN_FLIGHT];
    private final int[] flightLength = new int[IN_FLIGHT];
    private final boolean[] flightOriginated = new boolean[IN_FLIGHT];
    private final int[] flightIngress = new int[IN_FLIGHT];
    private final byte[] flightMode = new byte[IN_FLIGHT];
    /** Free tags (a stack). */
    private final int[] freeTags = new int[IN_FLIGHT];
    private int freeTagCount;
    /** Writes in flight per port index. */
    private final int[] portInFlight = new int[PortTable.MAX_PORTS];
    private final BatchIo.WriteListener onWritten = this::written;

    Transmitter(ForwardingContext context) {
        this.context = context;
        this.ports = context.ports;
        this.counters = context.counters;
        this.shard = context.counters.shard();
        this.poolAddress = context.buffer.addressOffset();
        for (int t = 0; t < IN_FLIGHT; t++) {
            freeTags[t] = IN_FLIGHT - 1 - t;
        }
        freeTagCount = IN_FLIGHT;
    }

    void batchIo(BatchIo io) {
        this.io = io;
    }

    /**
     * Queues the frame of a pool slot for {@code port}; the slot is released by {@link #flush},
     * which counts the frame as forwarded or dropped ({@code originated}: as origin.sent or
     * origin.drop.*; else event forwarded, or drop.* and {@code ingressPort}'s rx_drops).
     */
    void enqueue(int port, int slot, int offset, int length, boolean originated, int ingressPort) {
        queue(port, slot, offset, length, originated, ingressPort, SINGLE);
    }

    /**
     * Queues one copy of a flooded slot for {@code port} (the slot shared first:
     * {@link ForwardingContext#shareSlot}); {@code counted}: the flood is the frame's disposition.
     */
    void enqueueCopy(int port, int slot, int offset, int length, boolean originated, int ingressPort, boolean counted) {
        queue(port, slot, offset, length, originated, ingressPort, counted ? FLOOD_COUNTED : FLOOD_UNCOUNTED);
    }

    private void queue(int port, int slot, int offset, int length, boolean originated, int ingressPort, byte mode) {
        if (queued == QUEUE) {
            start();
        }
        int i = queued++;
        queuedMode[i] = mode;
        queuedPort[i] = port;
        queuedSlot[i] = slot;
        queuedOffset[i] = offset;
        queuedLength[i] = length;
        queuedOriginated[i] = originated;
        queuedIngress[i] = ingressPort;
    }

    /** Frames queued and not yet written. */
    public int queued() {
        return queued;
    }

    /** Asynchronous writes started and not yet completed. */
    public int inFlight() {
        return IN_FLIGHT - freeTagCount;
    }

    /**
     * Writes every queued frame, one batch per egress port, and waits until every write started
     * before (asynchronous ones too) completed; returns how many were queued.
     */
    public int flush() {
        int n = start();
        if (freeTagCount < IN_FLIGHT) {
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
            int portIndex = queuedPort[i];
            if (portIndex < 0) {
                continue; // went out with an earlier port's batch
            }
            batch.clear();
            for (int j = i; j < n; j++) {
                if (queuedPort[j] == portIndex) {
                    batch.add(poolAddress + queuedOffset[j], queuedLength[j], j);
                    queuedPort[j] = -1;
                }
            }
            send(portIndex);
        }
        return n;
    }

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
                    context.capture.tx(portIndex, context.buffer, queuedOffset[batch.tag(k)], batch.length(k));
                }
            }
        }
        for (int k = 0; k < count; k++) {
            end(batch.tag(k), count(port, device, batch.result(k), batch.length(k)));
        }
    }

    /** The batch's frames as asynchronous writes: each moves from its queue entry to a tag in flight. */
    private void startWrites(Port port, int portIndex, FrameIo device) {
        int count = batch.count();
        for (int k = 0; k < count; k++) {
            int i = batch.tag(k);
            int length = batch.length(k);
            if (freeTagCount == 0 || portInFlight[portIndex] >= PORT_IN_FLIGHT) {
                io.pushWrites(); // to the kernel, and their completions free tags
                if (freeTagCount == 0 || portInFlight[portIndex] >= PORT_IN_FLIGHT) {
                    end(i, count(port, device, FrameIo.WOULD_BLOCK, length)); // back-pressure: tx_queue_full
                    continue;
                }
            }
            int tag = freeTags[--freeTagCount];
            flightPort[tag] = port;
            flightDevice[tag] = device;
            flightPortIndex[tag] = portIndex;
            flightSlot[tag] = queuedSlot[i];
            flightOffset[tag] = queuedOffset[i];
            flightLength[tag] = length;
            flightOriginated[tag] = queuedOriginated[i];
            flightIngress[tag] = queuedIngress[i];
            flightMode[tag] = queuedMode[i];
            portInFlight[portIndex]++;
            boolean started;
            try {
                started = io.writeAsync(device, batch.address(k), length, tag, onWritten);
            } catch (RuntimeException e) { // a bug: it costs this frame, never the thread
                unflight(tag);
                end(i, DropReason.INTERNAL_ERROR);
                context.logInternalError(e);
                continue;
            }
            if (!started) {
                unflight(tag);
                end(i, count(port, device, FrameIo.WOULD_BLOCK, length));
            }
        }
    }

    /** Tag {@code tag} is free again. */
    private void unflight(int tag) {
        portInFlight[flightPortIndex[tag]]--;
        flightPort[tag] = null;
        flightDevice[tag] = null;
        freeTags[freeTagCount++] = tag;
    }

    /** The asynchronous write of {@code tag} completed with {@code result} (as FrameIo's write): counted, slot released. */
    private void written(int tag, int result) {
        Port port = flightPort[tag];
        FrameIo device = flightDevice[tag];
        int portIndex = flightPortIndex[tag];
        int length = flightLength[tag];
        int slot = flightSlot[tag];
        byte mode = flightMode[tag];
        boolean originated = flightOriginated[tag];
        int ingress = flightIngress[tag];
        int offset = flightOffset[tag];
        unflight(tag);
        if (context.capture.armed && result >= 0) {
            context.capture.tx(portIndex, context.buffer, offset, length);
        }
        end(mode, slot, originated, ingress, count(port, device, result, length));
    }

    /** Queue entry i is done: counted as sent (null) or dropped for {@code reason}; its slot goes back. */
    private void end(int i, DropReason reason) {
        end(queuedMode[i], queuedSlot[i], queuedOriginated[i], queuedIngress[i], reason);
    }

    private void end(byte mode, int slot, boolean originated, int ingress, DropReason reason) {
        switch (mode) {
            case FLOOD_COUNTED -> context.floodCopyDone(slot, originated, ingress, reason);
            case FLOOD_UNCOUNTED -> { } // the port's tx counters have it; the frame's end is counted elsewhere
            default -> context.ended(originated, ingress, reason);
        }
        context.release(slot);
    }

    /** Hands queued asynchronous writes to the kernel now and handles the completions already there. */
    public void push() {
        if (freeTagCount < IN_FLIGHT) {
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
        if (result == FrameIo.GONE && !port.carrierLost()) {
            port.markCarrierLost();
            System.err.println("routerd: port " + port.name() + " down: " + device.lastFailure());
        }
        return DropReason.TX_ERROR;
    }
}
