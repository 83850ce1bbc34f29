package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.capture.CaptureTap;
import net.taprouter.dataplane.buffer.PacketMetadata;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.conntrack.ConntrackTable;
import net.taprouter.dataplane.conntrack.FlowPrefetch;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.l2.Fdb;
import net.taprouter.dataplane.l2.FdbTables;
import net.taprouter.dataplane.l2.PortVlans;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.MacAddress;
import net.taprouter.dataplane.wire.VlanView;
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
    /** The flow fast path's remembered decisions (this worker's). */
    public final FlowRoutes flowRoutes;
    /** This worker's FDB of each bridge (its single writer: the forwarding path and its commands). */
    public final FdbTables fdbs = new FdbTables();
    public final DataplaneCounters counters;
    public final DataplaneSettings settings;
    public final IcmpRateLimiter icmpLimiter;
    /** This worker's connection-tracking table (its flows and NAT mappings). */
    public final ConntrackTable conntrack;
    /** Brings the flows an RX batch will look up into the cache first (a large table only). */
    public final FlowPrefetch flowPrefetch;
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
    /**
     * What this worker learns that the other workers must know, and what they learned
     * ({@link PeerEvents}); {@link PeerEvents#NONE} for a worker alone.
     */
    public PeerEvents peers = PeerEvents.NONE;
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
        this.flowRoutes = new FlowRoutes(neighbours, interfaces, conntrack, buffer);
        this.flowPrefetch = new FlowPrefetch(conntrack, buffer);
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
     * How this worker's queued frames are written ({@code Transmitter.flush}): each device's own
     * batch write (default), or the worker's io_uring (set before the worker runs, by the thread
     * that will run it or before that thread starts).
     */
    public void batchIo(net.taprouter.dataplane.port.BatchIo io) {
        transmitter.batchIo(io);
    }

    /**
     * Counts the end of {@code packet} as a drop for {@code reason}, without releasing its slot
     * (the slot goes on as an ICMP error or a reset, or the caller releases it): a received frame
     * as {@code drop.<reason>} and on its ingress port's rx_drops, a packet the router originated
     * as {@code origin.drop.<reason>} (see the accounting rule of {@link DropReason}).
     */
    public void countDrop(Packet packet, DropReason reason) {
        if (capture.armed) {
            capture.drop(packet.localOrigin ? -1 : packet.ingressPort, reason.ordinal(), buffer, packet.frameOffset, packet.frameLength);
        }
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
                PortCounters.Worker portCounters = in.counters().worker(shard);
                portCounters.rxDrops.incrementRelease();
                if (reason.isError()) {
                    portCounters.rxErrors.incrementRelease();
                }
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
     * the frame's (VLAN, destination MAC) in its FDB, or every member port of the VLAN that is up:
     * {@link #flood}); the slot is released once it was written ({@link #flushTransmit}), and the
     * packet counted then ({@link #ended}). An egress interface that is gone or has no port: drop
     * port_down. See {@link Transmitter} for the counters.
     *
     * <p>VLANs: what the router sends ({@code localOrigin}, or routed to another interface than it
     * came in on) is in the egress interface's VLAN ({@link Interface#txVlan()}: a VLAN
     * sub-interface's id, a VLAN-filtering bridge's pvid); a bridged frame keeps the VLAN its
     * ingress port gave it. The 802.1Q tag is pushed in place (into the slot's headroom) when the
     * egress port wants the VLAN tagged: a VLAN sub-interface's port always, a VLAN-filtering bridge's
     * port unless it has the VLAN {@code untagged}; a bridge port that is no member of the VLAN: drop
     * vlan_egress_filtered.
     */
    public void transmit(Packet packet) {
        Interface out = packet.egress;
        if (out == null || out.index() != packet.egressInterface) {
            out = interfaces.get(packet.egressInterface);
        }
        int port = packet.egressPort;
        if (out == null) {
            if (port < 0) {
                drop(packet, DropReason.PORT_DOWN);
                return;
            }
            packet.offload.writeHeader(buffer, packet.frameOffset, vnetHeader);
            transmitter.enqueue(port, packet.slot, packet.frameOffset, packet.frameLength, packet.localOrigin, packet.ingressPort);
            return;
        }
        if (packet.localOrigin || packet.egressInterface != packet.ingressInterface) {
            packet.vlan = out.txVlan();
        }
        Interface l2 = out.l2();
        if (port < 0) {
            port = out.isVlan() && !out.isUp() ? NO_EGRESS : egressPort(l2, packet.vlan, buffer, packet.frameOffset);
            if (port == -1) { // a bridge floods what its FDB does not know
                if (flood(packet, l2, packet.vlan, -1, true) == 0) {
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
        int tag = egressTag(l2, port, packet.vlan);
        if (tag < 0) {
            drop(packet, DropReason.VLAN_EGRESS_FILTERED);
            return;
        }
        if (tag > 0) {
            pushTag(packet, tag);
        }
        packet.offload.writeHeader(buffer, packet.frameOffset, vnetHeader); // for ports with offloads (others skip it)
        transmitter.enqueue(port, packet.slot, packet.frameOffset, packet.frameLength,
            packet.localOrigin, packet.ingressPort);
    }

    /**
     * {@link #transmit} for a packet a fast path set a plain port interface's port for
     * ({@code egressPort >= 0}, {@code FlowRoutes.directPort}): it leaves that port untagged, so
     * only the device header and the queue are left to do.
     */
    public void transmitToPort(Packet packet) {
        packet.offload.writeHeader(buffer, packet.frameOffset, vnetHeader);
        transmitter.enqueue(packet.egressPort, packet.slot, packet.frameOffset, packet.frameLength, packet.localOrigin,
            packet.ingressPort);
    }

    /**
     * How a frame of VLAN {@code vlan} leaves {@code port} of {@code l2} (a PORT interface or a
     * bridge): 0 untagged, the VLAN id tagged, -1 not at all (a VLAN-filtering bridge's port that is
     * no member of the VLAN).
     */
    int egressTag(Interface l2, int port, int vlan) {
        if (!l2.isBridge()) {
            return vlan; // a PORT interface: its VLAN sub-interfaces' frames are tagged
        }
        if (!l2.vlanFiltering()) {
            return 0;
        }
        Port p = ports.get(port);
        if (p == null) {
            return 0; // gone: the transmitter counts port_down
        }
        PortVlans vlans = p.vlans();
        return !vlans.isMember(vlan) ? -1 : vlans.isUntagged(vlan) ? 0 : vlan;
    }

    /**
     * Pushes an 802.1Q tag of {@code vid} onto the packet's frame in place (into the slot's headroom)
     * and moves its offload positions with it.
     */
    private void pushTag(Packet packet, int vid) {
        packet.frameOffset = VlanView.push(buffer, packet.frameOffset, vid, 0);
        packet.frameLength += VlanView.TAG_LENGTH;
        Offload offload = packet.offload;
        if (offload.any()) {
            offload.checksumStart += VlanView.TAG_LENGTH;
            if (offload.isGso()) {
                offload.headerLength += VlanView.TAG_LENGTH;
            }
        }
    }

    /**
     * The L2 port a frame of VLAN {@code vlan} (at {@code frameOffset} in {@code frames}: its
     * destination MAC is read only for a bridge) leaves {@code l2} through (a
     * PORT interface or a bridge): a PORT interface's port; a bridge's port for (VLAN, MAC) in its
     * FDB. -1: flood it (a bridge that does not know the MAC, or broadcast/multicast);
     * {@link #NO_EGRESS}: a bridge that is down.
     */
    private int egressPort(Interface l2, int vlan, UnsafeBuffer frames, int frameOffset) {
        Port port = l2.port();
        if (port != null) {
            return port.index();
        }
        return l2.isBridge() && l2.isUp() ? bridgePort(l2, vlan, MacAddress.get(frames, frameOffset)) : NO_EGRESS;
    }

    private static final int NO_EGRESS = -2;

    /**
     * The member port of {@code bridge} where its FDB has ({@code vlan}, {@code destination}), or
     * -1 (unknown, a broadcast/multicast MAC, or an entry for a port that is not a member any more,
     * of the bridge or, on a VLAN-filtering bridge, of the VLAN). {@code vlan}: 0 on a bridge that
     * does not filter VLANs.
     */
    public int bridgePort(Interface bridge, int vlan, long destination) {
        if (MacAddress.isMulticast(destination)) {
            return -1;
        }
        Fdb fdb = fdbs.get(bridge.index());
        int port = fdb == null ? Fdb.NONE : fdb.lookup(vlan, destination);
        if (port < 0) {
            return -1;
        }
        Port p = ports.get(port);
        return p != null && p.upper() == bridge && (!bridge.vlanFiltering() || p.vlans().isMember(vlan)) ? port : -1;
    }

    /**
     * Queues the packet's slot for every member port of {@code bridge} that is up (and, on a
     * VLAN-filtering bridge, a member of {@code vlan}), but {@code exceptPort} (the ingress port of
     * a bridged frame; -1: none), without copying it: the slot is freed once, after its last write.
     * {@code counted}: the flood is the packet's disposition (counted once at the last write:
     * forwarded if any copy went out, else the last failure); else the caller keeps the slot too
     * (one more reference) and gives the packet its end itself, after flushing the copies out
     * ({@link #flushTransmit}). Returns the number of copies queued (0: none, nothing changed).
     *
     * <p>VLAN-filtering bridge, a VLAN some members send untagged and others tagged: the frame is
     * untagged in the slot; the untagged copies are queued first and written out ({@link
     * #flushTransmit}) before the tag is pushed in place (it overwrites bytes those copies share:
     * the push moves the 12 address bytes 4 bytes into the headroom and writes the tag where the
     * source MAC's last 4 bytes were); then the tagged copies are queued. An uncounted flood (the
     * caller goes on with the frame) is written out at once and the tag popped again, so the
     * caller sees the untagged frame it had. No copy, no allocation: at most two writes of the
     * queue instead of one.
     */
    public int flood(Packet packet, Interface bridge, int vlan, int exceptPort, boolean counted) {
        offloadForFlood(packet);
        Port[] members = bridge.members();
        boolean filtering = bridge.vlanFiltering();
        int untagged = 0;
        int tagged = 0;
        for (Port m : members) {
            if (m.index() != exceptPort && m.isUp()) {
                if (!filtering) {
                    untagged++;
                } else {
                    PortVlans v = m.vlans();
                    if (v.isMember(vlan)) {
                        if (v.isUntagged(vlan)) {
                            untagged++;
                        } else {
                            tagged++;
                        }
                    }
                }
            }
        }
        int copies = untagged + tagged;
        if (copies == 0) {
            return 0;
        }
        shareSlot(packet.slot, counted ? copies : copies + 1);
        if (untagged > 0) {
            for (Port m : members) {
                if (m.index() != exceptPort && m.isUp() && (!filtering || m.vlans().isUntagged(vlan))) {
                    transmitter.enqueueCopy(m.index(), packet.slot, packet.frameOffset, packet.frameLength, packet.localOrigin,
                        packet.ingressPort, counted);
                }
            }
        }
        if (tagged > 0) {
            if (untagged > 0) {
                transmitter.flush(); // the untagged copies are out before the tag is written into their bytes
            }
            int at = VlanView.push(buffer, packet.frameOffset, vlan, 0);
            writeTaggedHeader(packet.offload, at);
            for (Port m : members) {
                if (m.index() != exceptPort && m.isUp()) {
                    PortVlans v = m.vlans();
                    if (v.isMember(vlan) && !v.isUntagged(vlan)) {
                        transmitter.enqueueCopy(m.index(), packet.slot, at, packet.frameLength + VlanView.TAG_LENGTH,
                            packet.localOrigin, packet.ingressPort, counted);
                    }
                }
            }
            if (!counted) {
                transmitter.flush(); // then the caller gets its untagged frame back
                VlanView.pop(buffer, at);
            }
        }
        return copies;
    }

    /** The virtio-net header in front of a frame tagged in place at {@code at}: the offload positions 4 bytes on. */
    private void writeTaggedHeader(Offload offload, int at) {
        if (!offload.any()) {
            offload.writeHeader(buffer, at, vnetHeader);
            return;
        }
        offload.checksumStart += VlanView.TAG_LENGTH;
        offload.headerLength += offload.isGso() ? VlanView.TAG_LENGTH : 0;
        offload.writeHeader(buffer, at, vnetHeader);
        offload.checksumStart -= VlanView.TAG_LENGTH;
        offload.headerLength -= offload.isGso() ? VlanView.TAG_LENGTH : 0;
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
     * bridge: to the port its FDB has for the destination, else to every member port up of the
     * interface's VLAN), tagged where the port wants it (pushed into the buffer's headroom and
     * popped again after the write: the buffer is as it was). Returns null if it went out (on a
     * bridge: to at least one port), else why not (port_down, tx_queue_full, tx_error): the caller
     * counts it for the packet it belongs to.
     */
    public DropReason transmit(int ifaceIndex, UnsafeBuffer frameBuffer, int offset, int length) {
        Interface out = interfaces.get(ifaceIndex);
        if (out == null || out.isVlan() && !out.isUp()) {
            return DropReason.PORT_DOWN;
        }
        int vlan = out.txVlan();
        Interface l2 = out.l2();
        int port = egressPort(l2, vlan, frameBuffer, offset);
        if (port >= 0) {
            return transmitNow(l2, port, vlan, frameBuffer, offset, length);
        }
        if (port == NO_EGRESS) {
            return DropReason.PORT_DOWN;
        }
        DropReason last = DropReason.PORT_DOWN;
        boolean sent = false;
        for (Port m : l2.members()) {
            if (m.isUp() && egressTag(l2, m.index(), vlan) >= 0) {
                DropReason failed = transmitNow(l2, m.index(), vlan, frameBuffer, offset, length);
                sent |= failed == null;
                last = failed == null ? last : failed;
            }
        }
        return sent ? null : last;
    }

    /** One write of a frame of another buffer to {@code port} of {@code l2}, tagged there if the port wants {@code vlan} tagged. */
    private DropReason transmitNow(Interface l2, int port, int vlan, UnsafeBuffer frameBuffer, int offset, int length) {
        int tag = egressTag(l2, port, vlan);
        if (tag < 0) {
            return DropReason.VLAN_EGRESS_FILTERED;
        }
        if (tag == 0) {
            return transmitter.transmitNow(port, frameBuffer, offset, length);
        }
        int at = VlanView.push(frameBuffer, offset, tag, 0);
        DropReason result = transmitter.transmitNow(port, frameBuffer, at, length + VlanView.TAG_LENGTH);
        VlanView.pop(frameBuffer, at);
        return result;
    }

    /**
     * Writes the queued frames and waits until every write of this worker completed (asynchronous
     * ones too: the slots may be rewritten after it); returns how many were queued.
     */
    public int flushTransmit() {
        flowRoutes.publish(counters);
        return transmitter.flush();
    }

    /**
     * Starts writing the queued frames (the agent calls it after each batch): with the worker's
     * io_uring the writes go to the kernel with its next system call and their slots come back as
     * they complete (Transmitter); else as {@link #flushTransmit}. Returns how many were queued.
     */
    public int startTransmit() {
        flowRoutes.publish(counters);
        return transmitter.start();
    }

    /** Hands this worker's queued asynchronous writes to the kernel now (before work that takes a while). */
    public void pushTransmit() {
        transmitter.push();
    }

    /** This worker's asynchronous writes in flight (tests). */
    public int transmitsInFlight() {
        return transmitter.inFlight();
    }

    public void event(Event event) {
        counters.event(event);
    }

    /** Connects this worker to the others (before it runs; see {@code agent.Dataplane}). */
    public void peers(PeerEvents peers) {
        if (peers.active) {
            peers.context(this);
        }
        this.peers = peers;
    }
}
