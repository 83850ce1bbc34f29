package net.taprouter.dataplane.pipeline;

import java.util.EnumMap;
import java.util.Map;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.wire.IcmpView;

/**
 * Builds and wires the stages of one forwarding agent:
 *
 * <pre>
 *  EthernetInput ─┬─ BridgeInput ─┬─ (known unicast) ──────────────────────────────────▶ Transmit
 *                 │  (bridge port) ├─ (unknown: flooded, one slot to every other port) ▶ Transmit
 *                 │                └─ (to the bridge's MAC, broadcast) ─┐ the bridge as ingress interface
 *                 ├─ ArpInput ─── (reply) ◀─────────────────────────────┤ ─────────────▶ Transmit
 *                 └─ Ipv4Input ◀────────────────────────────────────────┘
 *                     └─ GsoInput ── [PREROUTING] ── RouteLookup ─┬─ LocalDelivery ─┬─ RouteOutput ─┐
 *                                                                 │       TcpReset ─┘   (echo reply, │
 *                                                                 │                 ICMP error, RST) │
 *                                                                 └─ Forward (TTL) ──────────────────┤
 *    ┌────────────────────────────────────────────────────────────────────────────────────────────────┘
 *    └─ [POSTROUTING] ── Adjacency ─┬──────────────────────── Mtu ─┬─ Transmit
 *                                   └─ ArpResolver (queue) ──┘     ├─ Fragment (no DF)
 *                                      resumes at Mtu              └─ Segment (GSO, no DF) ─ (Fragment)
 *  Transmit (every ▶ above) is OffloadOutput, then the TransmitStage: a packet with offload state
 *  (a GSO super-packet, a partial checksum) leaves whole only for a port with offloads; for any
 *  other (a port without, a bridge) it is cut into segments (Segment) or its checksum completed.
 *  TransmitStage chooses the egress port of the egress interface: its port, or a bridge's by its FDB
 *  (unknown destinations flooded to every member port).
 *  errors: IcmpError(type, code) ── RouteOutput;   every drop: DropStage(reason)
 * </pre>
 *
 * Steps that would do nothing for a packet are skipped by the stage before them: GsoInput and
 * OffloadOutput are visited only by packets with offload state, a hook point only while it runs a
 * stage ({@link HookStage#entry}); a trace shows only the stages a packet went through.
 * The hottest edges are direct calls for an untraced packet (EthernetInput to Ipv4Input, Ipv4Input
 * to the prerouting hook or RouteLookup, a fast path to the TransmitStage): a call site with one or
 * two receivers, which the JIT inlines, instead of a turn of the graph's loop through its one
 * megamorphic call site; a traced packet ({@link Packet#trace}) takes every step through the loop,
 * so that each is recorded.
 * The flow fast path ({@link FlowRoutes}): conntrack's prerouting stage sends a packet of a known
 * flow straight to transmit (OffloadOutput with offload state) when its flow's last packet's way
 * through RouteLookup, Forward, POSTROUTING, Adjacency and Mtu still holds, doing their work itself.
 * {@code [PREROUTING]} and {@code [POSTROUTING]} are {@link HookStage}s running the stages
 * registered for them ({@link Hooks}, given to {@code agent.Worker.build}): DNAT will sit at
 * prerouting (before the route lookup), SNAT/MASQUERADE at postrouting, which also sees what the
 * router originates (echo replies, ICMP errors, TCP resets) since {@link RouteOutputStage} leads
 * there too. Packets resumed from an ARP queue go on at Mtu (they passed postrouting already).
 * Offloads: {@link GsoInputStage} checks what a TAP's virtio-net header said; a GSO super-packet
 * goes through the graph whole (TTL, hooks once per super-packet), and the MTU applies to its
 * segments.
 */
public final class ForwardingGraph {
    private final ForwardingContext context;
    private final Map<DropReason, DropStage> drops = new EnumMap<>(DropReason.class);
    private final Map<DropReason, IcmpErrorStage> errors = new EnumMap<>(DropReason.class);
    private final TransmitStage transmitStage;
    /** What every stage that sends a packet goes to: offload handling, then {@link #transmitStage}. */
    private final OffloadOutputStage transmit;
    private final EthernetInputStage ethernetInput;
    private final ArpResolver resolver;
    private final RouteOutputStage routeOutput;
    private final Map<Hook, HookStage> hooks = new EnumMap<>(Hook.class);
    /** The worker's trace recorder: asked about a frame only while armed. */
    private final PacketTracer tracer;
    private final PeerApplier peerApplier;

