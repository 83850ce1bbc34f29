package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.capture.CaptureTap;
import net.taprouter.dataplane.buffer.PacketMetadata;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.conntrack.ConntrackTable;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.l2.Fdb;
import net.taprouter.dataplane.l2.FdbTables;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.MacAddress;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What the stages of one forwarding agent share: the frame pool, the published tables (ports,
 * interfaces, routes, next hops, settings: written by the control thread), the worker's own state (neighbour
 * table, the FDB of each bridge, counter shard, ICMP rate limiter, conntrack table), the clock of the current batch, and frame output (its
 * {@link Transmitter}: frames queued per batch, written per port). Owned by
 * one thread; built by {@code agent.Worker.build}. Stages keep direct references to its fields.
 */
public final class ForwardingContext {
    public final FramePool pool;
    public final UnsafeBuffer buffer;
    /** The pool's per-slot metadata: where a packet parked off the graph keeps its {@link Packet} fields. */
    public final PacketMetadata metadata;
    public final PortTable ports;
    public final InterfaceTable interfaces;
    public final RouteTable routes;
    public final NextHops nextHops;
    public final NeighbourTable neighbours;
    /** This worker's FDB of each bridge (its single writer: the forwarding path and its commands). */
    public final FdbTables fdbs = new FdbTables();
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
    private final net.taprouter.dataplane.wire.VirtioNetHeaderView vnetHeader = new net.taprouter.dataplane.wire.VirtioNetHeaderView();

    /** The slot is not this agent's (free in the pool, or on its way back). */
    static final byte SLOT_ELSEWHERE = 0;
    /** A packet in the graph holds the slot. */
    static final byte SLOT_HELD = 1;
    /** The slot waits in an ARP queue. */
    static final byte SLOT_PARKED = 2;
    /** Clock of the current batch (System.nanoTime at its start). */
    public long nowNanos;
    private static final DropReason[] REASONS = DropReason.values();
    private final int[] words;
    /** This worker's capture points (issue 10): RX in the agent, TX in the {@link Transmitter}. */
    public final CaptureTap capture = new CaptureTap();
    /** This worker's packet trace (issue 10): asked per frame only while armed ({@link ForwardingGraph#receive}). */
    public final PacketTracer tracer;

    public ForwardingContext(PublishedTables tables, FramePool pool, SlotReturnRing slotReturns,
                             NeighbourTable neighbours, DataplaneCounters counters, IcmpRateLimiter icmpLimiter,
                             ConntrackTable conntrack) {
        this.pool = pool;
        this.buffer = pool.buffer();
        this.metadata = pool.metadata();
        this.ports = tables.ports();
        this.interfaces = tables.interfaces();
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
        this.words = metadata.words();
        this.transmitter = new Transmitter(this);
        this.tracer = new PacketTracer(this);
    }

    /** A received frame's slot enters the graph. */
    void hold(int slot) {
        slotState[slot] = SLOT_HELD;
    }

