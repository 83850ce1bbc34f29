package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What the stages of one forwarding agent share: the frame pool, the published tables (ports,
 * routes, next hops, settings: written by the control thread), the worker's own state (neighbour
 * table, counter shard, ICMP rate limiter), the clock of the current batch, and frame output (its
 * {@link Transmitter}: frames queued per batch, written per port). Owned by
 * one thread; built by {@code agent.Worker.build}. Stages keep direct references to its fields.
 */
public final class ForwardingContext {
    public final FramePool pool;
    public final UnsafeBuffer buffer;
    public final PortTable ports;
    public final RouteTable routes;
    public final NextHops nextHops;
    public final NeighbourTable neighbours;
    public final DataplaneCounters counters;
    public final DataplaneSettings settings;
    public final IcmpRateLimiter icmpLimiter;
    /** This worker's copy of each port's counters ({@code PortCounters.worker(shard)}). */
    private final int shard;
    private final SlotReturnRing slotReturns;
    private boolean releaseToPool;
    /** Per pool slot, who has it: {@link #SLOT_ELSEWHERE}, {@link #SLOT_HELD}, {@link #SLOT_PARKED}. */
    private final byte[] slotState;
    private boolean internalErrorLogged;
    private final Transmitter transmitter;

    /** The slot is not this agent's (free in the pool, or on its way back). */
    static final byte SLOT_ELSEWHERE = 0;
    /** A packet in the graph holds the slot. */
    static final byte SLOT_HELD = 1;
    /** The slot waits in an ARP queue. */
    static final byte SLOT_PARKED = 2;
    /** Clock of the current batch (System.nanoTime at its start). */
    public long nowNanos;

    public ForwardingContext(PublishedTables tables, FramePool pool, SlotReturnRing slotReturns,
                             NeighbourTable neighbours, DataplaneCounters counters, IcmpRateLimiter icmpLimiter) {
        this.pool = pool;
        this.buffer = pool.buffer();
        this.ports = tables.ports();
        this.routes = tables.routes();
        this.nextHops = tables.nextHops();
        this.settings = tables.settings();
        this.neighbours = neighbours;
        neighbours.counters(counters);
        this.counters = counters;
        this.shard = counters.shard();
        this.icmpLimiter = icmpLimiter;
        this.slotReturns = slotReturns;
        this.slotState = new byte[pool.slotCount()];
        this.transmitter = new Transmitter(this);
    }

    /** A received frame's slot enters the graph. */
    void hold(int slot) {
        slotState[slot] = SLOT_HELD;
    }

    /** The slot now waits in an ARP queue (still this agent's). */
    void park(int slot) {
        slotState[slot] = SLOT_PARKED;
    }

    /** The slot is taken out of an ARP queue to go on through the graph. */
    void unpark(int slot) {
        slotState[slot] = SLOT_HELD;
    }

    /**
     * The packet's slot is no longer needed. A slot that is not this agent's (released already) is
     * never freed twice: that is counted and logged as an internal error.
     */
    public void release(int slot) {
        if (slot < 0 || slot >= slotState.length || slotState[slot] == SLOT_ELSEWHERE) {
            internalError(null, new IllegalStateException("frame slot " + slot + " released but not held"));
            return;
        }
        slotState[slot] = SLOT_ELSEWHERE;
        if (releaseToPool) {
            pool.free(slot);
        } else {
            slotReturns.release(slot);
        }
    }

    /**
     * A stage threw on {@code packet} (a bug): it costs this packet only. Counted as
     * internal_error, logged once with its stack; the slot goes back unless it already went (or
     * waits in an ARP queue).
     */
    public void internalError(Packet packet, RuntimeException e) {
        counters.drop(DropReason.INTERNAL_ERROR);
        if (packet != null && packet.slot >= 0 && packet.slot < slotState.length && slotState[packet.slot] == SLOT_HELD) {
            release(packet.slot);
        }
        if (!internalErrorLogged) {
            internalErrorLogged = true;
            System.err.println("routerd: internal error in the dataplane (the packet is dropped as internal_error;"
                + " further ones are only counted): " + e);
            e.printStackTrace();
        }
    }

    /**
     * True when this agent runs on the thread that owns the frame pool (RX and forwarding agents
     * on one thread): slots then go straight back to the pool instead of through the ring.
     */
    public void releaseToPool(boolean sameThreadAsRx) {
        this.releaseToPool = sameThreadAsRx;
    }

    /** Counts a drop, attributing it to the ingress port if there is one, and releases the slot. */
    public void drop(Packet packet, DropReason reason) {
        counters.drop(reason);
        Port in = ports.get(packet.ingressPort);
        if (in != null) {
            in.counters().worker(shard).rxDrops.incrementRelease();
        }
        release(packet.slot);
    }

    /**
     * Queues the packet's frame (in its pool slot) for its egress port; the slot is released once
     * it was written ({@link #flushTransmit}). See {@link Transmitter} for the counters.
     */
    public void transmit(Packet packet) {
        transmitter.enqueue(packet.egressPort, packet.slot, packet.frameOffset, packet.frameLength);
    }

    /**
     * Writes a frame from a buffer other than the pool (with
     * {@link net.taprouter.dataplane.buffer.FramePool#MAX_DEVICE_HEADROOM} bytes free in front of
     * {@code offset}) at once, after the queued frames. Returns true if it went out.
     */
    public boolean transmit(int portIndex, UnsafeBuffer frameBuffer, int offset, int length) {
        return transmitter.transmitNow(portIndex, frameBuffer, offset, length);
    }

    /** Writes the queued frames (the agent calls it after each batch); returns how many there were. */
    public int flushTransmit() {
        return transmitter.flush();
    }

    public void event(Event event) {
        counters.event(event);
    }
}
