package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.wire.EthernetView;

/**
 * Egress MTU check. Input: a packet with its Ethernet header. The MTU applies to the packet, or
 * to each segment of a GSO super-packet ({@link Offload#segmentIpLength}), never to the
 * super-packet itself. Fits: {@link OffloadOutputStage}. Too big with DF: ICMP Fragmentation
 * Needed carrying the next-hop MTU. Too big without DF: {@link FragmentStage}, or for a
 * super-packet {@link SegmentStage} (which fragments segments still too big). Drops: port_down.
 */
public final class MtuStage implements Stage {
    private final ForwardingContext context;
    private Stage output;
    private Stage segment;
    private final Stage fragment;
    private final Stage fragmentationNeeded;
    private final Stage portDown;

    public MtuStage(ForwardingContext context, ForwardingGraph graph, Stage fragment) {
        this.context = context;
        this.output = graph.transmit();
        this.fragment = fragment;
        this.fragmentationNeeded = graph.icmpError(DropReason.FRAGMENTATION_NEEDED);
        this.portDown = graph.drop(DropReason.PORT_DOWN);
    }

    /** Where packets that fit go ({@link OffloadOutputStage}), and super-packets too big without DF. */
    void next(Stage offloadOutput, Stage segmentStage) {
        this.output = offloadOutput;
        this.segment = segmentStage;
    }

    @Override
    public Stage process(Packet packet) {
        Port port = context.ports.get(packet.egressPort);
        if (port == null) {
            return portDown;
        }
        int mtu = port.mtu();
        boolean gso = packet.offload.isGso();
        int length = gso ? packet.offload.segmentIpLength() : packet.frameLength - EthernetView.HEADER_LENGTH;
        if (length <= mtu) {
            return output;
        }
        if (packet.ip.dontFragment()) {
            packet.mtu = mtu;
            return fragmentationNeeded;
        }
        return gso ? segment : fragment;
    }
}
