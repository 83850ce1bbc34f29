package net.taprouter.dataplane.conntrack;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.wire.Ipv4View;
import org.agrona.MutableDirectBuffer;

/**
 * One worker's connection-tracking table: the flows it owns ({@link FlowTable}), their source-NAT
 * mappings ({@link NatMappings}), the protocol logic (TCP states as nf_conntrack moves them, UDP
 * unreplied/stream, ICMP queries, other protocols), timeouts ({@link ConntrackConfig#timeouts}),
 * expiry by an incremental sweep on the worker's timer (a bounded number of flows per tick, never
 * a full scan per packet), the kernel's early_drop when full, the flush of MASQUERADE flows whose
 * address went, and the statistics {@code conntrack -S} shows. Single writer: the worker's thread
 * (the stages, its timer, and the control commands it applies between batches). No allocation
 * on the packet path.
 *
 * <p>A packet's flow travels between the stages as {@code flow << 1 | direction}
 * ({@code Packet.ctFlow}), or one of {@link #CT_UNTRACKED}, {@link #CT_NEW} (a first packet: the
 * flow is made — "confirmed" — at postrouting, once the packet is routed and its NAT chosen, so a
 * packet dropped before that leaves nothing behind, as the kernel's unconfirmed entries), and
 * {@link #CT_INVALID}.
 *
 * <p>NAT is in the tuples, as nf_nat keeps it: a flow's reply tuple is the inverse of its original
 * as it leaves the router, so a packet in one direction is translated into the inverse of the other
 * direction's tuple ({@link #translateDestination} at prerouting, {@link #translateSource} at
 * postrouting). Flags (in {@link FlowTable#flags}): its own {@link FlowTable#ASSURED},
 * {@link FlowTable#SEEN_REPLY}, {@link FlowTable#SRC_NAT}, {@link FlowTable#DST_NAT}, plus
 * {@link #MASQUERADE}, {@link #PICKUP} and the MASQUERADE flow's out interface in bits 6-15. The flow's
 * {@link FlowTable#aux} word holds its NAT mapping (or -1); TCP word 0 of the original direction
 * holds a UDP flow's creation time.
 */
public final class ConntrackTable {
    /** {@code conntrack max}'s default (nf_conntrack_max on a machine with more than 4 GiB). */
    public static final int DEFAULT_MAX = 262_144;

    public static final int CT_UNTRACKED = -1;
    public static final int CT_NEW = -2;
    public static final int CT_INVALID = -3;
    /** Bit of {@code Packet.ctFlow} for an ICMP error RELATED to flow {@code ctFlow & ~CT_RELATED} ({@link RelatedIcmp}). */
    public static final int CT_RELATED = 1 << 30;

    /** Result of {@link #create}: no room even after early_drop. */
    public static final int FULL = -10;
    /** Result of {@link #create}: no NAT port free (or the tuple it gives is taken). */
    public static final int NO_MAPPING = -11;
    /** Result of {@link #create}: the inside address holds its {@code nat portlimit} of outside ports. */
    public static final int PORT_LIMIT = -12;
    /** Result of {@link #create}: the original source has its {@code conntrack hostlimit} of flows already. */
    public static final int HOST_LIMIT = -13;

    /** Flow flag: source NAT by a MASQUERADE rule (flushed when its interface loses the address). */
    public static final int MASQUERADE = 1 << 4;
    /** Flow flag: a TCP flow picked up mid-stream (no SYN seen). */
    public static final int PICKUP = 1 << 5;
    /** Flags bits 6-15: a MASQUERADE flow's out interface. */
    private static final int IFACE_SHIFT = 6;
    private static final int IFACE_MASK = 0x3FF;

    /** Index slots early_drop looks at from the new tuple's (nf_conntrack: 8 buckets). */
    static final int EVICTION_RANGE = 32;
    /** Source-NAT mappings and external addresses a worker holds at most. */
    static final int MAX_MAPPINGS = 65_536;
    static final int NAT_ADDRESSES = 16;
    /** Flows a listing slice looks at, at most, per command (the worker goes back to forwarding in between). */
    static final int SCAN_LIMIT = 65_536;
    /** UDP: replied flows still alive this long after their start become streams (ASSURED, longer timeout). */
    private static final int UDP_STREAM_AFTER = 2;

    /** A one-flow placeholder until {@link #start}: nothing is tracked before the first NAT rule. */
    private FlowTable flows;
    private NatMappings mappings;
    /** {@code conntrack max}: the size {@link #start} gets while not started (then the table's own). */
    private int maxFlows;
    private boolean started;
    private boolean holdingNewFlows;
    private final ConntrackConfig config;
    private final InterfaceTable interfaces;
    private final Stats stats = new Stats();
    private final FragmentFlows fragments = new FragmentFlows(4096);
    /** Flow events for {@code conntrack -E} / {@code monitor conntrack} (written only while a session is armed). */
    private final ConntrackEvents events = new ConntrackEvents();
    private final FlowTable.ExpiryListener onRemove = this::removing;
    /** Where {@link #reclaimPort} looks next. */
    private int reclaimCursor;
    private int sweepBudget;
    private long cachedNanos = Long.MIN_VALUE;
    private int cachedSeconds;
    // MASQUERADE address watch
    private final Object[] seenAddresses = new Object[InterfaceTable.MAX_INTERFACES];
    private int masqueradeFlows;
    private int masqueradeCursor = -1;

