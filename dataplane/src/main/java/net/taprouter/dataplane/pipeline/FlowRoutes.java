package net.taprouter.dataplane.pipeline;

import java.util.Arrays;
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
 * it), two flows in one entry only take turns at the fast path. No allocation after construction.
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

    private final int[] ref = new int[SIZE];
    private final int[] flowId = new int[SIZE];
    private final int[] version = new int[SIZE];
    private final int[] nextHop = new int[SIZE];
    private final int[] egressInterface = new int[SIZE];
    private final int[] neighbourAddress = new int[SIZE];
    private final int[] neighbour = new int[SIZE];
    private final int[] mtu = new int[SIZE];
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
        Arrays.fill(ref, -1);
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
        ref[e] = flowRef;
        flowId[e] = conntrack.flows().id(flowRef >>> 1);
        version[e] = lookupVersion;
        nextHop[e] = packet.nextHop;
        egressInterface[e] = packet.egressInterface;
        neighbourAddress[e] = packet.neighbourAddress;
        neighbour[e] = entry;
        mtu[e] = out.mtu();
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
        if (ref[e] != flowRef || version[e] != ForwardingVersion.current() || flowId[e] != flowIdNow) {
            return false;
        }
        Ipv4View ip = packet.ip;
        Offload offload = packet.offload;
        int length = offload.isGso() ? offload.segmentIpLength() : packet.frameLength - EthernetView.HEADER_LENGTH;
        if (ip.ttl() <= 1 || ip.isFragment() || length > mtu[e]) {
            return false; // time exceeded, a fragment's datagram, fragmentation or Frag Needed: the whole way
        }
        int entry = neighbour[e];
        if (!neighbours.holds(entry, egressInterface[e], neighbourAddress[e])) {
            return false;
        }
        int state = neighbours.state(entry);
        if (state != NeighbourState.REACHABLE && state != NeighbourState.PERMANENT) {
            return false; // STALE: the whole way, where the adjacency stage probes it
        }
        packet.nextHop = nextHop[e];
        packet.egressInterface = egressInterface[e];
        packet.neighbourAddress = neighbourAddress[e];
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
