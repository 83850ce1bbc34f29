package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.wire.EthernetView;

/**
 * Egress MTU check (the egress interface's MTU). Input: a packet with its Ethernet header. Fits: {@link TransmitStage}.
 * Too big with DF: ICMP Fragmentation Needed carrying the next-hop MTU. Too big without DF:
 * {@link FragmentStage}. Drops: port_down.
 */
public final class MtuStage implements Stage {
    private final ForwardingContext context;
    private final Stage transmit;
    private final Stage fragment;
    private final Stage fragmentationNeeded;
    private final Stage portDown;

    public MtuStage(ForwardingContext context, ForwardingGraph graph, Stage fragment) {
        this.context = context;
        this.transmit = graph.transmit();
        this.fragment = fragment;
        this.fragmentationNeeded = graph.icmpError(DropReason.FRAGMENTATION_NEEDED);
        this.portDown = graph.drop(DropReason.PORT_DOWN);
    }

    @Override
    public Stage process(Packet packet) {
        Interface out = context.interfaces.get(packet.egressInterface);
        if (out == null) {
            return portDown;
        }
        int mtu = out.mtu();
        if (packet.frameLength - EthernetView.HEADER_LENGTH <= mtu) {
            return transmit;
        }
        if (packet.ip.dontFragment()) {
            packet.mtu = mtu;
            return fragmentationNeeded;
        }
        return fragment;
    }
}