    /** The statistics of {@code conntrack -S}, as the kernel names them. Worker thread writes; others read a snapshot. */
    public static final class Stats {
        public long searched;
        public long found;
        public long created;
        public long invalid;
        public long ignore;
        public long delete;
        public long insert;
        public long insertFailed;
        public long drop;
        public long earlyDrop;
        public long error;
    }

    /**
     * A table that tracks nothing until {@link #start} gives it its storage of {@code maxFlows}
     * flows (made on the control thread at the first NAT rule: ~32 MiB for the default 262,144
     * flows, which a router that never NATs does not pay for, in memory or start-up time).
     */
    public ConntrackTable(int maxFlows, ConntrackConfig config, InterfaceTable interfaces) {
        FlowTable.checkMax(maxFlows);
        this.maxFlows = maxFlows;
        this.flows = new FlowTable(1);
        this.mappings = new NatMappings(1, 1);
        this.config = config;
        this.interfaces = interfaces;
        this.sweepBudget = budget(1);
    }

    /** The source-NAT mappings a table of {@code maxFlows} flows gets ({@link #start}). */
    public static NatMappings mappingsFor(int maxFlows) {
        return new NatMappings(mappingCapacityFor(maxFlows), NAT_ADDRESSES);
    }

    /** The mappings {@link #mappingsFor} makes for a table of {@code maxFlows}: as many, at least 1,024, at most {@value #MAX_MAPPINGS}. */
    public static int mappingCapacityFor(int maxFlows) {
        return Math.min(MAX_MAPPINGS, Math.max(1024, maxFlows));
    }

    /**
     * Starts tracking with {@code table} (new, empty, of {@link #maxFlows()} flows) and
     * {@code natMappings} ({@link #mappingsFor}), both made by the control thread. Once only.
     */
    public void start(FlowTable table, NatMappings natMappings) {
        if (started) {
            throw new IllegalStateException("connection tracking has started already");
        }
        if (table.size() != 0) {
            throw new IllegalArgumentException("a conntrack table to start with must be empty");
        }
        flows = table;
        mappings = natMappings;
        maxFlows = table.maxFlows();
        sweepBudget = budget(maxFlows);
        started = true;
    }

    /**
     * While routerd reads its state file back at start ({@code true} from before its configuration
     * is applied until the restore has finished), no new flow is made: a packet that would start
     * one is dropped ({@code conntrack_restoring}). Otherwise a segment of a flow still in the file
     * could be picked up mid-stream with another outside port, reach the server as a stranger and
     * bring back a reset before the restore replaces it.
     */
    public void holdNewFlows(boolean hold) {
        holdingNewFlows = hold;
    }

    /** See {@link #holdNewFlows}. */
    public boolean holdingNewFlows() {
        return holdingNewFlows;
    }

    /** Is it tracking (since the first NAT rule)? */
    public boolean started() {
        return started;
    }

    /** {@code conntrack max} before tracking started: the size {@link #start} will get. */
    public void maxFlows(int max) {
        FlowTable.checkMax(max);
        if (started) {
            throw new IllegalStateException("connection tracking has started: conntrack max moves the flows (resize)");
        }
        maxFlows = max;
    }

    private static int budget(int maxFlows) {
        return Math.max(256, maxFlows / 64);
    }

    public ConntrackConfig config() {
        return config;
    }

    public Stats stats() {
        return stats;
    }

    public int size() {
        return flows.size();
    }

    public int maxFlows() {
        return maxFlows;
    }

    /** This table's flow events ({@code conntrack -E}): armed by worker commands. */
    public ConntrackEvents events() {
        return events;
    }

    /** The flow storage (tests, listings). */
    public FlowTable flows() {
        return flows;
    }

    /** The source-NAT mappings (tests). */
    NatMappings mappings() {
        return mappings;
    }

    /** Whole seconds of {@code nanos} (the conntrack clock), cached per batch clock value. */
    public int seconds(long nanos) {
        if (nanos != cachedNanos) {
            cachedNanos = nanos;
            cachedSeconds = (int) Math.floorDiv(nanos, 1_000_000_000L);
        }
        return cachedSeconds;
    }

    // ---- packet path

