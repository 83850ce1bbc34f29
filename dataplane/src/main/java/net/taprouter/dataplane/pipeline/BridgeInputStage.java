package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.l2.Fdb;
import net.taprouter.dataplane.l2.PortVlans;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.MacAddress;

/**
 * A learning bridge. Input: a frame (Ethernet view wrapped) received on a member port of an up
 * bridge ({@code ingressInterface} is the bridge).
 *
 * <p>VLANs: a bridge without VLAN filtering puts every frame in VLAN 0 of its FDB and bridges
 * tagged frames as they are. A VLAN-filtering bridge ({@code vlan_filtering 1}) first classifies
 * the frame by its ingress port's {@link PortVlans}: untagged and priority-tagged frames take the
 * port's pvid (none: drop vlan_no_pvid); a tagged frame is admitted only if the port is a member of
 * its VLAN (else drop vlan_ingress_filtered); the tag is popped in place ({@link Packet#vlan} holds
 * the VLAN; transmit pushes it back for ports that send the VLAN tagged). The router's interface in
 * that VLAN is the bridge itself for its pvid ({@link Interface#txVlan()}), else the bridge's VLAN
 * sub-interface of that id, else none.
 *
 * <p>Then the source MAC is learned on (VLAN, ingress port) (events fdb_learned, fdb_moved; not
 * learned: fdb_not_learned_full, fdb_not_learned_port_limit, fdb_static_conflict), and by destination:
 * <ul>
 *   <li>the MAC of the router's interface in the VLAN: up to it ({@link EthernetInputStage#input});
 *       the bridge's MAC in a VLAN the router has no interface in: drop vlan_no_interface;</li>
 *   <li>broadcast or multicast: flooded to the other member ports (of the VLAN) that are up (the
 *       same slot written to each, no copy; written before the router looks at it, since the
 *       router may answer in place) and up to the router's interface in the VLAN, which gives the
 *       frame its disposition (no such interface: the flood is the disposition); IEEE link-local
 *       groups (01:80:c2:00:00:0x: STP, LACP, LLDP...) are not flooded, as a Linux bridge;</li>
 *   <li>a unicast MAC the FDB has (in the VLAN) on another member port: to that port (forwarded);</li>
 *   <li>a unicast MAC on the ingress port itself: dropped (filtered);</li>
 *   <li>an unknown unicast MAC: flooded to the other member ports (of the VLAN) (counted once:
 *       forwarded if any copy went out).</li>
 * </ul>
 * Next: {@link TransmitStage}, the router's input ({@link ArpInputStage}, {@link Ipv4InputStage}...),
 * or nothing (flooded). Counters: the ingress port's flooded, forwarded, filtered; drops
 * bridge_bad_source, bridge_filtered, bridge_no_port, frame_too_short (a tag cut short),
 * vlan_no_pvid, vlan_ingress_filtered, vlan_no_interface, port_down (the bridge's FDB not there: a
 * bridge being made or removed).
 */
public final class BridgeInputStage extends Stage {
    private static final long LINK_LOCAL_GROUP = 0x0180_C200_0000L;

    private final ForwardingContext context;
    private final EthernetInputStage ethernetInput;
    private final int shard;
    private final Stage transmit;
    private final Stage badSource;
    private final Stage filtered;
    private final Stage noPort;
    private final Stage portDown;
    private final Stage tooShort;
    private final Stage noPvid;
    private final Stage ingressFiltered;
    private final Stage noInterface;

    public BridgeInputStage(ForwardingContext context, ForwardingGraph graph, EthernetInputStage ethernetInput) {
        this.context = context;
        this.ethernetInput = ethernetInput;
        this.shard = context.counters.shard();
        this.transmit = graph.transmit();
        this.badSource = graph.drop(DropReason.BRIDGE_BAD_SOURCE);
        this.filtered = graph.drop(DropReason.BRIDGE_FILTERED);
        this.noPort = graph.drop(DropReason.BRIDGE_NO_PORT);
        this.portDown = graph.drop(DropReason.PORT_DOWN);
        this.tooShort = graph.drop(DropReason.FRAME_TOO_SHORT);
        this.noPvid = graph.drop(DropReason.VLAN_NO_PVID);
        this.ingressFiltered = graph.drop(DropReason.VLAN_INGRESS_FILTERED);
        this.noInterface = graph.drop(DropReason.VLAN_NO_INTERFACE);
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
        int vlan = 0;
        Interface l3 = bridge;
        if (bridge.vlanFiltering()) {
            PortVlans vlans = in.vlans();
            if (ethernet.etherType() == EthernetView.ETHERTYPE_VLAN) {
                int vid = ethernetInput.popTag(packet);
                if (vid < 0) {
                    return tooShort;
                }
                if (vid != 0 && !vlans.isMember(vid)) {
                    return ingressFiltered;
                }
                vlan = vid;
            }
            if (vlan == 0) {
                vlan = vlans.pvid();
                if (vlan == 0) {
                    return noPvid;
                }
            }
            packet.vlan = vlan;
            l3 = vlan == bridge.txVlan() ? bridge : bridge.vlanUpper(vlan);
            if (l3 != null && !l3.isUp()) {
                l3 = null;
            }
        }
        int ingress = packet.ingressPort;
        int learned = fdb.learn(vlan, source, ingress, context.nowNanos / 1_000_000);
        learn(learned);
        if ((learned == Fdb.LEARNED || learned == Fdb.MOVED) && context.peers.active) {
            context.peers.fdb(bridge.index(), vlan, source, ingress); // the other workers' replicas learn it too
        }
        context.fdbs.learned(learned, bridge.index(), vlan, source, ingress); // monitor fdb: one branch unless armed
        PortCounters.Bridge counters = in.counters().bridge(shard);
        long destination = ethernet.destination();
        if (destination == bridge.mac() || l3 != null && destination == l3.mac()) {
            if (l3 == null) {
                return noInterface;
            }
            packet.ingressInterface = l3.index();
            return ethernetInput.input(packet, l3);
        }
        if (MacAddress.isMulticast(destination)) {
            boolean linkLocal = (destination & ~0xFL) == LINK_LOCAL_GROUP;
            if (l3 == null) { // no router interface in this VLAN: the flood is the frame's end
                if (linkLocal) {
                    return noInterface;
                }
                if (context.flood(packet, bridge, vlan, ingress, true) == 0) {
                    return noPort;
                }
                count(counters, 0);
                return null;
            }
            if (!linkLocal && context.flood(packet, bridge, vlan, ingress, false) > 0) {
                count(counters, 0);
                context.flushTransmit(); // the copies are out before the router may rewrite the slot
            }
            packet.ingressInterface = l3.index();
            return ethernetInput.input(packet, l3);
        }
        int port = context.bridgePort(bridge, vlan, destination);
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
        if (context.flood(packet, bridge, vlan, ingress, true) == 0) {
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