    /** True if the slot is still this agent's (held or parked; not released): the trace may read its frame. */
    boolean slotStillOurs(int slot) {
        return slot >= 0 && slot < slotState.length && slotState[slot] != SLOT_ELSEWHERE;
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
        int refs = PacketMetadata.base(slot) + Packet.FLOOD_REFS;
        if (words[refs] > 1) {
            words[refs]--; // a flooded slot: more writes of it are still queued
            return;
        }
        words[refs] = 0;
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
     * Queues the packet's frame (in its pool slot) for its egress port, choosing the port now if it
     * is not chosen yet ({@link Packet#egressPort} -1: a PORT interface's port; a bridge's port for
     * the frame's destination MAC in its FDB, or every member port up: {@link #flood}); the slot is
     * released once it was written ({@link #flushTransmit}), and the packet counted then
     * ({@link #ended}). An egress interface that is gone or has no port: drop port_down. See
     * {@link Transmitter} for the counters.
     */
    public void transmit(Packet packet) {
        packet.offload.writeHeader(buffer, packet.frameOffset, vnetHeader); // for ports with offloads (others skip it)
        int port = packet.egressPort;
        if (port < 0) {
            port = egressPort(packet.egressInterface, MacAddress.get(buffer, packet.frameOffset));
            if (port == -1) { // a bridge floods what its FDB does not know
                Interface bridge = interfaces.get(packet.egressInterface);
                if (bridge == null || flood(packet, bridge, -1, true) == 0) {
                    drop(packet, DropReason.PORT_DOWN);
                }
                return;
            }
            if (port < 0) {
                drop(packet, DropReason.PORT_DOWN);
                return;
            }
            packet.egressPort = port;
        }
        transmitter.enqueue(port, packet.slot, packet.frameOffset, packet.frameLength,
            packet.localOrigin, packet.ingressPort);
    }

    /**
     * The L2 port a frame for interface {@code ifaceIndex} to {@code destination} leaves through:
     * a PORT interface's port; a bridge's port for that MAC in its FDB. -1: flood it (a bridge
     * that does not know the MAC, or broadcast/multicast); {@link #NO_EGRESS}: no such interface,
     * or a bridge that is down.
     */
    private int egressPort(int ifaceIndex, long destination) {
        Interface out = interfaces.get(ifaceIndex);
        if (out == null) {
            return NO_EGRESS;
        }
        Port port = out.port();
        if (port != null) {
            return port.index();
        }
        return out.isBridge() && out.isUp() ? bridgePort(out, destination) : NO_EGRESS;
    }

    private static final int NO_EGRESS = -2;

    /**
     * The member port of {@code bridge} where its FDB has {@code destination}, or -1 (unknown, a
     * broadcast/multicast MAC, or an entry for a port that is not a member any more).
     */
    public int bridgePort(Interface bridge, long destination) {
        if (MacAddress.isMulticast(destination)) {
            return -1;
        }
        Fdb fdb = fdbs.get(bridge.index());
        int port = fdb == null ? Fdb.NONE : fdb.lookup(0, destination);
        if (port < 0) {
            return -1;
        }
        Port p = ports.get(port);
        return p != null && p.upper() == bridge ? port : -1;
    }

    /**
     * Queues the packet's slot for every member port of {@code bridge} that is up, but
     * {@code exceptPort} (the ingress port of a bridged frame; -1: none), without copying it: the
     * slot is freed once, after its last write. {@code counted}: the flood is the packet's
     * disposition (counted once at the last write: forwarded if any copy went out, else the last
     * failure); else the caller keeps the slot too (one more reference) and gives the packet its
     * end itself, after flushing the copies out ({@link #flushTransmit}). Returns the number of
     * copies queued (0: none, nothing changed).
     */
    public int flood(Packet packet, Interface bridge, int exceptPort, boolean counted) {
        offloadForFlood(packet);
        Port[] members = bridge.members();
        int copies = 0;
        for (Port m : members) {
            if (m.index() != exceptPort && m.isUp()) {
                copies++;
            }
        }
        if (copies == 0) {
            return 0;
        }
        shareSlot(packet.slot, counted ? copies : copies + 1);
        for (Port m : members) {
            if (m.index() != exceptPort && m.isUp()) {
                transmitter.enqueueCopy(m.index(), packet.slot, packet.frameOffset, packet.frameLength, packet.localOrigin,
                    packet.ingressPort, counted);
            }
        }
        return copies;
    }

    /**
     * Before one slot goes to several ports: a partial checksum is completed (members without
     * offloads need a complete frame; event checksums_completed), and the virtio-net header for the
     * members with offloads is written. A GSO super-packet is flooded whole: only members with
     * offloads can take it (a bridge floods one only before its FDB knows the destination).
     */
    private void offloadForFlood(Packet packet) {
        Offload offload = packet.offload;
        if (offload.needsChecksum() && !offload.isGso()) {
            net.taprouter.dataplane.offload.PartialChecksum.complete(buffer, packet.frameOffset, packet.frameLength,
                offload.checksumStart, offload.checksumOffset);
            offload.clear();
            counters.event(Event.CHECKSUMS_COMPLETED);
        }
        offload.writeHeader(buffer, packet.frameOffset, vnetHeader);
    }

    /** The slot will be released {@code references} times (queued flood copies, and the caller) before it is free. */
    void shareSlot(int slot, int references) {
        int at = PacketMetadata.base(slot);
        words[at + Packet.FLOOD_REFS] = references;
        words[at + Packet.FLOOD_RESULT] = 0;
    }

    /**
     * A counted flood copy of {@code slot} was written ({@code reason} null) or not: at the last
     * one (its release follows) the frame is counted once, forwarded if any copy went out.
     */
    void floodCopyDone(int slot, boolean originated, int ingressPort, DropReason reason) {
        int at = PacketMetadata.base(slot);
        if (reason == null) {
            words[at + Packet.FLOOD_RESULT] = 1;
        } else if (words[at + Packet.FLOOD_RESULT] != 1) {
            words[at + Packet.FLOOD_RESULT] = reason.ordinal() + 2;
        }
        if (words[at + Packet.FLOOD_REFS] <= 1) {
            int result = words[at + Packet.FLOOD_RESULT];
            words[at + Packet.FLOOD_RESULT] = 0;
            ended(originated, ingressPort, result == 1 ? null : REASONS[result - 2]);
        }
    }

    /**
     * Writes a frame from a buffer other than the pool (with
     * {@link net.taprouter.dataplane.buffer.FramePool#MAX_DEVICE_HEADROOM} bytes free in front of
     * {@code offset}) out of interface {@code ifaceIndex} at once, after the queued frames (a
     * bridge: to the port its FDB has for the destination, else to every member port up).
     * Returns null if it went out (on a bridge: to at least one port), else why not (port_down,
     * tx_queue_full, tx_error): the caller counts it for the packet it belongs to.
     */
    public DropReason transmit(int ifaceIndex, UnsafeBuffer frameBuffer, int offset, int length) {
        int port = egressPort(ifaceIndex, MacAddress.get(frameBuffer, offset));
        if (port >= 0) {
            return transmitter.transmitNow(port, frameBuffer, offset, length);
        }
        Interface bridge = port == NO_EGRESS ? null : interfaces.get(ifaceIndex);
        if (bridge == null) {
            return DropReason.PORT_DOWN;
        }
        DropReason last = DropReason.PORT_DOWN;
        boolean sent = false;
        for (Port m : bridge.members()) {
            if (m.isUp()) {
                DropReason failed = transmitter.transmitNow(m.index(), frameBuffer, offset, length);
                sent |= failed == null;
                last = failed == null ? last : failed;
            }
        }
        return sent ? null : last;
    }

    /** Writes the queued frames (the agent calls it after each batch); returns how many there were. */
    public int flushTransmit() {
        return transmitter.flush();
    }

    public void event(Event event) {
        counters.event(event);
    }
}