    /** A graph whose hooks run nothing. */
    public ForwardingGraph(ForwardingContext context) {
        this(context, Hooks.NONE);
    }

    /** A graph whose hook points run the stages {@code hookStages} registers, built here for this worker. */
    public ForwardingGraph(ForwardingContext context, Hooks hookStages) {
        this.context = context;
        this.tracer = context.tracer;
        for (DropReason reason : DropReason.values()) {
            drops.put(reason, new DropStage(context, reason));
        }
        transmitStage = new TransmitStage(context);
        FragmentStage fragment = new FragmentStage(context, this);
        SegmentStage segment = new SegmentStage(context, this, fragment);
        transmit = new OffloadOutputStage(context, this, transmitStage, segment);
        context.flowRoutes.transmit(transmit, transmitStage);
        routeOutput = new RouteOutputStage(context, this);
        resolver = new ArpResolver(context, this);
        icmpError(IcmpView.TYPE_DEST_UNREACHABLE, IcmpView.CODE_NET_UNREACHABLE, DropReason.NO_ROUTE);
        icmpError(IcmpView.TYPE_DEST_UNREACHABLE, IcmpView.CODE_HOST_UNREACHABLE, DropReason.NEIGHBOUR_UNRESOLVED);
        icmpError(IcmpView.TYPE_TIME_EXCEEDED, IcmpView.CODE_TTL_EXCEEDED, DropReason.TTL_EXCEEDED);
        icmpError(IcmpView.TYPE_DEST_UNREACHABLE, IcmpView.CODE_FRAGMENTATION_NEEDED, DropReason.FRAGMENTATION_NEEDED);

        ethernetInput = new EthernetInputStage(context, this);
        ArpInputStage arpInput = new ArpInputStage(context, resolver, this);
        peerApplier = new PeerApplier(context, arpInput);
        Ipv4InputStage ipv4Input = new Ipv4InputStage(context, this);
        RouteLookupStage routeLookup = new RouteLookupStage(context, this);
        LocalDeliveryStage localDelivery = new LocalDeliveryStage(context, this);
        TcpResetStage tcpReset = new TcpResetStage(context, this);
        ForwardStage forward = new ForwardStage(context, this);
        AdjacencyStage adjacency = new AdjacencyStage(context, resolver);
        MtuStage mtu = new MtuStage(context, this, fragment);
        GsoInputStage gsoInput = new GsoInputStage(context, this);
        HookStage prerouting = hookStages.build(Hook.PREROUTING, context, this);
        HookStage postrouting = hookStages.build(Hook.POSTROUTING, context, this);
        hooks.put(Hook.PREROUTING, prerouting);
        hooks.put(Hook.POSTROUTING, postrouting);

        BridgeInputStage bridgeInput = new BridgeInputStage(context, this, ethernetInput);
        ethernetInput.next(arpInput, ipv4Input, bridgeInput);
        ipv4Input.next(gsoInput, prerouting);
        gsoInput.next(prerouting);
        prerouting.next(routeLookup);
        routeLookup.next(localDelivery, forward, postrouting, transmitStage);
        localDelivery.next(routeOutput, tcpReset);
        tcpReset.next(routeOutput);
        forward.next(postrouting);
        routeOutput.next(postrouting);
        postrouting.next(adjacency);
        adjacency.next(mtu);
        mtu.next(segment);
        resolver.next(mtu, icmpError(DropReason.NEIGHBOUR_UNRESOLVED));
        for (IcmpErrorStage error : errors.values()) {
            error.next(routeOutput);
        }
        for (Stage stage : new Stage[] {transmitStage, fragment, segment, transmit, routeOutput, ethernetInput, arpInput,
            ipv4Input, routeLookup, localDelivery, tcpReset, forward, adjacency, mtu, gsoInput, prerouting, postrouting,
            bridgeInput}) {
            tracer.register(stage);
        }
        drops.values().forEach(tracer::register);
        errors.values().forEach(tracer::register);
    }

    /** Runs a packet through the graph from {@code stage} until it leaves it. */
    public static void run(Stage stage, Packet packet) {
        Stage next = stage;
        while (next != null) {
            next = next.process(packet);
        }
    }