    /**
     * The live flow with this tuple ({@code flow << 1 | direction}) or {@link FlowTable#NONE}. A
     * dead flow found on the way (expired, not swept yet) is removed now, so it never hides a new one.
     */
    public int lookup(int protocol, int source, int destination, int ports, int now) {
        stats.searched++;
        int ref = flows.lookupAny(source, destination, ports, protocol);
        if (ref == FlowTable.NONE) {
            return FlowTable.NONE;
        }
        if (!flows.alive(ref >>> 1, now)) {
            remove(ref >>> 1);
            return FlowTable.NONE;
        }
        stats.found++;
        return ref;
    }

    /**
     * A packet of {@code length} bytes of flow {@code ref} ({@link #lookup}): moves its state,
     * refreshes its timeout and counts it. Returns {@code ref}, {@link #CT_INVALID} (a TCP segment
     * the state machine refuses: its flow is left as it was) or {@link #CT_NEW} (a SYN reopening a
     * flow in TIME_WAIT or CLOSE: the old flow is gone, the packet starts a new one).
     */
    public int track(int ref, FlowKey key, int length, int now) {
        if (!events.tap.armed) {
            return trackState(ref, key, length, now);
        }
        int flow = ref >>> 1;
        int before = flows.state(flow) << 16 | flows.flags(flow) & (FlowTable.SEEN_REPLY | FlowTable.ASSURED);
        int result = trackState(ref, key, length, now);
        if (result >= 0 && flows.inUse(flow)
            && (flows.state(flow) << 16 | flows.flags(flow) & (FlowTable.SEEN_REPLY | FlowTable.ASSURED)) != before) {
            events.emit(ConntrackEvents.UPDATE, flows, flow, now); // as conntrack -E: a state change, the first reply, ASSURED
        }
        return result;
    }

    /** {@link #track} without events. UDP, ICMP and others here (small: it inlines), TCP in {@link #trackTcp}. */
    private int trackState(int ref, FlowKey key, int length, int now) {
        int protocol = key.protocol;
        if (protocol == NatRewrite.PROTO_TCP) {
            return trackTcp(ref, key, length, now);
        }
        int flow = ref >>> 1;
        int dir = ref & 1;
        ConntrackTimeouts timeouts = config.timeouts();
        int flags = flows.flags(flow);
        boolean seenReply = (flags & FlowTable.SEEN_REPLY) != 0;
        int timeout;
        if (protocol == NatRewrite.PROTO_UDP) {
            if (seenReply && now - flows.tcp(flow, FlowTable.ORIGINAL, 0) >= UDP_STREAM_AFTER) {
                timeout = timeouts.udp(true);
                flows.addFlags(flow, FlowTable.ASSURED);
            } else {
                timeout = timeouts.udp(false);
            }
        } else if (protocol == NatRewrite.PROTO_ICMP) {
            timeout = timeouts.icmp();
        } else {
            timeout = timeouts.generic();
        }
        return refreshed(ref, flow, dir, seenReply, timeout, length, now);
    }

    /** The end of tracking a packet the flow accepts: SEEN_REPLY, the new expiry, the counters. */
    private int refreshed(int ref, int flow, int dir, boolean seenReply, int timeout, int length, int now) {
        if (dir == FlowTable.REPLY && !seenReply) {
            flows.addFlags(flow, FlowTable.SEEN_REPLY);
        }
        flows.expires(flow, now + timeout);
        flows.account(flow, dir, length);
        return ref;
    }

    private int trackTcp(int ref, FlowKey key, int length, int now) {
        int flow = ref >>> 1;
        int dir = ref & 1;
        ConntrackTimeouts timeouts = config.timeouts();
        int flags = flows.flags(flow);
        boolean seenReply = (flags & FlowTable.SEEN_REPLY) != 0;
        int kind = TcpStates.kind(key.tcpFlags);
        int old = flows.state(flow);
        if (dir == FlowTable.ORIGINAL && kind == TcpStates.SEG_SYN
            && (old == TcpStates.TIME_WAIT || old == TcpStates.CLOSE)) {
            remove(flow); // the kernel kills the old entry and tracks the SYN as new
            return CT_NEW;
        }
        int next = TcpStates.next(dir, kind, old);
        if (next == TcpStates.INVALID) {
            stats.invalid++;
            return CT_INVALID;
        }
        if (next == TcpStates.IGNORE) {
            stats.ignore++;
            flows.account(flow, dir, length);
            return ref;
        }
        if (!TcpWindow.inWindow(flows, flow, dir, old, key)) {
            stats.invalid++; // out of window: the state stays as it was
            return CT_INVALID;
        }
        flows.state(flow, next);
        int timeout = timeouts.tcp(next);
        if (!seenReply) {
            if (kind == TcpStates.SEG_RST) {
                // "if the only reply is a RST" the connection never was: gone at once (this packet still passes, translated)
                flows.account(flow, dir, length);
                flows.expires(flow, now);
                return ref;
            }
            if (kind == TcpStates.SEG_SYN && old == TcpStates.SYN_SENT) {
                flows.account(flow, dir, length); // a retransmitted SYN does not renew the timeout
                return ref;
            }
            if (next == TcpStates.ESTABLISHED) {
                timeout = Math.min(timeout, timeouts.tcp(ConntrackTimeouts.TCP_UNACKNOWLEDGED));
            }
        } else if ((flags & FlowTable.ASSURED) == 0 && next == TcpStates.ESTABLISHED
            && (old == TcpStates.SYN_RECV || old == TcpStates.ESTABLISHED)) {
            flows.addFlags(flow, FlowTable.ASSURED);
        }
        return refreshed(ref, flow, dir, seenReply, timeout, length, now);
    }

