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
 * The flow fast path's memory, one per worker (its single writer and reader): for a tracked flow
 * and direction ({@code Packet.ctFlow}), the forwarding decision its last packet through the whole
 * graph got (next hop, egress interface and MTU, neighbour entry), as Linux's flowtable keeps a
 * flow's route. The conntrack prerouting stage asks it ({@link #take}) right after the flow was
 * found and tracked; a packet it takes skips the route lookup, forward, the postrouting hook,
 * the adjacency and MTU stages: conntrack does the TTL, the translation and the Ethernet header
 * itself ({@code conntrack.ConntrackPrerouting}), and the packet goes on to transmit (through the
 * offload output stage if it has offload state, as the MTU stage sends it).
 *
 * <p>A decision is remembered ({@link #remember}, by the adjacency stage) only for a forwarded
 * packet of a tracked flow, with a usable (REACHABLE or PERMANENT)
 * neighbour, together with the {@link ForwardingVersion} read before its route lookup
 * ({@link #routing}); it is used only while that version is still current, the flow is the same
 * (its conntrack id), the neighbour entry still holds the same neighbour in a usable state, and the
 * packet is one the graph would send the same way: TTL above 1, not a fragment, not a link-layer
 * broadcast, within the MTU (a GSO super-packet: its segments), not traced. Anything else goes the whole way (and
 * remembers again). The result is the same frame the graph would write, byte for byte
 * ({@code FlowFastPathTest} compares both).
 *
 * <p>Direct-mapped, {@link #SIZE} entries by flow reference: a bounded table (no host can grow
 * it), two flows in one entry only take turns at the fast path. An entry's words sit side by side
 * (with many flows, a packet touches one line of them, not one per field). No allocation after
 * construction.
 * Counter: event flow_fast_path (added once per batch).
 */
public final class FlowRoutes {
    /** Entries (a power of two): a flow's two directions sit side by side. */
    static final int SIZE = 4096;
    private static final int MASK = SIZE - 1;

    private final NeighbourTable neighbours;
    private final InterfaceTable interfaces;
    private final ConntrackTable conntrack;
    private final UnsafeBuffer buffer;

    // an entry's words, side by side (one cache line holds two entries)
    private static final int REF = 0;
    private static final int FLOW_ID = 1;
    private static final int VERSION = 2;
    private static final int NEXT_HOP = 3;
    private static final int EGRESS_INTERFACE = 4;
    private static final int NEIGHBOUR_ADDRESS = 5;
    private static final int NEIGHBOUR = 6;
    private static final int MTU = 7;
    private static final int STRIDE = 8;

    private final int[] entries = new int[SIZE * STRIDE];
    private final Interface[] egress = new Interface[SIZE];

    /** The version read before the current packet's route lookup. */
    private int lookupVersion;
    /** The neighbour entry of the packet {@link #take} took last, for {@link #finish}. */
    private int taken;
    /** Packets taken since the counter was last added to ({@link #publish}: once per batch). */
    private int uncounted;
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
            entries[e * STRIDE + REF] = -1;
        }
    }

    void transmit(Stage offloadOutputStage, Stage transmit) {
        this.offloadOutput = offloadOutputStage;
        this.transmitStage = transmit;
    }

    /**
     * Where a packet {@link #take} took goes on, as the MTU stage sends it: with offload state
     * (a super-packet, a partial checksum) to the offload output stage ...
     */
    public Stage offloadOutput() {
        return offloadOutput;
    }

    /** ... else straight to transmit. */
    public Stage transmitStage() {
        return transmitStage;
    }

    /** Turns the fast path on or off (off: every packet goes the whole way). */
    public void enabled(boolean on) {
        this.enabled = on;
    }

    /** The route lookup stage is about to decide for the current packet: the version its decision belongs to. */
    void routing() {
        lookupVersion = ForwardingVersion.current();
    }

    /**
     * The adjacency stage found the packet's neighbour usable (entry {@code entry} in
     * {@code state}): the decision is remembered for the packet's flow and direction if the fast
     * path may repeat it.
     */
    void remember(Packet packet, int entry, int state) {
        int flowRef = packet.ctFlow;
        if (!enabled || flowRef < 0 || (flowRef & ConntrackTable.CT_RELATED) != 0 || packet.localOrigin
            || packet.nextHop < 0
            || (state != NeighbourState.REACHABLE && state != NeighbourState.PERMANENT)) {
            return;
        }
        Interface out = interfaces.get(packet.egressInterface);
        if (out == null) {
            return;
        }
        int e = flowRef & MASK;
        int at = e * STRIDE;
        int[] entries = this.entries;
        entries[at + REF] = flowRef;
        entries[at + FLOW_ID] = conntrack.flows().id(flowRef >>> 1);
        entries[at + VERSION] = lookupVersion;
        entries[at + NEXT_HOP] = packet.nextHop;
        entries[at + EGRESS_INTERFACE] = packet.egressInterface;
        entries[at + NEIGHBOUR_ADDRESS] = packet.neighbourAddress;
        entries[at + NEIGHBOUR] = entry;
        entries[at + MTU] = out.mtu();
        egress[e] = out;
    }

    /**
     * If the packet of flow {@code flowRef} (found and tracked at prerouting, not related; its
     * conntrack id {@code flowIdNow}) may take
     * the fast path: sets its route (next hop, egress interface, neighbour) and returns true;
     * changes nothing of the frame. The caller then decrements the TTL, translates the source and
     * calls {@link #finish}.
     */
    public boolean take(Packet packet, int flowRef, int flowIdNow) {
        if (!enabled || packet.trace >= 0 || packet.linkBroadcast) {
            return false;
        }
        int e = flowRef & MASK;
        int at = e * STRIDE;
        int[] entries = this.entries;
        if (entries[at + REF] != flowRef || entries[at + VERSION] != ForwardingVersion.current()
            || entries[at + FLOW_ID] != flowIdNow) {
            return false;
        }
        Ipv4View ip = packet.ip;
        Offload offload = packet.offload;
        int length = offload.isGso() ? offload.segmentIpLength() : packet.frameLength - EthernetView.HEADER_LENGTH;
        if (ip.ttl() <= 1 || ip.isFragment() || length > entries[at + MTU]) {
            return false; // time exceeded, a fragment's datagram, fragmentation or Frag Needed: the whole way
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
        packet.egressPort = -1;
        packet.egress = egress[e];
        taken = entry;
        return true;
    }

    /** The packet {@link #take} took gets its neighbour's Ethernet header (as the adjacency stage writes it). */
    public void finish(Packet packet) {
        neighbours.touch(taken);
        AdjacencyStage.writeHeader(buffer, packet.frameOffset, neighbours, taken);
        uncounted++;
    }

    /** Adds the packets taken since the last call to event flow_fast_path (the context calls it with each batch's transmit). */
    void publish(DataplaneCounters counters) {
        if (uncounted > 0) {
            counters.event(Event.FLOW_FAST_PATH, uncounted);
            uncounted = 0;
        }
    }
}
