package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.MacAddress;
import net.taprouter.dataplane.wire.VlanView;

/**
 * Entry of the graph. Input: a received frame on an L2 port. Sets the ingress interface (the
 * port's {@link Port#upper()}); a bridge port's frame goes to {@link BridgeInputStage}. On an
 * interface ({@link #input}, also for what a bridge passes up): accepts frames to the interface's
 * MAC and broadcast/multicast (marking those {@code linkBroadcast}); dispatches on EtherType.
 * An 802.1Q-tagged frame on a port of its own (not a bridge port): its tag is popped in place
 * ({@link #popTag}) and it goes to the port interface's VLAN sub-interface of its VLAN id
 * ({@link Packet#vlan} set; the sub-interface becomes the ingress interface); a priority tag (VLAN
 * 0) is popped and the frame is the port's own; a VLAN without a sub-interface: drop
 * vlan_no_interface. Untagged frames stay the port interface's.
 * Next: {@link BridgeInputStage}, {@link ArpInputStage}, {@link Ipv4InputStage}. Drops: port_down
 * (the port or its interface down), frame_too_short, vlan_no_interface, ether_not_for_us,
 * ipv6_not_routed, ether_unknown_type.
 */
public final class EthernetInputStage extends Stage {
    private final ForwardingContext context;
    private Stage arpInput;
    private Ipv4InputStage ipv4Input;
    private Stage bridgeInput;
    private final Stage portDown;
    private final Stage tooShort;
    private final Stage notForUs;
    private final Stage unknownType;
    private final Stage ipv6;
    private final Stage noVlanInterface;
    private final VlanView vlan = new VlanView();

    public EthernetInputStage(ForwardingContext context, ForwardingGraph graph) {
        this.context = context;
        this.portDown = graph.drop(DropReason.PORT_DOWN);
        this.tooShort = graph.drop(DropReason.FRAME_TOO_SHORT);
        this.notForUs = graph.drop(DropReason.ETHER_NOT_FOR_US);
        this.unknownType = graph.drop(DropReason.ETHER_UNKNOWN_TYPE);
        this.ipv6 = graph.drop(DropReason.IPV6_NOT_ROUTED);
        this.noVlanInterface = graph.drop(DropReason.VLAN_NO_INTERFACE);
    }

    void next(Stage arp, Ipv4InputStage ipv4, Stage bridge) {
        this.arpInput = arp;
        this.ipv4Input = ipv4;
        this.bridgeInput = bridge;
    }

    @Override
    public Stage process(Packet packet) {
        Port port = context.ports.get(packet.ingressPort);
        if (port == null || !port.isUp()) {
            return portDown;
        }
        Interface iface = port.upper();
        // a port's own interface is up when the port is: only a bridge's (or another's) state is asked
        if (iface == null || (iface.port() != port && !iface.isUp())) {
            return portDown;
        }
        packet.ingressInterface = iface.index();
        if (!packet.ethernet.wrap(context.buffer, packet.frameOffset, packet.frameLength)) {
            return tooShort;
        }
        if (iface.isBridge()) {
            return bridgeInput;
        }
        if (packet.ethernet.etherType() == EthernetView.ETHERTYPE_VLAN) {
            int vid = popTag(packet);
            if (vid < 0) {
                return tooShort;
            }
            if (vid != 0) {
                Interface sub = iface.vlanUpper(vid);
                if (sub == null) {
                    return noVlanInterface;
                }
                if (!sub.isUp()) {
                    return portDown;
                }
                packet.vlan = vid;
                packet.ingressInterface = sub.index();
                iface = sub;
            }
        }
        return input(packet, iface);
    }

    /**
     * Pops the 802.1Q tag of the packet's frame (Ethernet view wrapped, EtherType 0x8100) in place
     * and rewraps the view over the untagged frame; returns the tag's VLAN id (0: a priority tag),
     * or -1 (nothing changed) if the frame is too short to hold a tag.
     */
    int popTag(Packet packet) {
        if (!vlan.wrap(context.buffer, packet.frameOffset, packet.frameLength)) {
            return -1;
        }
        int vid = vlan.vid();
        packet.frameOffset = VlanView.pop(context.buffer, packet.frameOffset);
        packet.frameLength -= VlanView.TAG_LENGTH;
        packet.ethernet.wrap(context.buffer, packet.frameOffset, packet.frameLength);
        return vid;
    }

    /**
     * The frame (Ethernet view wrapped) arrives on L3 interface {@code iface}: the stage that
     * takes it (by destination MAC and EtherType).
     */
    Stage input(Packet packet, Interface iface) {
        packet.ingress = iface;
        EthernetView ethernet = packet.ethernet;
        long destination = ethernet.destination();
        if (destination != iface.mac()) {
            if (!MacAddress.isMulticast(destination)) {
                return notForUs;
            }
            packet.linkBroadcast = true;
        }
        switch (ethernet.etherType()) {
            case EthernetView.ETHERTYPE_IPV4:
                // an untraced packet goes on by a direct call (no dispatch through the graph's loop)
                return packet.trace < 0 ? ipv4Input.process(packet) : ipv4Input;
            case EthernetView.ETHERTYPE_ARP:
                return arpInput;
            case EthernetView.ETHERTYPE_IPV6:
                return ipv6;
            default:
                return unknownType;
        }
    }
}