    /**
     * Makes ("confirms") the flow of a first packet as it leaves: original tuple
     * {@code (origSource, origDestination, origPorts)} as received; {@code destination} and
     * {@code ports} as the packet now is (after DNAT, before source NAT); {@code external} the
     * source address to give it (0: none), {@code natFlags} {@link #MASQUERADE} and
     * {@link #masqueradePort} for a MASQUERADE rule's flow. A source NAT keeps the source port if
     * it is free on the external address, else takes one of its class (an endpoint-independent
     * mapping, {@link NatMappings}). Table full: nf_conntrack's early_drop (a flow that is not
     * assured, near the new tuple, gives way), else {@link #FULL}. Returns {@code flow << 1}
     * (direction original), {@link #FULL}, {@link #NO_MAPPING}, {@link #PORT_LIMIT} (the
     * inside address holds {@link ConntrackConfig#portLimit()} outside ports already) or
     * {@link #HOST_LIMIT} ({@code origSource} has {@link ConntrackConfig#hostLimit()} flows
     * already: checked first, so that a capped host neither takes a port nor makes early_drop
     * evict another host's flow).
     */
    public int create(int protocol, int origSource, int origDestination, int origPorts, int destination, int ports, int external,
                      int natFlags, int tcpFlags, int length, int now) {
        if (flows.flowsFrom(origSource) >= ConntrackConfig.effectiveHostLimit(config.hostLimit(), maxFlows)) {
            stats.insertFailed++;
            return HOST_LIMIT;
        }
        int mapping = FlowTable.NONE;
        int source = origSource;
        int outPorts = ports;
        if (external != 0) {
            if (FlowKey.hasPorts(protocol)) {
                int sourcePort = FlowKey.sourcePort(ports);
                // auto: a quarter of the mappings a table of this size gets (the one made at start may be larger)
                int limit = ConntrackConfig.effectivePortLimit(config.portLimit(),
                    Math.min(mappings.capacity(), mappingCapacityFor(maxFlows)));
                mapping = mappings.acquire(protocol, origSource, sourcePort, external, limit);
                if (mapping == NatMappings.NONE && reclaimPort(protocol, sourcePort, external, now)) {
                    mapping = mappings.acquire(protocol, origSource, sourcePort, external, limit);
                }
                if (mapping == NatMappings.PORT_LIMIT) {
                    stats.insertFailed++;
                    return PORT_LIMIT;
                }
                if (mapping == NatMappings.NONE) {
                    stats.insertFailed++;
                    return NO_MAPPING;
                }
                outPorts = FlowKey.withSourcePort(ports, mappings.externalPort(mapping));
            }
            source = external;
        }
        int replyPorts = FlowKey.reversePorts(protocol, outPorts);
        if (lookup(protocol, destination, source, replyPorts, now) != FlowTable.NONE) {
            // the reply tuple belongs to another flow (e.g. inbound through a DNAT port that the mapping chose)
            if (mapping != FlowTable.NONE) {
                mappings.release(mapping);
            }
            stats.insertFailed++;
            return NO_MAPPING;
        }
        int state = TcpStates.NONE;
        int timeout;
        ConntrackTimeouts timeouts = config.timeouts();
        switch (protocol) {
            case NatRewrite.PROTO_TCP -> {
                state = TcpStates.next(FlowTable.ORIGINAL, TcpStates.kind(tcpFlags), TcpStates.NONE);
                timeout = timeouts.tcp(state);
                if (state == TcpStates.ESTABLISHED) {
                    natFlags |= PICKUP;
                    timeout = Math.min(timeout, timeouts.tcp(ConntrackTimeouts.TCP_UNACKNOWLEDGED));
                }
            }
            case NatRewrite.PROTO_UDP -> timeout = timeouts.udp(false);
            case NatRewrite.PROTO_ICMP -> timeout = timeouts.icmp();
            default -> timeout = timeouts.generic();
        }
        int flow = flows.insert(origSource, origDestination, origPorts, destination, source, replyPorts, protocol, now + timeout);
        if (flow == FlowTable.NONE) {
            if (flows.evictNear(origSource, origDestination, origPorts, protocol, now, EVICTION_RANGE, onRemove) == FlowTable.NONE) {
                if (mapping != FlowTable.NONE) {
                    mappings.release(mapping);
                }
                stats.drop++;
                return FULL;
            }
            stats.earlyDrop++;
            flow = flows.insert(origSource, origDestination, origPorts, destination, source, replyPorts, protocol, now + timeout);
        }
        int flags = natFlags & (MASQUERADE | PICKUP | IFACE_MASK << IFACE_SHIFT);
        if (external != 0) {
            flags |= FlowTable.SRC_NAT;
        }
        if (destination != origDestination || ports != origPorts) {
            flags |= FlowTable.DST_NAT;
        }
        if ((flags & MASQUERADE) != 0) {
            masqueradeFlows++;
        }
        flows.addFlags(flow, flags);
        flows.state(flow, state);
        flows.aux(flow, mapping);
        if (protocol == NatRewrite.PROTO_UDP) {
            flows.tcp(flow, FlowTable.ORIGINAL, 0, now);
        }
        flows.account(flow, FlowTable.ORIGINAL, length);
        stats.created++;
        stats.insert++;
        if (events.tap.armed) {
            events.emit(ConntrackEvents.NEW, flows, flow, now);
        }
        return flow << 1;
    }

