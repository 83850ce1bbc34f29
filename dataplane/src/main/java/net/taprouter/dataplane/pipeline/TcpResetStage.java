package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.Ipv4View;
import net.taprouter.dataplane.wire.TcpView;

/**
 * TCP to the router, which listens on no port: answers with a reset (RFC 793 "reset
 * generation"), so a client sees "connection refused" at once, as with the kernel. Built in
 * place: a 20-byte IP header and a 20-byte TCP header over the segment's own headers.
 *
 * <pre>
 *  segment has ACK:   RST            seq = SEG.ACK
 *  otherwise:         RST|ACK        seq = 0, ack = SEG.SEQ + SEG.LEN (+1 for SYN, +1 for FIN)
 * </pre>
 *
 * Input: a TCP segment addressed to a router address (not a fragment). Next:
 * {@link RouteOutputStage}. Drops: local_no_listener, for every segment (a reset, a bad checksum
 * or a truncated header gets no answer; the others are answered). Counts event tcp_resets_sent
 * for the reset, a packet the router originates.
 */
public final class TcpResetStage extends Stage {
    private static final int TTL = 64;

    private final ForwardingContext context;
    private final TcpView tcp = new TcpView();
    private Stage routeOutput;
    private final Stage noAnswer;

    public TcpResetStage(ForwardingContext context, ForwardingGraph graph) {
        this.context = context;
        this.noAnswer = graph.drop(DropReason.LOCAL_NO_LISTENER);
    }

    void next(Stage output) {
        this.routeOutput = output;
    }

    @Override
    public Stage process(Packet packet) {
        Ipv4View ip = packet.ip;
        int segmentLength = ip.totalLength() - ip.headerLength();
        int source = ip.source();
        int destination = ip.destination();
        if (!tcp.wrap(context.buffer, ip.payloadOffset(), segmentLength) || (!packet.offload.needsChecksum() && !tcp.isChecksumValid(source, destination))) {
            return noAnswer;
        }
        int flags = tcp.flags();
        if ((flags & TcpView.RST) != 0) {
            return noAnswer;
        }
        context.countDrop(packet, DropReason.LOCAL_NO_LISTENER); // the segment ends here; the slot becomes the reset
        int sourcePort = tcp.sourcePort();
        int destinationPort = tcp.destinationPort();
        long sequence = tcp.sequenceNumber();
        long acknowledgement = tcp.acknowledgementNumber();
        long dataLength = segmentLength - tcp.headerLength();
        int ipAt = packet.ipOffset();
        int length = Ipv4View.MIN_HEADER_LENGTH + TcpView.MIN_HEADER_LENGTH;

        ip.wrapNew(context.buffer, ipAt, length);
        ip.totalLength(length);
        ip.identification(0);
        ip.flagsFragment(0x4000);
        ip.ttl(TTL);
        ip.protocol(Ipv4View.PROTO_TCP);
        ip.source(destination);
        ip.destination(source);
        ip.updateHeaderChecksum();

        tcp.wrapNew(context.buffer, ipAt + Ipv4View.MIN_HEADER_LENGTH, TcpView.MIN_HEADER_LENGTH);
        tcp.sourcePort(destinationPort);
        tcp.destinationPort(sourcePort);
        if ((flags & TcpView.ACK) != 0) {
            tcp.sequenceNumber(acknowledgement);
            tcp.acknowledgementNumber(0);
            tcp.flags(TcpView.RST);
        } else {
            long consumed = dataLength + ((flags & TcpView.SYN) != 0 ? 1 : 0) + ((flags & TcpView.FIN) != 0 ? 1 : 0);
            tcp.sequenceNumber(0);
            tcp.acknowledgementNumber((sequence + consumed) & 0xFFFF_FFFFL);
            tcp.flags(TcpView.RST | TcpView.ACK);
        }
        tcp.window(0);
        tcp.urgentPointer(0);
        tcp.updateChecksum(destination, source);
        packet.frameLength = net.taprouter.dataplane.wire.EthernetView.HEADER_LENGTH + length;
        packet.localOrigin = true;
        context.event(Event.TCP_RESETS_SENT);
        return routeOutput;
    }
}
