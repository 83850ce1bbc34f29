package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.IcmpView;
import net.taprouter.dataplane.wire.Ipv4View;

/**
 * Packets addressed to the router. Input: an IPv4 packet whose destination is a router address.
 * ICMP echo requests become echo replies in place (from the address they were sent to);
 * UDP gets ICMP Port Unreachable, TCP a reset, other protocols ICMP Protocol Unreachable.
 * Next: {@link RouteOutputStage} (reply), {@link TcpResetStage}, ICMP error stages.
 * Counters: event local_delivered (an echo request answered: the request is consumed, the reply
 * is an originated packet, event icmp_echo_replies_sent); drops local_fragment, local_icmp_other,
 * ip_bad_checksum (ICMP checksum), local_no_listener (UDP and other protocols, answered with ICMP),
 * conntrack_restoring (TCP and UDP, unanswered, while routerd reads its conntrack state file back at
 * start: a server's segment to a NAT address whose flow is not restored yet must not get a reset or
 * an unreachable that would end the flow; {@link net.taprouter.dataplane.conntrack.ConntrackTable#holdNewFlows}).
 * Nothing else is delivered to the router, which listens on nothing (see {@link TcpResetStage}).
 */
public final class LocalDeliveryStage extends Stage {
    private static final int REPLY_TTL = 64;

    private final ForwardingContext context;
    private final IcmpView icmp = new IcmpView();
    private Stage routeOutput;
    private Stage tcpReset;
    private final Stage fragment;
    private final Stage icmpOther;
    private final Stage badChecksum;
    private final Stage portUnreachable;
    private final Stage protocolUnreachable;
    private final Stage restoring;

    public LocalDeliveryStage(ForwardingContext context, ForwardingGraph graph) {
        this.context = context;
        this.fragment = graph.drop(DropReason.LOCAL_FRAGMENT);
        this.icmpOther = graph.drop(DropReason.LOCAL_ICMP_OTHER);
        this.badChecksum = graph.drop(DropReason.IP_BAD_CHECKSUM);
        this.portUnreachable = graph.icmpError(IcmpView.TYPE_DEST_UNREACHABLE, IcmpView.CODE_PORT_UNREACHABLE, DropReason.LOCAL_NO_LISTENER);
        this.protocolUnreachable = graph.icmpError(IcmpView.TYPE_DEST_UNREACHABLE, IcmpView.CODE_PROTOCOL_UNREACHABLE, DropReason.LOCAL_NO_LISTENER);
        this.restoring = graph.drop(DropReason.CONNTRACK_RESTORING);
    }

    void next(Stage output, Stage reset) {
        this.routeOutput = output;
        this.tcpReset = reset;
    }

    @Override
    public Stage process(Packet packet) {
        Ipv4View ip = packet.ip;
        if (ip.isFragment()) {
            return fragment;
        }
        switch (ip.protocol()) {
            case Ipv4View.PROTO_ICMP:
                return icmp(packet, ip);
            case Ipv4View.PROTO_UDP:
                return context.conntrack.holdingNewFlows() ? restoring : portUnreachable;
            case Ipv4View.PROTO_TCP:
                return context.conntrack.holdingNewFlows() ? restoring : tcpReset;
            default:
                return protocolUnreachable;
        }
    }

    private Stage icmp(Packet packet, Ipv4View ip) {
        if (!icmp.wrap(context.buffer, ip.payloadOffset(), ip.totalLength() - ip.headerLength())) {
            return icmpOther;
        }
        if (icmp.type() != IcmpView.TYPE_ECHO_REQUEST) {
            return icmpOther;
        }
        if (!icmp.isChecksumValid()) {
            return badChecksum;
        }
        icmp.type(IcmpView.TYPE_ECHO_REPLY);
        icmp.checksum(net.taprouter.dataplane.wire.Checksum.update16(icmp.checksum(),
            (IcmpView.TYPE_ECHO_REQUEST << 8) | icmp.code(), (IcmpView.TYPE_ECHO_REPLY << 8) | icmp.code()));
        int requester = ip.source();
        ip.source(ip.destination());
        ip.destination(requester);
        ip.ttl(REPLY_TTL);
        ip.updateHeaderChecksum();
        context.event(Event.LOCAL_DELIVERED); // the request ends here; the slot is now the reply
        packet.localOrigin = true;
        context.event(Event.ICMP_ECHO_REPLIES);
        return routeOutput;
    }
}