    /** Flow numbers {@link #reclaimPort} looks at, at most, for one new flow. */
    static final int RECLAIM_RANGE = 256;

    /**
     * No mapping could be made for a new flow: the mapping table is full, or no outside port of the
     * new flow's class is free on {@code external}. As early_drop does for a full flow table, a
     * flow that never had a reply (not SEEN_REPLY, not ASSURED) and alone holds a mapping gives
     * way (any mapping when the table is full, else one of that protocol and port class on that
     * address), so that one host's flood of new flows cannot keep the mappings or ports from
     * everyone else; an answered flow is never touched. Looks at up to {@value #RECLAIM_RANGE}
     * flow numbers from where the last call stopped; true if it removed one (counted as early_drop).
     */
    private boolean reclaimPort(int protocol, int sourcePort, int external, int now) {
        int max = flows.maxFlows();
        if (reclaimCursor >= max) {
            reclaimCursor = 0; // the table was resized
        }
        boolean anyMapping = mappings.full();
        int wanted = NatMappings.portClass(protocol, sourcePort);
        for (int i = 0; i < RECLAIM_RANGE && i < max; i++) {
            int flow = reclaimCursor;
            reclaimCursor = reclaimCursor + 1 == max ? 0 : reclaimCursor + 1;
            if (!flows.inUse(flow) || (flows.flags(flow) & (FlowTable.SEEN_REPLY | FlowTable.ASSURED)) != 0) {
                continue;
            }
            int mapping = flows.aux(flow);
            if (mapping < 0 || mappings.references(mapping) != 1) {
                continue;
            }
            if (!anyMapping && (flows.protocol(flow) != protocol || mappings.externalAddress(mapping) != external
                || NatMappings.portClass(protocol, mappings.externalPort(mapping)) != wanted)) {
                continue;
            }
            remove(flow);
            stats.earlyDrop++;
            return true;
        }
        return false;
    }

    /** A TCP flow just made by {@link #create} ({@code ref}): its window tracking starts from its first segment {@code key}. */
    public void tcpStart(int ref, FlowKey key) {
        TcpWindow.start(flows, ref >>> 1, key);
    }

    /** The flag bits that name a MASQUERADE flow and its out interface, for {@link #create}. */
    public static int masqueradeInterface(int iface) {
        return MASQUERADE | (iface & IFACE_MASK) << IFACE_SHIFT;
    }

    /** A MASQUERADE flow's out interface, from its flags. */
    public static int masqueradeInterfaceOf(int flags) {
        return (flags >>> IFACE_SHIFT) & IFACE_MASK;
    }

    /** {@code flags} with a MASQUERADE flow's out interface set to {@code iface}. */
    public static int withMasqueradeInterface(int flags, int iface) {
        return (flags & ~(IFACE_MASK << IFACE_SHIFT)) | (iface & IFACE_MASK) << IFACE_SHIFT;
    }

    /**
     * Destination NAT of a packet of flow {@code ref} at prerouting (original with DNAT, reply with
     * SNAT). {@code partial}: its L4 checksum is a partial one (offload, {@link NatRewrite}).
     */
    public void translateDestination(int ref, MutableDirectBuffer buffer, int ip, boolean partial) {
        int flow = ref >>> 1;
        int dir = ref & 1;
        int flags = flows.flags(flow);
        if ((flags & (dir == FlowTable.ORIGINAL ? FlowTable.DST_NAT : FlowTable.SRC_NAT)) == 0) {
            return;
        }
        int other = dir ^ 1;
        NatRewrite.destination(buffer, ip, flows.source(flow, other), FlowKey.sourcePort(flows.ports(flow, other)), partial);
    }