    /**
     * Processes one received frame; its slot is now the graph's. A RuntimeException in a stage
     * costs this frame only (drop internal_error), never the thread. While a trace is armed
     * ({@link PacketTracer#armed}: the one extra test per frame otherwise) the frame may be
     * traced: then it runs through {@link #runTraced}.
     */
    public void receive(Packet packet) {
        context.hold(packet.slot);
        if (tracer.armed) {
            receiveArmed(packet);
            return;
        }
        runUntraced(ethernetInput, packet);
    }

    /** A frame received while a trace is armed: traced if the trace takes it. Kept out of {@link #receive} (small, inlined). */
    private void receiveArmed(Packet packet) {
        if (tracer.select(packet)) {
            runTraced(ethernetInput, packet);
        } else {
            runUntraced(ethernetInput, packet);
        }
    }

    /**
     * {@link #run}, with a stage's RuntimeException turned into a counted drop of this packet: for
     * packets that come back to the graph (resumed from an ARP queue), whose trace, if they are
     * being traced, goes on (a step "resumed", then one per stage).
     */
    void runGuarded(Stage stage, Packet packet) {
        if (packet.trace >= 0 && tracer.traced(packet)) {
            tracer.resumed(packet, stage);
            runTraced(stage, packet);
            return;
        }
        runUntraced(stage, packet);
    }

    /** {@link #run}, with a stage's RuntimeException turned into a counted drop of this packet. */
    private void runUntraced(Stage stage, Packet packet) {
        try {
            run(stage, packet);
        } catch (RuntimeException e) {
            context.internalError(packet, e);
        }
    }

    /** Events the other workers learned and sent here ({@link PeerEvents}), at most this many per worker per round. */
    static final int PEER_EVENT_BATCH = 256;

    /**
     * Applies what the other workers learned (neighbours, FDB entries: {@link PeerEvents}); the
     * agent calls it at the start of each round. Returns the events applied.
     */
    public int applyPeerEvents() {
        PeerEvents peers = context.peers;
        return peers.active ? peers.drain(peerApplier, PEER_EVENT_BATCH) : 0;
    }

    /**
     * {@link #run} for a traced packet: after every stage, a step of the trace records the stage,
     * the stage it chose and the packet as it left it ({@link PacketTracer#step}). The packet's
     * trace id is kept while it waits for ARP (saved in its slot), and cleared when it leaves.
     */
    private void runTraced(Stage stage, Packet packet) {
        PacketTracer t = tracer;
        try {
            Stage next = stage;
            while (next != null) {
                Stage current = next;
                next = current.process(packet);
                t.step(packet, current, next);
            }
        } catch (RuntimeException e) {
            t.internalError(packet);
            context.internalError(packet, e);
        } finally {
            packet.trace = -1;
        }
    }

    /**
     * The worker's timers (the agent calls it every few tens of ms): neighbour aging and ARP
     * retries, then the conntrack sweep. Returns the work done.
     */
    public int onTimer(long nowNanos) {
        return resolver.onTimer(nowNanos) + context.conntrack.onTimer(nowNanos);
    }

    /**
     * Wakes the dormant stages of every hook ({@link Hooks#withDormant}): connection tracking, at
     * the first NAT rule. On the worker's thread, between batches.
     */
    public void wakeHooks() {
        for (HookStage stage : hooks.values()) {
            stage.wake();
        }
    }

    /** The hook stage of a hook point. */
    public HookStage hook(Hook hook) {
        return hooks.get(hook);
    }

    public ArpResolver resolver() {
        return resolver;
    }

    public ForwardingContext context() {
        return context;
    }

    /** The drop stage for a reason. */
    public Stage drop(DropReason reason) {
        return drops.get(reason);
    }

    public Stage transmit() {
        return transmit;
    }

    /** The last step of {@link #transmit} for a packet without offload state (which skips the first). */
    Stage transmitStage() {
        return transmitStage;
    }

    /** The ICMP error stage registered for a reason (net/host unreachable, time exceeded, fragmentation needed). */
    public Stage icmpError(DropReason reason) {
        Stage stage = errors.get(reason);
        if (stage == null) {
            throw new IllegalArgumentException("no ICMP error for " + reason);
        }
        return stage;
    }

    /** An ICMP error stage of a given type and code, counted under {@code reason}. */
    Stage icmpError(int type, int code, DropReason reason) {
        IcmpErrorStage stage = new IcmpErrorStage(context, this, type, code, reason);
        if (routeOutput != null) {
            stage.next(routeOutput);
        }
        errors.putIfAbsent(reason, stage);
        return stage;
    }
}
