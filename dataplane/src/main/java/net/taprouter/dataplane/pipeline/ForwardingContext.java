package net.taprouter.dataplane.pipeline;

import java.io.IOException;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.tap.TapIOException;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What the stages of one forwarding agent share: the frame pool, the published tables (ports,
 * routes, next hops, settings: written by the control thread), the worker's own state (neighbour
 * table, counter shard, ICMP rate limiter), the clock of the current batch, and frame output. Owned by
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
     * Writes a frame to a port's TAP. Returns true if it went out. Counts TX packets/bytes, or
     * the drop. A TAP whose device is gone (its namespace was deleted) marks the port down; other
     * errors (EIO while the host has not brought its side up yet) only count as tx_error.
     */
    public boolean transmit(int portIndex, UnsafeBuffer frameBuffer, int offset, int length) {
        Port port = ports.get(portIndex);
        if (port == null || !port.isUp()) {
            counters.drop(DropReason.PORT_DOWN);
            return false;
        }
        try {
            int written = port.tap().write(frameBuffer.addressOffset() + offset, length);
            PortCounters.Worker portCounters = port.counters().worker(shard);
            if (written <= 0) {
                counters.drop(DropReason.TX_QUEUE_FULL);
                portCounters.txDrops.incrementRelease();
                return false;
            }
            portCounters.txPackets.incrementRelease();
            portCounters.txBytes.getAndAddRelease(length);
            return true;
        } catch (IOException e) {
            counters.drop(DropReason.TX_ERROR);
            port.counters().worker(shard).txDrops.incrementRelease();
            boolean gone = e instanceof TapIOException && ((TapIOException) e).isDeviceGone();
            if (gone && !port.carrierLost()) {
                port.markCarrierLost();
                System.err.println("routerd: port " + port.name() + " down: " + e.getMessage());
            }
            return false;
        }
    }

    public void event(Event event) {
        counters.event(event);
    }
}