    /** Source NAT of a packet of flow {@code ref} at postrouting (original with SNAT, reply with DNAT); {@code partial} as above. */
    public void translateSource(int ref, MutableDirectBuffer buffer, int ip, boolean partial) {
        int flow = ref >>> 1;
        int dir = ref & 1;
        int flags = flows.flags(flow);
        if ((flags & (dir == FlowTable.ORIGINAL ? FlowTable.SRC_NAT : FlowTable.DST_NAT)) == 0) {
            return;
        }
        int other = dir ^ 1;
        NatRewrite.source(buffer, ip, flows.destination(flow, other),
            FlowKey.destinationPort(flows.protocol(flow), flows.ports(flow, other)), partial);
    }

    /**
     * The flow fast path's packet of flow {@code ref}: its TTL decremented and, if its direction is
     * source-translated, its source rewritten, in one pass ({@link NatRewrite#forwardSource}); the
     * same bytes as {@code decrementTtl} and {@link #translateSource}. Not for a fragment, nor a
     * TTL of 1 or less.
     */
    public void forwardAndTranslateSource(int ref, MutableDirectBuffer buffer, Ipv4View ip, boolean partial) {
        int flow = ref >>> 1;
        int dir = ref & 1;
        if ((flows.flags(flow) & (dir == FlowTable.ORIGINAL ? FlowTable.SRC_NAT : FlowTable.DST_NAT)) == 0) {
            ip.decrementTtl();
            return;
        }
        int other = dir ^ 1;
        NatRewrite.forwardSource(buffer, ip.offset(), ip.headerLength(), flows.destination(flow, other),
            FlowKey.destinationPort(flows.protocol(flow), flows.ports(flow, other)), partial);
    }

    /** The flow of an ICMP error in {@code ip} ({@link RelatedIcmp#find}): {@code ref | CT_RELATED}, or {@link FlowTable#NONE}. */
    public int related(MutableDirectBuffer buffer, Ipv4View ip, int now) {
        int ref = RelatedIcmp.find(this, buffer, ip, now);
        return ref == FlowTable.NONE ? ref : ref | CT_RELATED;
    }

    /** A RELATED ICMP error at prerouting: its quote and outer destination translated ({@link RelatedIcmp}). */
    public void translateRelatedIn(int related, MutableDirectBuffer buffer, int ip) {
        RelatedIcmp.translateIn(flows, related & ~CT_RELATED, buffer, ip);
    }

    /** A RELATED ICMP error at postrouting: its outer source translated. */
    public void translateRelatedOut(int related, MutableDirectBuffer buffer, int ip) {
        RelatedIcmp.translateOut(flows, related & ~CT_RELATED, buffer, ip);
    }

    /** A first fragment of flow {@code ref} passed: its later fragments (same src, dst, protocol, id as received) follow it. */
    public void firstFragment(int ref, int identification, int now) {
        int flow = ref >>> 1;
        int dir = ref & 1;
        fragments.put(flows.source(flow, dir), flows.destination(flow, dir), flows.protocol(flow), identification, ref, now);
    }

    /**
     * The flow of a later fragment (as received), counted, or {@link FlowTable#NONE}: its first
     * fragment was not seen (or its flow is gone).
     */
    public int laterFragment(int src, int dst, int protocol, int identification, int length, int now) {
        int ref = fragments.get(src, dst, protocol, identification, now);
        if (ref == FlowTable.NONE) {
            return ref;
        }
        int flow = ref >>> 1;
        int dir = ref & 1;
        if (!flows.alive(flow, now) || flows.protocol(flow) != protocol || flows.source(flow, dir) != src
            || flows.destination(flow, dir) != dst) {
            return FlowTable.NONE;
        }
        flows.account(flow, dir, length);
        return ref;
    }

    /** Removes a flow now (its NAT mapping released). */
    public void remove(int flow) {
        removing(flow);
        flows.remove(flow);
    }

    /** A flow is about to go (sweep, eviction, delete): what it holds is given back. */
    private void removing(int flow) {
        if (events.tap.armed) {
            events.emit(ConntrackEvents.DESTROY, flows, flow, cachedSeconds);
        }
        int mapping = flows.aux(flow);
        if (mapping >= 0) {
            mappings.release(mapping);
        }
        if ((flows.flags(flow) & MASQUERADE) != 0) {
            masqueradeFlows--;
        }
    }

    // ---- timer

    /**
     * The worker's timer: expires up to a budget of flows (a full pass over the table takes ~64
     * ticks) and flushes MASQUERADE flows whose port no longer has their address. Returns the work done.
     */
    public int onTimer(long nowNanos) {
        if (!started) {
            return 0;
        }
        int now = seconds(nowNanos);
        int work = 0;
        if (flows.size() > 0) {
            work += flows.sweep(now, sweepBudget, onRemove);
        }
        return work + watchMasquerade();
    }

