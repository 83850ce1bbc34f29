package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.wire.EthernetView;

/**
 * Egress MTU check (the egress interface's MTU). Input: a packet with its Ethernet header. The MTU
 * applies to the packet, or to each segment of a GSO super-packet ({@link Offload#segmentIpLength}),
 * never to the super-packet itself. Fits: the graph's transmit ({@link OffloadOutputStage}, then
 * {@link TransmitStage}; a packet without offload state straight to {@link TransmitStage}). Too
 * big with DF: ICMP Fragmentation Needed carrying the next-hop MTU.
 * Too big without DF: {@link FragmentStage}, or for a super-packet {@link SegmentStage} (which
 * fragments the segments still too big). Drops: port_down.
 */
public final class MtuStage extends Stage {
    private final ForwardingContext context;
    private final Stage transmit;
    /** Where {@link #transmit} sends a packet without offload state: straight there for those. */
    private final Stage transmitPlain;
    private final Stage fragment;
    private Stage segment;
    private final Stage fragmentationNeeded;
    private final Stage portDown;

    public MtuStage(ForwardingContext context, ForwardingGraph graph, Stage fragment) {
        this.context = context;
        this.transmit = graph.transmit();
        this.transmitPlain = graph.transmitStage();
        this.fragment = fragment;
        this.fragmentationNeeded = graph.icmpError(DropReason.FRAGMENTATION_NEEDED);
        this.portDown = graph.drop(DropReason.PORT_DOWN);
    }

    /** Where a super-packet too big without DF goes ({@link SegmentStage}). */
    void next(Stage segmentStage) {
        this.segment = segmentStage;
    }

    @Override
    public Stage process(Packet packet) {
        Interface out = context.interfaces.get(packet.egressInterface);
        if (out == null) {
            return portDown;
        }
        packet.egress = out;
        int mtu = out.mtu();
        boolean gso = packet.offload.isGso();
        int length = gso ? packet.offload.segmentIpLength() : packet.frameLength - EthernetView.HEADER_LENGTH;
        if (length <= mtu) {
            return packet.offload.any() ? transmit : transmitPlain;
        }
        if (packet.ip.dontFragment()) {
            packet.mtu = mtu;
            return fragmentationNeeded;
        }
        return gso ? segment : fragment;
    }
}
