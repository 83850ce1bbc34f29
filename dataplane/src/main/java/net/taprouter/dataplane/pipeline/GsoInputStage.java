package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.Ipv4View;
import net.taprouter.dataplane.wire.TcpView;
import net.taprouter.dataplane.wire.UdpView;
import net.taprouter.dataplane.wire.VirtioNetHeaderView;

/**
 * Checks the offload state a received packet brought from its TAP's virtio-net header
 * ({@link Packet#offload}) against its IPv4 header, so that every later stage can trust it.
 * Input: an IPv4 packet that passed {@link Ipv4InputStage} (frame trimmed to the IP total length).
 * Next: the prerouting hook ({@link HookStage#entry}). Only a packet with offload state comes
 * here ({@link Ipv4InputStage} sends the others past).
 *
 * <ul>
 *   <li>A partial checksum (NEEDS_CSUM): its field must lie after the IP header, inside the packet.</li>
 *   <li>A GSO super-packet: NEEDS_CSUM, not a fragment, TCPV4 (ECN bit allowed) over TCP with the
 *       checksum field at 16 or UDP_L4 over UDP at 6, checksumming from the L4 header, gso_size &gt; 0
 *       and the whole L4 header inside the packet; its {@code headerLength} is set here (the kernel's
 *       hdr_len is only a hint). One whose payload fits one segment is no super-packet: it goes on
 *       as a packet with a partial checksum (as the kernel's {@code virtio_net_hdr_to_skb} treats it).
 *       Counts event gso_received.</li>
 * </ul>
 * Drops: offload_bad (a header that does not match the packet).
 */
public final class GsoInputStage extends Stage {
    private final ForwardingContext context;
    private final Stage bad;
    private HookStage next;

    public GsoInputStage(ForwardingContext context, ForwardingGraph graph) {
        this.context = context;
        this.bad = graph.drop(DropReason.OFFLOAD_BAD);
    }

    void next(HookStage prerouting) {
        this.next = prerouting;
    }

    @Override
    public Stage process(Packet packet) {
        Offload offload = packet.offload;
        if (!offload.any()) {
            return next.entry();
        }
        Ipv4View ip = packet.ip;
        int l4Start = EthernetView.HEADER_LENGTH + ip.headerLength(); // from the frame's first byte
        int frameLength = packet.frameLength;
        boolean partial = offload.needsChecksum();
        if (partial && (offload.checksumStart < l4Start
            || offload.checksumStart + offload.checksumOffset + 2 > frameLength)) {
            return bad;
        }
        if (!offload.isGso()) {
            return next.entry();
        }
        if (!partial || offload.checksumStart != l4Start || offload.gsoSize <= 0 || ip.isFragment()) {
            return bad;
        }
        int l4Header;
        int type = offload.gsoType;
        if ((type & ~VirtioNetHeaderView.GSO_ECN) == VirtioNetHeaderView.GSO_TCPV4 && ip.protocol() == Ipv4View.PROTO_TCP
            && offload.checksumOffset == 16 && l4Start + TcpView.MIN_HEADER_LENGTH <= frameLength) {
            l4Header = ((context.buffer.getByte(packet.frameOffset + l4Start + 12) & 0xFF) >>> 4) * 4;
            if (l4Header < TcpView.MIN_HEADER_LENGTH) {
                return bad;
            }
        } else if (type == VirtioNetHeaderView.GSO_UDP_L4 && ip.protocol() == Ipv4View.PROTO_UDP
            && offload.checksumOffset == 6) {
            l4Header = UdpView.HEADER_LENGTH;
        } else {
            return bad;
        }
        int headerLength = l4Start + l4Header;
        if (headerLength > frameLength) {
            return bad;
        }
        offload.headerLength = headerLength;
        if (frameLength - headerLength <= offload.gsoSize) {
            offload.demote(); // one segment's worth: not really a super-packet
            return next.entry();
        }
        context.event(Event.GSO_RECEIVED);
        return next.entry();
    }
}
