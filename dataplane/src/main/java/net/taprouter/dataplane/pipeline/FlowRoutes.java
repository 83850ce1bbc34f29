package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.conntrack.ConntrackTable;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.neigh.NeighbourState;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.table.ForwardingVersion;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.Ipv4View;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The fast paths' memory, one per worker (its single writer and reader): the forwarding decision
 * (next hop, egress interface and MTU, neighbour entry) the last packet through the whole graph
 * got, kept in two direct-mapped tables, as Linux's flowtable keeps a flow's route:
 * <ul>
 *   <li><b>flow fast path</b>, per tracked flow and direction ({@code Packet.ctFlow}): the
 *       conntrack prerouting stage asks it ({@link #take}) right after the flow was found and
 *       tracked, then does the TTL, the translation and the Ethernet header itself
 *       ({@code conntrack.ConntrackPrerouting});</li>
 *   <li><b>route fast path</b>, per destination address, for packets connection tracking does not
 *       see (no NAT rule: conntrack dormant) while the postrouting hook runs no stage: the route
 *       lookup stage asks it ({@link #takeRoute}) first and does the TTL and the header
 *       ({@link #finishRoute}).</li>
 * </ul>
 * A packet that takes either skips the route lookup, forward, the postrouting hook, the adjacency and
 * MTU stages, and goes on to transmit (through the offload output stage if it has offload state,
 * as the MTU stage sends it).
 *
 * <p>A decision is remembered ({@link #remember}, by the adjacency stage) only for a received,
 * forwarded packet with a usable (REACHABLE or PERMANENT) neighbour, together with the
 * {@link ForwardingVersion} read before its route lookup ({@link #routing}); it is used only while
 * that version is still current, the key is the same (the flow and its conntrack id; the
 * destination), the neighbour entry still holds the same neighbour in a usable state, and the
 * packet is one the graph would send the same way: TTL above 1, not a link-layer broadcast, within
 * the MTU (a GSO super-packet: its segments), not traced, and for a flow not a fragment (its
 * datagram's other fragments are conntrack's). Anything else goes the whole way (and remembers
 * again). The result is the same frame the graph would write, byte for byte
 * ({@code FlowFastPathTest} and {@code RouteFastPathTest} compare both).
 *
 * <p>{@link #SIZE} entries per table: bounded (no host can grow them); two keys in one entry only
 * take turns at the fast path; a table that mostly misses rests for a while ({@link FastPathRest}).
 * An entry's words sit side by side (with many flows, a packet touches one line of them, not one
 * per field). No allocation after construction. Counters: events flow_fast_path and
 * route_fast_path (added once per batch).
 */
public final class FlowRoutes {
    /** Entries per table (a power of two): a flow's two directions sit side by side. */
    static final int SIZE = 4096;
    private static final int MASK = SIZE - 1;
    private static final int SIZE_BITS = Integer.numberOfTrailingZeros(SIZE);

    private final NeighbourTable neighbours;
    private final InterfaceTable interfaces;
    private final ConntrackTable conntrack;
    private final UnsafeBuffer buffer;

    // an entry's words, side by side (one cache line holds two entries)
    /** The key: a flow reference, or a destination address. */
    private static final int KEY = 0;
    /** A flow's conntrack id; in the route table 1 once the entry was filled. */
    private static final int FLOW_ID = 1;
    private static final int VERSION = 2;
    private static final int NEXT_HOP = 3;
    private static final int EGRESS_INTERFACE = 4;
    private static final int NEIGHBOUR_ADDRESS = 5;
    private static final int NEIGHBOUR = 6;
    /** The egress interface's MTU (low {@value #MTU_BITS} bits) and, above, its {@link #directPort} + 1. */
    private static final int MTU_PORT = 7;
    private static final int STRIDE = 8;
    private static final int MTU_BITS = 17;
    private static final int MTU_MASK = (1 << MTU_BITS) - 1;

    private final int[] flows = new int[SIZE * STRIDE];
    private final Interface[] flowEgress = new Interface[SIZE];
    private final int[] routes = new int[SIZE * STRIDE];
    private final Interface[] routeEgress = new Interface[SIZE];

    /** Each table rests when it stops paying ({@link FastPathRest}). */
    private final FastPathRest flowRest = new FastPathRest();
    private final FastPathRest routeRest = new FastPathRest();

    /** The version read before the current packet's route lookup. */
    private int lookupVersion;
    /** The neighbour entry of the packet {@link #take} or {@link #takeRoute} took last, for the finish. */
    private int taken;
    /** Packets taken since the counters were last added to ({@link #publish}: once per batch). */
    private int uncountedFlows;
    private int uncountedRoutes;
    private Stage transmitStage;
    private Stage offloadOutput;
    /** False: nothing is remembered or taken (the hooks run other stages than conntrack's, or a test turned it off). */
    private boolean enabled = true;

    FlowRoutes(NeighbourTable neighbours, InterfaceTable interfaces, ConntrackTable conntrack, UnsafeBuffer buffer) {
        this.neighbours = neighbours;
        this.interfaces = interfaces;
        this.conntrack = conntrack;
        this.buffer = buffer;
        for (int e = 0; e < SIZE; e++) {
            flows[e * STRIDE + KEY] = -1;
        }
    }

    void transmit(Stage offloadOutputStage, Stage transmit) {
        this.offloadOutput = offloadOutputStage;
        this.transmitStage = transmit;
    }

    /**
     * Where a packet {@link #take} took goes on, as the MTU stage sends it: with offload state
     * (a super-packet, a partial checksum) to the offload output stage, else straight to transmit.
     */
    public Stage offloadOutput() {
        return offloadOutput;
    }

    /** Turns both fast paths on or off (off: every packet goes the whole way). */
    public void enabled(boolean on) {
        this.enabled = on;
    }

    /** The route lookup stage is about to decide for the current packet: the version its decision belongs to. */
    void routing() {
        lookupVersion = ForwardingVersion.current();
    }

    /** The route table's entry for a destination address. */
    static int routeEntry(int destination) {
        return (destination * 0x9E37_79B9) >>> (32 - SIZE_BITS);
    }

    /**
     * The adjacency stage found the packet's neighbour usable (entry {@code entry} in
     * {@code state}): the decision is remembered for the packet's flow and direction, or for an
     * untracked packet its destination, if a fast path may repeat it.
     */
    void remember(Packet packet, int entry, int state) {
        if (!enabled || packet.localOrigin || packet.nextHop < 0
            || (state != NeighbourState.REACHABLE && state != NeighbourState.PERMANENT)) {
            return;
        }
        Interface out = interfaces.get(packet.egressInterface);
        if (out == null) {
            return;
        }
        int flowRef = packet.ctFlow;
        if (flowRef < 0) {
            if (routeRest.resting()) {
                return;
            }
            int destination = packet.ip.destination();
            int e = routeEntry(destination);
            fill(routes, e, destination, 1, packet, entry, out);
            routeEgress[e] = out;
        } else if ((flowRef & ConntrackTable.CT_RELATED) == 0 && !flowRest.resting()) {
            int e = flowRef & MASK;
            fill(flows, e, flowRef, conntrack.flows().id(flowRef >>> 1), packet, entry, out);
            flowEgress[e] = out;
        }
    }

    private void fill(int[] entries, int e, int key, int id, Packet packet, int entry, Interface out) {
        int at = e * STRIDE;
        entries[at + KEY] = key;
        entries[at + FLOW_ID] = id;
        entries[at + VERSION] = lookupVersion;
        entries[at + NEXT_HOP] = packet.nextHop;
        entries[at + EGRESS_INTERFACE] = packet.egressInterface;
        entries[at + NEIGHBOUR_ADDRESS] = packet.neighbourAddress;
        entries[at + NEIGHBOUR] = entry;
        entries[at + MTU_PORT] = Math.min(out.mtu(), MTU_MASK) | (directPort(out) + 1) << MTU_BITS;
    }

    /**
     * The port a plain PORT interface's frames leave by, untagged (a transmit needs nothing of
     * the interface but it); -1 for a VLAN interface (tagged) or a bridge (its FDB decides).
     */
    static int directPort(Interface out) {
        net.taprouter.dataplane.port.Port port = out.port();
        return port == null || out.isVlan() || out.isBridge() ? -1 : port.index();
    }

    /**
     * If the packet of flow {@code flowRef} (found and tracked at prerouting, not related; its
     * conntrack id {@code flowIdNow}) may take the flow fast path: sets its route (next hop, egress
     * interface, neighbour) and returns true; changes nothing of the frame. The caller then
     * decrements the TTL, translates the source and calls {@link #finish}.
     */
    public boolean take(Packet packet, int flowRef, int flowIdNow) {
        if (!enabled || packet.trace >= 0 || packet.linkBroadcast || flowRest.skip()) {
            return false;
        }
        int e = flowRef & MASK;
        int at = e * STRIDE;
        int[] entries = flows;
        int key = entries[at + KEY];
        if (key != flowRef) {
            if (key != -1) {
                flowRest.displaced(); // another flow's decision holds the entry
            }
            return false;
        }
        // a fragment: its datagram's other fragments are conntrack's, the whole way
        boolean taken = entries[at + VERSION] == ForwardingVersion.current() && entries[at + FLOW_ID] == flowIdNow
            && !packet.ip.isFragment() && take(packet, entries, at, flowEgress[e]);
        if (taken) {
            flowRest.taken();
        }
        return taken;
    }

    /**
     * If the untracked packet to {@code destination} may take the route fast path (the caller,
     * the route lookup stage, checked that the postrouting hook runs no stage): sets its route and
     * returns true; changes nothing of the frame. The caller then calls {@link #finishRoute}.
     *
     * <p>Traffic to more destinations than the table holds (a scan, a random-destination flood)
     * makes it rest for a while ({@link FastPathRest}), as many more flows than entries do the
     * flow fast path.
     */
    boolean takeRoute(Packet packet, int destination) {
        if (!enabled || packet.trace >= 0 || packet.linkBroadcast || packet.ctFlow >= 0 || routeRest.skip()) {
            return false;
        }
        int e = routeEntry(destination);
        int at = e * STRIDE;
        int[] entries = routes;
        if (entries[at + FLOW_ID] == 0) {
            return false; // never filled
        }
        if (entries[at + KEY] != destination) {
            routeRest.displaced(); // another destination's decision holds the entry
            return false;
        }
        boolean taken = entries[at + VERSION] == ForwardingVersion.current() && take(packet, entries, at, routeEgress[e]);
        if (taken) {
            routeRest.taken();
        }
        return taken;
    }

    /** True while the route fast path rests. */
    boolean routeResting() {
        return routeRest.resting();
    }

    /** True while the flow fast path rests. */
    boolean flowResting() {
        return flowRest.resting();
    }

    /** The checks and the route both fast paths share. */
    private boolean take(Packet packet, int[] entries, int at, Interface out) {
        Offload offload = packet.offload;
        int length = offload.isGso() ? offload.segmentIpLength() : packet.frameLength - EthernetView.HEADER_LENGTH;
        int mtuPort = entries[at + MTU_PORT];
        if (packet.ip.ttl() <= 1 || length > (mtuPort & MTU_MASK)) {
            return false; // time exceeded, fragmentation or Frag Needed: the whole way
        }
        int entry = entries[at + NEIGHBOUR];
        int egressInterface = entries[at + EGRESS_INTERFACE];
        int neighbourAddress = entries[at + NEIGHBOUR_ADDRESS];
        if (!neighbours.holds(entry, egressInterface, neighbourAddress)) {
            return false;
        }
        int state = neighbours.state(entry);
        if (state != NeighbourState.REACHABLE && state != NeighbourState.PERMANENT) {
            return false; // STALE: the whole way, where the adjacency stage probes it
        }
        packet.nextHop = entries[at + NEXT_HOP];
        packet.egressInterface = egressInterface;
        packet.neighbourAddress = neighbourAddress;
        packet.egressPort = (mtuPort >>> MTU_BITS) - 1; // a plain port's: transmit goes straight to it
        packet.egress = out;
        taken = entry;
        return true;
    }

    /** The packet {@link #take} took gets its neighbour's Ethernet header (as the adjacency stage writes it). */
    public void finish(Packet packet) {
        writeHeader(packet);
        uncountedFlows++;
    }

    /**
     * The packet {@link #takeRoute} took gets what forward and the adjacency would do to it: the TTL
     * decremented, its neighbour's Ethernet header. Returns where it goes on (transmit, through
     * the offload output stage if it has offload state).
     */
    Stage finishRoute(Packet packet) {
        packet.ip.decrementTtl();
        writeHeader(packet);
        uncountedRoutes++;
        return packet.offload.any() ? offloadOutput : transmitStage;
    }

    private void writeHeader(Packet packet) {
        neighbours.touch(taken);
        AdjacencyStage.writeHeader(buffer, packet.frameOffset, neighbours, taken);
    }

    /**
     * Adds the packets taken since the last call to events flow_fast_path and route_fast_path (the
     * context calls it with each batch's transmit).
     */
    void publish(DataplaneCounters counters) {
        if (uncountedFlows > 0) {
            counters.event(Event.FLOW_FAST_PATH, uncountedFlows);
            uncountedFlows = 0;
        }
        if (uncountedRoutes > 0) {
            counters.event(Event.ROUTE_FAST_PATH, uncountedRoutes);
            uncountedRoutes = 0;
        }
    }
}
