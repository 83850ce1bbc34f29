package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.l2.Fdb;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.MacAddress;

/**
 * A learning bridge (no VLANs yet: every frame is in VLAN 0 of the FDB). Input: a frame (Ethernet
 * view wrapped) received on a member port of an up bridge ({@code ingressInterface} is the
 * bridge). First the source MAC is learned on the ingress port (events fdb_learned, fdb_moved;
 * not learned: fdb_not_learned_full, fdb_not_learned_port_limit, fdb_static_conflict). Then by
 * destination:
 * <ul>
 *   <li>the bridge's own MAC: up to the router ({@link EthernetInputStage#input} on the bridge);</li>
 *   <li>broadcast or multicast: flooded to the other member ports that are up (the same slot
 *       written to each, no copy; written before the router looks at it, since the router may
 *       answer in place) and up to the router, which gives the frame its disposition; IEEE
 *       link-local groups (01:80:c2:00:00:0x: STP, LACP, LLDP...) are not flooded, as a Linux bridge;</li>
 *   <li>a unicast MAC the FDB has on another member port: to that port (forwarded);</li>
 *   <li>a unicast MAC on the ingress port itself: dropped (filtered);</li>
 *   <li>an unknown unicast MAC: flooded to the other member ports (counted once: forwarded if any
 *       copy went out).</li>
 * </ul>
 * Next: {@link TransmitStage}, the router's input ({@link ArpInputStage}, {@link Ipv4InputStage}...),
 * or nothing (flooded). Counters: the ingress port's flooded, forwarded, filtered; drops
 * bridge_bad_source, bridge_filtered, bridge_no_port, port_down (the bridge's FDB not there: a
 * bridge being made or removed).
 */
public final class BridgeInputStage implements Stage {
    private static final long LINK_LOCAL_GROUP = 0x0180_C200_0000L;

    private final ForwardingContext context;
    private final EthernetInputStage ethernetInput;
    private final int shard;
    private final Stage transmit;
    private final Stage badSource;
    private final Stage filtered;
    private final Stage noPort;
    private final Stage portDown;

    public BridgeInputStage(ForwardingContext context, ForwardingGraph graph, EthernetInputStage ethernetInput) {
        this.context = context;
        this.ethernetInput = ethernetInput;
        this.shard = context.counters.shard();
        this.transmit = graph.transmit();
        this.badSource = graph.drop(DropReason.BRIDGE_BAD_SOURCE);
        this.filtered = graph.drop(DropReason.BRIDGE_FILTERED);
        this.noPort = graph.drop(DropReason.BRIDGE_NO_PORT);
        this.portDown = graph.drop(DropReason.PORT_DOWN);
    }

    @Override
    public Stage process(Packet packet) {
        Interface bridge = context.interfaces.get(packet.ingressInterface);
        Fdb fdb = bridge == null ? null : context.fdbs.get(bridge.index());
        Port in = context.ports.get(packet.ingressPort);
        if (fdb == null || in == null) {
            return portDown;
        }
        EthernetView ethernet = packet.ethernet;
        long source = ethernet.source();
        if (source == 0 || MacAddress.isMulticast(source)) {
            return badSource;
        }
        int ingress = packet.ingressPort;
        int learned = fdb.learn(0, source, ingress, context.nowNanos / 1_000_000);
        learn(learned);
        context.fdbs.learned(learned, bridge.index(), 0, source, ingress); // monitor fdb: one branch unless armed
        PortCounters.Bridge counters = in.counters().bridge(shard);
        long destination = ethernet.destination();
        if (destination == bridge.mac()) {
            return ethernetInput.input(packet, bridge);
        }
        if (MacAddress.isMulticast(destination)) {
            if ((destination & ~0xFL) != LINK_LOCAL_GROUP && context.flood(packet, bridge, ingress, false) > 0) {
                count(counters, 0);
                context.flushTransmit(); // the copies are out before the router may rewrite the slot
            }
            return ethernetInput.input(packet, bridge);
        }
        int port = context.bridgePort(bridge, destination);
        if (port == ingress) {
            count(counters, 2);
            return filtered;
        }
        if (port >= 0) {
            count(counters, 1);
            packet.egressInterface = bridge.index();
            packet.egressPort = port;
            return transmit;
        }
        if (context.flood(packet, bridge, ingress, true) == 0) {
            return noPort;
        }
        count(counters, 0);
        return null;
    }

    private void learn(int result) {
        switch (result) {
            case Fdb.LEARNED -> context.event(Event.FDB_LEARNED);
            case Fdb.MOVED -> context.event(Event.FDB_MOVED);
            case Fdb.FULL -> context.event(Event.FDB_FULL);
            case Fdb.PORT_LIMIT -> context.event(Event.FDB_PORT_LIMIT);
            case Fdb.STATIC_CONFLICT -> context.event(Event.FDB_STATIC_CONFLICT);
            default -> { } // KNOWN: refreshed
        }
    }

    /** 0 flooded, 1 forwarded, 2 filtered (null: the port has no bridge counters, which a member always has). */
    private static void count(PortCounters.Bridge counters, int which) {
        if (counters != null) {
            (which == 0 ? counters.flooded : which == 1 ? counters.forwarded : counters.filtered).incrementRelease();
        }
    }
}
