package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.PacketMetadata;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.conntrack.ConntrackTable;
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
 * table, counter shard, ICMP rate limiter, conntrack table), the clock of the current batch, and frame output (its
 * {@link Transmitter}: frames queued per batch, written per port). Owned by
 * one thread; built by {@code agent.Worker.build}. Stages keep direct references to its fields.
 */
public final class ForwardingContext {
    public final FramePool pool;
    public final UnsafeBuffer buffer;
    /** The pool's per-slot metadata: where a packet parked off the graph keeps its {@link Packet} fields. */
    public final PacketMetadata metadata;
    public final PortTable ports;
    public final RouteTable routes;
    public final NextHops nextHops;
    public final NeighbourTable neighbours;
    public final DataplaneCounters counters;
    public final DataplaneSettings settings;
    public final IcmpRateLimiter icmpLimiter;
    /** This worker's connection-tracking table (its flows and NAT mappings). */
    public final ConntrackTable conntrack;
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
                             NeighbourTable neighbours, DataplaneCounters counters, IcmpRateLimiter icmpLimiter,
                             ConntrackTable conntrack) {
        this.pool = pool;
        this.buffer = pool.buffer();
        this.metadata = pool.metadata();
        this.ports = tables.ports();
        this.routes = tables.routes();
        this.nextHops = tables.nextHops();
        this.settings = tables.settings();
        this.neighbours = neighbours;
        neighbours.counters(counters);
        this.counters = counters;
        this.shard = counters.shard();
        this.icmpLimiter = icmpLimiter;
        this.conntrack = conntrack;
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
        if (packet != null) {
            countDrop(packet, DropReason.INTERNAL_ERROR);
        } else {
            counters.drop(DropReason.INTERNAL_ERROR);
        }
        if (packet != null && packet.slot >= 0 && packet.slot < slotState.length && slotState[packet.slot] == SLOT_HELD) {
            release(packet.slot);
        }
        logInternalError(e);
    }

    /** Logs a stage's failure once with its stack (its packets are counted by the caller). */
    void logInternalError(RuntimeException e) {
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

    /**
     * Counts the end of {@code packet} as a drop for {@code reason}, without releasing its slot
     * (the slot goes on as an ICMP error or a reset, or the caller releases it): a received frame
     * as {@code drop.<reason>} and on its ingress port's rx_drops, a packet the router originated
     * as {@code origin.drop.<reason>} (see the accounting rule of {@link DropReason}).
     */
    public void countDrop(Packet packet, DropReason reason) {
        ended(packet.localOrigin, packet.ingressPort, reason);
    }

    /**
     * Counts the end of a packet (the accounting rule of {@link DropReason}): {@code reason} null =
     * it went out (event forwarded, or origin.sent if {@code originated}); else dropped for
     * {@code reason} (drop.* and the ingress port's rx_drops, or origin.drop.*).
     */
    void ended(boolean originated, int ingressPort, DropReason reason) {
        if (reason == null) {
            if (originated) {
                counters.originSent();
            } else {
                counters.event(Event.FORWARDED);
            }
        } else if (originated) {
            counters.originDrop(reason);
        } else {
            counters.drop(reason);
            Port in = ports.get(ingressPort);
            if (in != null) {
                in.counters().worker(shard).rxDrops.incrementRelease();
            }
        }
    }

    /** Counts a drop ({@link #countDrop}) and releases the slot. */
    public void drop(Packet packet, DropReason reason) {
        countDrop(packet, reason);
        release(packet.slot);
    }

    /** Counts {@code packet} as gone out of a port: forwarded, or an originated packet sent. */
    public void sent(Packet packet) {
        ended(packet.localOrigin, packet.ingressPort, null);
    }

    /**
     * Queues the packet's frame (in its pool slot) for its egress port; the slot is released once
     * it was written ({@link #flushTransmit}), and the packet counted then ({@link #ended}). See
     * {@link Transmitter} for the counters.
     */
    public void transmit(Packet packet) {
        transmitter.enqueue(packet.egressPort, packet.slot, packet.frameOffset, packet.frameLength,
            packet.localOrigin, packet.ingressPort);
    }

    /**
     * Writes a frame from a buffer other than the pool (with
     * {@link net.taprouter.dataplane.buffer.FramePool#MAX_DEVICE_HEADROOM} bytes free in front of
     * {@code offset}) at once, after the queued frames. Returns null if it went out, else why not
     * (port_down, tx_queue_full, tx_error): the caller counts it for the packet it belongs to.
     */
    public DropReason transmit(int portIndex, UnsafeBuffer frameBuffer, int offset, int length) {
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
