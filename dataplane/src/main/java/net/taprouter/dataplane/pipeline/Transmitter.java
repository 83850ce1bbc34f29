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

    Transmitter(ForwardingContext context) {
        this.context = context;
        this.ports = context.ports;
        this.counters = context.counters;
        this.shard = context.counters.shard();
        this.poolAddress = context.buffer.addressOffset();
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
            flush();
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

    /** Writes every queued frame, one batch per egress port; returns how many were queued. */
    public int flush() {
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

    /** Queue entry i is done: counted as sent (null) or dropped for {@code reason}; its slot goes back. */
    private void end(int i, DropReason reason) {
        switch (queuedMode[i]) {
            case FLOOD_COUNTED -> context.floodCopyDone(queuedSlot[i], queuedOriginated[i], queuedIngress[i], reason);
            case FLOOD_UNCOUNTED -> { } // the port's tx counters have it; the frame's end is counted elsewhere
            default -> context.ended(queuedOriginated[i], queuedIngress[i], reason);
        }
        context.release(queuedSlot[i]);
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