    /** An address list of an interface changed: scan for MASQUERADE flows that lost theirs (budgeted per tick). */
    private int watchMasquerade() {
        boolean changed = false;
        for (int iface = 0; iface < InterfaceTable.MAX_INTERFACES; iface++) {
            Object addresses = NatAddresses.addressesOf(interfaces, iface);
            if (addresses != seenAddresses[iface]) {
                seenAddresses[iface] = addresses;
                changed = true;
            }
        }
        if (changed && masqueradeFlows > 0) {
            masqueradeCursor = 0;
        }
        if (masqueradeCursor < 0) {
            return 0;
        }
        int max = flows.maxFlows();
        int end = Math.min(max, masqueradeCursor + Math.max(sweepBudget, 16_384));
        int removed = 0;
        for (int flow = masqueradeCursor; flow < end; flow++) {
            if (flows.inUse(flow) && (flows.flags(flow) & MASQUERADE) != 0
                && !NatAddresses.stillOwned(interfaces, masqueradeInterfaceOf(flows.flags(flow)), flows.destination(flow, FlowTable.REPLY))) {
                remove(flow);
                removed++;
            }
        }
        masqueradeCursor = end == max || masqueradeFlows == 0 ? -1 : end;
        return removed;
    }

    // ---- control commands (worker thread, between batches)

    /** {@code conntrack -F}: every flow goes. Returns how many. */
    public int flush() {
        int removed = 0;
        for (int flow = flows.nextInUse(0); flow != FlowTable.NONE; flow = flows.nextInUse(flow + 1)) {
            remove(flow);
            removed++;
        }
        stats.delete += removed;
        return removed;
    }

    /**
     * {@code conntrack -L/-D}: from flow number {@code from}, the live flows that match {@code filter}
     * (at most {@code max}, looking at no more than {@link #SCAN_LIMIT} flow numbers), deleted if
     * {@code delete}. The slice's {@code next} is where to go on, -1 at the end.
     */
    public ConntrackSlice slice(ConntrackFilter filter, int from, int max, boolean delete, int now) {
        List<ConntrackEntry> entries = new ArrayList<>(Math.min(max, 512));
        int limit = flows.maxFlows();
        int end = (int) Math.min(limit, (long) from + SCAN_LIMIT);
        int flow = Math.max(0, from);
        for (; flow < end && entries.size() < max; flow++) {
            if (flows.alive(flow, now) && filter.matches(flows, flow)) {
                entries.add(entry(flow, now));
                if (delete) {
                    remove(flow);
                    stats.delete++;
                }
            }
        }
        return new ConntrackSlice(entries, flow >= limit ? -1 : flow);
    }

    /**
     * The state file's export: from flow number {@code from}, up to {@code max} live flows with
     * the seconds each has left ({@link ConntrackState}).
     */
    public ConntrackState export(int from, int max, int now) {
        int[] out = new int[Math.min(max, flows.size()) * ConntrackState.STRIDE];
        int n = 0;
        int limit = flows.maxFlows();
        int flow = Math.max(0, from);
        for (; flow < limit && n * ConntrackState.STRIDE < out.length; flow++) {
            if (flows.alive(flow, now)) {
                int at = n * ConntrackState.STRIDE;
                flows.words(flow, out, at);
                out[at + FlowTable.WORDS] = flows.expires(flow) - now;
                if (flows.protocol(flow) == NatRewrite.PROTO_UDP) { // its start, as an age: clocks differ
                    out[at + FlowTable.tcpWordAt(FlowTable.ORIGINAL, 0)] -= now;
                }
                n++;
            }
        }
        flow = flows.nextInUse(flow);
        return new ConntrackState(out, n, flow == FlowTable.NONE ? -1 : flow);
    }

