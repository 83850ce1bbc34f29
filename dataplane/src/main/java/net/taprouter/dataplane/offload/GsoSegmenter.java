package net.taprouter.dataplane.offload;

import java.nio.ByteOrder;
import net.taprouter.dataplane.wire.Checksum;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.Ipv4View;
import net.taprouter.dataplane.wire.TcpView;
import net.taprouter.dataplane.wire.UdpView;
import net.taprouter.dataplane.wire.VirtioNetHeaderView;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Software GSO: cuts an IPv4 TCP (TSO) or UDP (USO, {@code UDP_L4}) super-packet into the
 * segments the sender's kernel would have sent without offload, as the kernel's
 * {@code tcp_gso_segment}/{@code __udp_gso_segment} make them (checked byte for byte against
 * kernel-made segments in GsoSegmenterTest).
 *
 * <p>Segment i carries payload bytes {@code [i * gsoSize, min((i + 1) * gsoSize, payload))} after a
 * copy of the Ethernet, IP and TCP/UDP headers, with: IP total length, identification
 * {@code id + i}, IP header checksum; TCP sequence number {@code seq + i * gsoSize} (mod 2^32), FIN
 * and PSH only on the last segment, CWR only on the first; UDP length; the full TCP/UDP checksum
 * (the super-packet's field, a partial sum, is ignored; UDP's 0 is sent as 0xFFFF). A super-packet
 * whose payload fits one segment gives that one segment, checksum completed.
 *
 * <p>Use: {@link #start} once per super-packet, then {@link #segment} for each i in
 * {@code 0..count-1}, into any buffer (the source is not changed). No allocation; one instance per
 * worker (it keeps the super-packet's fields between the calls).
 */
public final class GsoSegmenter {
    private static final int TCP_SEQUENCE = 4;
    private static final int TCP_FLAGS = 13;
    private static final int TCP_CHECKSUM = 16;
    private static final int UDP_LENGTH = 4;
    private static final int UDP_CHECKSUM = 6;
    private static final int IP_TOTAL_LENGTH = 2;
    private static final int IP_IDENTIFICATION = 4;
    private static final int IP_CHECKSUM = 10;
    private static final int NOT_LAST = ~(TcpView.FIN | TcpView.PSH);
    private static final int NOT_FIRST = ~TcpView.CWR;

    private DirectBuffer source;
    private int frameOffset;
    private boolean udp;
    private int ipHeaderLength;
    private int l4HeaderLength;
    /** Ethernet + IP + L4 header bytes copied in front of each segment's payload. */
    private int headerLength;
    private int payloadLength;
    private int gsoSize;
    private int count;
    private int identification;
    private long sequence;
    private int tcpFlags;
    private int sourceAddress;
    private int destinationAddress;

    /**
     * Takes the super-packet {@code [frameOffset, frameOffset + frameLength)} of {@code buffer}:
     * Ethernet header (no VLAN tag), IPv4 header (total length within the frame, not a fragment),
     * then a TCP header if {@code gsoType} is TCPV4 (with or without its ECN bit) or a UDP header
     * if it is UDP_L4 (matching the IP protocol). Returns the number of segments (at least 1), or 0
     * if the packet is none of those (then {@link #segment} must not be called).
     */
    public int start(DirectBuffer buffer, int frameOffset, int frameLength, int gsoType, int gsoSize) {
        count = 0;
        if (gsoSize <= 0 || frameLength < EthernetView.HEADER_LENGTH + Ipv4View.MIN_HEADER_LENGTH) {
            return 0;
        }
        int ip = frameOffset + EthernetView.HEADER_LENGTH;
        int versionIhl = buffer.getByte(ip) & 0xFF;
        int ihl = (versionIhl & 0x0F) * 4;
        int totalLength = buffer.getShort(ip + IP_TOTAL_LENGTH, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        int flagsFragment = buffer.getShort(ip + 6, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        int protocol = buffer.getByte(ip + 9) & 0xFF;
        if (versionIhl >>> 4 != 4 || ihl < Ipv4View.MIN_HEADER_LENGTH || totalLength < ihl
            || EthernetView.HEADER_LENGTH + totalLength > frameLength
            || (flagsFragment & (Ipv4View.FLAG_MORE_FRAGMENTS | Ipv4View.FRAGMENT_OFFSET_MASK)) != 0) {
            return 0;
        }
        int type = gsoType & ~VirtioNetHeaderView.GSO_ECN;
        int l4 = ip + ihl;
        int l4Available = totalLength - ihl;
        int l4Header;
        if (type == VirtioNetHeaderView.GSO_TCPV4 && protocol == Ipv4View.PROTO_TCP) {
            if (l4Available < TcpView.MIN_HEADER_LENGTH) {
                return 0;
            }
            l4Header = ((buffer.getByte(l4 + 12) & 0xFF) >>> 4) * 4;
            if (l4Header < TcpView.MIN_HEADER_LENGTH || l4Header > l4Available) {
                return 0;
            }
            udp = false;
            sequence = buffer.getInt(l4 + TCP_SEQUENCE, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
            tcpFlags = buffer.getByte(l4 + TCP_FLAGS) & 0xFF;
        } else if (type == VirtioNetHeaderView.GSO_UDP_L4 && protocol == Ipv4View.PROTO_UDP) {
            if (l4Available < UdpView.HEADER_LENGTH) {
                return 0;
            }
            l4Header = UdpView.HEADER_LENGTH;
            udp = true;
        } else {
            return 0;
        }
        this.source = buffer;
        this.frameOffset = frameOffset;
        this.ipHeaderLength = ihl;
        this.l4HeaderLength = l4Header;
        this.headerLength = EthernetView.HEADER_LENGTH + ihl + l4Header;
        this.payloadLength = l4Available - l4Header;
        this.gsoSize = gsoSize;
        this.identification = buffer.getShort(ip + IP_IDENTIFICATION, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        this.sourceAddress = buffer.getInt(ip + 12, ByteOrder.BIG_ENDIAN);
        this.destinationAddress = buffer.getInt(ip + 16, ByteOrder.BIG_ENDIAN);
        count = payloadLength <= gsoSize ? 1 : (payloadLength + gsoSize - 1) / gsoSize;
        return count;
    }

    /** Segments of the current super-packet (0 if {@link #start} refused it). */
    public int count() {
        return count;
    }

    /** Length of the frame segment i will be. */
    public int segmentLength(int i) {
        return headerLength + chunk(i);
    }

    /** The longest segment's frame length (the first's). */
    public int maxSegmentLength() {
        return segmentLength(0);
    }

    private int chunk(int i) {
        return Math.min(gsoSize, payloadLength - i * gsoSize);
    }

    /**
     * Writes segment {@code i} (0-based, below {@link #count()}) as a complete frame at
     * {@code target[at...]}, which must have {@link #segmentLength}(i) bytes of room. Returns its
     * length.
     */
    public int segment(int i, MutableDirectBuffer target, int at) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("segment " + i + " of " + count);
        }
        int first = i * gsoSize;
        int chunk = chunk(i);
        target.putBytes(at, source, frameOffset, headerLength);
        target.putBytes(at + headerLength, source, frameOffset + headerLength + first, chunk);
        int ip = at + EthernetView.HEADER_LENGTH;
        int l4Length = l4HeaderLength + chunk;
        target.putShort(ip + IP_TOTAL_LENGTH, (short) (ipHeaderLength + l4Length), ByteOrder.BIG_ENDIAN);
        target.putShort(ip + IP_IDENTIFICATION, (short) (identification + i), ByteOrder.BIG_ENDIAN);
        target.putShort(ip + IP_CHECKSUM, (short) 0, ByteOrder.BIG_ENDIAN);
        target.putShort(ip + IP_CHECKSUM, (short) Checksum.compute(target, ip, ipHeaderLength), ByteOrder.BIG_ENDIAN);
        int l4 = ip + ipHeaderLength;
        int protocol;
        int checksumField;
        if (udp) {
            protocol = Ipv4View.PROTO_UDP;
            checksumField = l4 + UDP_CHECKSUM;
            target.putShort(l4 + UDP_LENGTH, (short) l4Length, ByteOrder.BIG_ENDIAN);
        } else {
            protocol = Ipv4View.PROTO_TCP;
            checksumField = l4 + TCP_CHECKSUM;
            target.putInt(l4 + TCP_SEQUENCE, (int) (sequence + first), ByteOrder.BIG_ENDIAN);
            int flags = tcpFlags;
            if (i != count - 1) {
                flags &= NOT_LAST;
            }
            if (i != 0) {
                flags &= NOT_FIRST;
            }
            target.putByte(l4 + TCP_FLAGS, (byte) flags);
        }
        target.putShort(checksumField, (short) 0, ByteOrder.BIG_ENDIAN);
        int sum = Checksum.pseudoHeaderSum(sourceAddress, destinationAddress, protocol, l4Length);
        int checksum = Checksum.finish(Checksum.sum(target, l4, l4Length, sum));
        if (udp && checksum == 0) {
            checksum = 0xFFFF; // RFC 768: a computed 0 is sent as all ones
        }
        target.putShort(checksumField, (short) checksum, ByteOrder.BIG_ENDIAN);
        return headerLength + chunk;
    }
}
