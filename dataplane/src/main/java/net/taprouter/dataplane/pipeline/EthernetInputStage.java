package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.MacAddress;

/**
 * Entry of the graph. Input: a received frame on an L2 port. Sets the ingress interface (the
 * port's {@link Port#upper()}); a bridge port's frame goes to {@link BridgeInputStage}. On an
 * interface ({@link #input}, also for what a bridge passes up): accepts frames to the interface's
 * MAC and broadcast/multicast (marking those {@code linkBroadcast}); dispatches on EtherType.
 * Next: {@link BridgeInputStage}, {@link ArpInputStage}, {@link Ipv4InputStage}. Drops: port_down
 * (the port or its interface down), frame_too_short, ether_not_for_us, ipv6_not_routed, ether_unknown_type.
 */
public final class EthernetInputStage implements Stage {
    private final ForwardingContext context;
    private Stage arpInput;
    private Stage ipv4Input;
    private Stage bridgeInput;
    private final Stage portDown;
    private final Stage tooShort;
    private final Stage notForUs;
    private final Stage unknownType;
    private final Stage ipv6;

    public EthernetInputStage(ForwardingContext context, ForwardingGraph graph) {
        this.context = context;
        this.portDown = graph.drop(DropReason.PORT_DOWN);
        this.tooShort = graph.drop(DropReason.FRAME_TOO_SHORT);
        this.notForUs = graph.drop(DropReason.ETHER_NOT_FOR_US);
        this.unknownType = graph.drop(DropReason.ETHER_UNKNOWN_TYPE);
        this.ipv6 = graph.drop(DropReason.IPV6_NOT_ROUTED);
    }

    void next(Stage arp, Stage ipv4, Stage bridge) {
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
        if (iface == null || !iface.isUp()) {
            return portDown;
        }
        packet.ingressInterface = iface.index();
        if (!packet.ethernet.wrap(context.buffer, packet.frameOffset, packet.frameLength)) {
            return tooShort;
        }
        return iface.isBridge() ? bridgeInput : input(packet, iface);
    }

    /**
     * The frame (Ethernet view wrapped) arrives on L3 interface {@code iface}: the stage that
     * takes it (by destination MAC and EtherType).
     */
    Stage input(Packet packet, Interface iface) {
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
                return ipv4Input;
            case EthernetView.ETHERTYPE_ARP:
                return arpInput;
            case EthernetView.ETHERTYPE_IPV6:
                return ipv6;
            default:
                return unknownType;
        }
    }
}