    /**
     * The state file's import: each flow of {@code state} is made again, its timeout continued from
     * {@code now}; a source-NAT flow takes its outside port again (exactly: its replies are
     * addressed to it). The state file wins over what this routerd made since it started (routerd
     * forwards while it applies its configuration, and a TCP flow's next segment may have been
     * picked up by then, maybe with another outside port): a flow with one of the same tuples, or
     * holding the outside port or the inside endpoint's mapping, gives way. A flow is left out only
     * when the table is full. Returns how many were made.
     */
    public int restore(ConntrackState state, int now) {
        if (!started) {
            return 0; // nothing tracked: no NAT rule (WorkerControl.conntrackRestore starts tracking first)
        }
        int made = 0;
        int[] w = state.flows();
        for (int i = 0; i < state.count(); i++) {
            int at = i * ConntrackState.STRIDE;
            int protocol = state.protocol(i);
            for (int dir = FlowTable.ORIGINAL; dir <= FlowTable.REPLY; dir++) {
                int ref = lookup(protocol, state.source(i, dir), state.destination(i, dir), state.ports(i, dir), now);
                if (ref != FlowTable.NONE) {
                    remove(ref >>> 1);
                }
            }
            int flags = state.flags(i);
            int mapping = FlowTable.NONE;
            if ((flags & FlowTable.SRC_NAT) != 0 && FlowKey.hasPorts(protocol)) {
                int inside = state.source(i, FlowTable.ORIGINAL);
                int insidePort = FlowKey.sourcePort(state.ports(i, FlowTable.ORIGINAL));
                int external = state.destination(i, FlowTable.REPLY);
                int externalPort = FlowKey.destinationPort(protocol, state.ports(i, FlowTable.REPLY));
                mapping = mappings.acquireExact(protocol, inside, insidePort, external, externalPort);
                if (mapping == NatMappings.NONE) {
                    removeFlowsOf(mappings.lookupExternal(protocol, external, externalPort));
                    removeFlowsOf(mappings.lookupInternal(protocol, inside, insidePort, external));
                    mapping = mappings.acquireExact(protocol, inside, insidePort, external, externalPort);
                }
                if (mapping == NatMappings.NONE) {
                    continue;
                }
            }
            int flow = flows.insertWords(w, at, now + Math.max(1, state.secondsLeft(i)));
            if (flow == FlowTable.NONE) {
                if (mapping != FlowTable.NONE) {
                    mappings.release(mapping);
                }
                break;
            }
            flows.aux(flow, mapping);
            if (protocol == NatRewrite.PROTO_UDP) {
                flows.tcp(flow, FlowTable.ORIGINAL, 0, now + w[at + FlowTable.tcpWordAt(FlowTable.ORIGINAL, 0)]);
            }
            if ((flags & MASQUERADE) != 0) {
                masqueradeFlows++;
            }
            if (events.tap.armed) {
                events.emit(ConntrackEvents.NEW, flows, flow, now);
            }
            made++;
        }
        stats.insert += made;
        return made;
    }

    /** Removes every flow that uses NAT mapping {@code mapping} (a scan: the restore at start only). */
    private void removeFlowsOf(int mapping) {
        if (mapping == NatMappings.NONE) {
            return;
        }
        for (int flow = flows.nextInUse(0); flow != FlowTable.NONE; flow = flows.nextInUse(flow + 1)) {
            if (flows.aux(flow) == mapping) {
                remove(flow);
            }
        }
    }

    /** A copy of a flow as {@code conntrack -L} shows it. */
    public ConntrackEntry entry(int flow, int now) {
        return new ConntrackEntry(flows.id(flow), flows.protocol(flow), flows.state(flow), Math.max(0, flows.expires(flow) - now),
            flows.source(flow, FlowTable.ORIGINAL), flows.destination(flow, FlowTable.ORIGINAL), flows.ports(flow, FlowTable.ORIGINAL),
            flows.source(flow, FlowTable.REPLY), flows.destination(flow, FlowTable.REPLY), flows.ports(flow, FlowTable.REPLY),
            flows.flags(flow), flows.packets(flow, FlowTable.ORIGINAL), flows.bytes(flow, FlowTable.ORIGINAL),
            flows.packets(flow, FlowTable.REPLY), flows.bytes(flow, FlowTable.REPLY));
    }

    /** {@code conntrack -S}: this worker's statistics now. */
    public ConntrackStats statistics() {
        return new ConntrackStats(flows.size(), maxFlows, stats.searched, stats.found, stats.created, stats.invalid,
            stats.ignore, stats.delete, stats.insert, stats.insertFailed, stats.drop, stats.earlyDrop, stats.error);
    }

    /**
     * {@code conntrack max}: moves every live flow into {@code table} (new, empty, made by the
     * control thread) and keeps it. Fails, changing nothing, if they do not fit.
     */
    public void resize(FlowTable table, int now) {
        if (!started) {
            throw new IllegalStateException("connection tracking has not started: set its size with maxFlows");
        }
        if (table.size() != 0) {
            throw new IllegalArgumentException("a conntrack table to move into must be empty");
        }
        int live = 0;
        for (int flow = flows.nextInUse(0); flow != FlowTable.NONE; flow = flows.nextInUse(flow + 1)) {
            if (flows.alive(flow, now)) {
                live++;
            }
        }
        if (live > table.maxFlows()) {
            throw new IllegalStateException("conntrack max " + table.maxFlows() + ": the table holds " + live + " flows");
        }
        for (int flow = flows.nextInUse(0); flow != FlowTable.NONE; flow = flows.nextInUse(flow + 1)) {
            if (flows.alive(flow, now)) {
                table.copyOf(flows, flow);
            } else {
                removing(flow); // dead: not moved, its mapping goes
            }
        }
        flows = table;
        maxFlows = table.maxFlows();
        sweepBudget = budget(table.maxFlows());
        masqueradeCursor = masqueradeFlows > 0 ? 0 : -1;
    }
}
