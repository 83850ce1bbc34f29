package net.taprouter.dataplane.conntrack;

import java.nio.ByteOrder;
import net.taprouter.dataplane.wire.Checksum;
import net.taprouter.dataplane.wire.Ipv4View;
import org.agrona.MutableDirectBuffer;

/**
 * ICMP errors (destination unreachable, fragmentation needed, time exceeded, ...) that belong to a
 * tracked flow, as nf_conntrack relates them: the quoted packet's tuple, inverted, is looked up;
 * the flow found, in the direction the error travels ({@code flow << 1 | direction}), makes the
 * error RELATED. NAT then translates it as nf_nat_icmp_reply_translation does: the quoted
 * packet becomes exactly what its sender sent (the flow's tuple in the other direction: addresses,
 * ports or ICMP identifier, the quoted IP checksum, the quoted L4 checksum when it is quoted whole),
 * the outer destination (prerouting) and source (postrouting) are translated like any packet of the
 * flow in the error's direction (addresses only), and the ICMP checksum is recomputed. So
 * traceroute (UDP and ICMP) and path-MTU discovery work through NAT. One per worker; no allocation.
 */
final class RelatedIcmp {
    private static final int ICMP_HEADER = 8;

    private RelatedIcmp() {
    }

    /**
     * The flow the ICMP error in {@code ip} (wrapped, its payload at {@code ip.payloadOffset()}) is
     * about, as {@code flow << 1 | direction of the error}, or {@link FlowTable#NONE}: no flow,
     * a quote too short to hold the quoted packet's ports, or a bad ICMP checksum.
     */
    static int find(ConntrackTable table, MutableDirectBuffer buffer, Ipv4View ip, int now) {
        int l4 = ip.payloadOffset();
        int end = l4 + ip.totalLength() - ip.headerLength();
        int inner = l4 + ICMP_HEADER;
        if (end - inner < 20) {
            return FlowTable.NONE;
        }
        int versionIhl = buffer.getByte(inner) & 0xFF;
        int ihl = (versionIhl & 0x0F) * 4;
        if (versionIhl >> 4 != 4 || ihl < 20 || end - inner < ihl + 8
            || (get16(buffer, inner + 6) & Ipv4View.FRAGMENT_OFFSET_MASK) != 0) {
            return FlowTable.NONE;
        }
        int protocol = buffer.getByte(inner + 9) & 0xFF;
        int src = buffer.getInt(inner + 12, ByteOrder.BIG_ENDIAN);
        int dst = buffer.getInt(inner + 16, ByteOrder.BIG_ENDIAN);
        int innerL4 = inner + ihl;
        int ports;
        switch (protocol) {
            case NatRewrite.PROTO_TCP, NatRewrite.PROTO_UDP -> ports = buffer.getInt(innerL4, ByteOrder.BIG_ENDIAN);
            case NatRewrite.PROTO_ICMP -> {
                int type = buffer.getByte(innerL4) & 0xFF;
                if (FlowKey.replyType(type) < 0) {
                    return FlowTable.NONE; // an error about an error, or about no query
                }
                ports = get16(buffer, innerL4 + 4) << 16 | type << 8 | (buffer.getByte(innerL4 + 1) & 0xFF);
            }
            default -> ports = 0;
        }
        if (Checksum.compute(buffer, l4, end - l4) != 0) {
            return FlowTable.NONE; // nf_conntrack_checksum: a damaged error relates to nothing
        }
        int ref = table.lookup(protocol, dst, src, FlowKey.reversePorts(protocol, ports), now);
        if (ref == FlowTable.NONE || table.flows().destination(ref >>> 1, ref & 1) != ip.destination()) {
            return FlowTable.NONE;
        }
        return ref;
    }

    /** Prerouting: the quoted packet as its sender sent it, the outer destination translated, the ICMP checksum recomputed. */
    static void translateIn(FlowTable flows, int ref, MutableDirectBuffer buffer, int ip) {
        int flow = ref >>> 1;
        int dir = ref & 1;
        int flags = flows.flags(flow);
        if ((flags & (FlowTable.SRC_NAT | FlowTable.DST_NAT)) == 0) {
            return;
        }
        int other = dir ^ 1;
        int ihl = (buffer.getByte(ip) & 0x0F) * 4;
        int l4 = ip + ihl;
        int end = ip + get16(buffer, ip + 2);
        rewriteQuote(buffer, l4 + ICMP_HEADER, end, flows.source(flow, other), flows.destination(flow, other),
            flows.ports(flow, other));
        if ((flags & (dir == FlowTable.ORIGINAL ? FlowTable.DST_NAT : FlowTable.SRC_NAT)) != 0) {
            outerAddress(buffer, ip, 16, flows.source(flow, other));
        }
        put16(buffer, l4 + 2, 0);
        put16(buffer, l4 + 2, Checksum.compute(buffer, l4, end - l4));
    }

    /** Postrouting: the outer source translated (addresses only: the ICMP checksum does not cover them). */
    static void translateOut(FlowTable flows, int ref, MutableDirectBuffer buffer, int ip) {
        int flow = ref >>> 1;
        int dir = ref & 1;
        if ((flows.flags(flow) & (dir == FlowTable.ORIGINAL ? FlowTable.SRC_NAT : FlowTable.DST_NAT)) != 0) {
            outerAddress(buffer, ip, 12, flows.destination(flow, dir ^ 1));
        }
    }

    private static void outerAddress(MutableDirectBuffer buffer, int ip, int field, int address) {
        int old = buffer.getInt(ip + field, ByteOrder.BIG_ENDIAN);
        if (old != address) {
            buffer.putInt(ip + field, address, ByteOrder.BIG_ENDIAN);
            put16(buffer, ip + 10, Checksum.update32(get16(buffer, ip + 10), old, address));
        }
    }

    /**
     * Rewrites the quoted packet at {@code inner} (up to {@code end}) to {@code src -> dst} with
     * {@code ports} ({@link FlowKey}'s packing): its header checksum, and its L4 checksum if that is
     * quoted (UDP: unless 0; TCP: only if the quote reaches it; ICMP: the identifier's).
     */
    static void rewriteQuote(MutableDirectBuffer buffer, int inner, int end, int src, int dst, int ports) {
        int ihl = (buffer.getByte(inner) & 0x0F) * 4;
        int protocol = buffer.getByte(inner + 9) & 0xFF;
        int oldSrc = buffer.getInt(inner + 12, ByteOrder.BIG_ENDIAN);
        int oldDst = buffer.getInt(inner + 16, ByteOrder.BIG_ENDIAN);
        buffer.putInt(inner + 12, src, ByteOrder.BIG_ENDIAN);
        buffer.putInt(inner + 16, dst, ByteOrder.BIG_ENDIAN);
        int ipSum = Checksum.update32(Checksum.update32(get16(buffer, inner + 10), oldSrc, src), oldDst, dst);
        put16(buffer, inner + 10, ipSum);
        int l4 = inner + ihl;
        switch (protocol) {
            case NatRewrite.PROTO_TCP, NatRewrite.PROTO_UDP -> {
                int oldPorts = buffer.getInt(l4, ByteOrder.BIG_ENDIAN);
                buffer.putInt(l4, ports, ByteOrder.BIG_ENDIAN);
                int at = l4 + (protocol == NatRewrite.PROTO_TCP ? 16 : 6);
                if (at + 2 <= end) {
                    int sum = get16(buffer, at);
                    if (protocol == NatRewrite.PROTO_UDP && sum == 0) {
                        return;
                    }
                    sum = Checksum.update32(sum, oldSrc, src);
                    sum = Checksum.update32(sum, oldDst, dst);
                    sum = Checksum.update32(sum, oldPorts, ports);
                    put16(buffer, at, protocol == NatRewrite.PROTO_UDP && sum == 0 ? 0xFFFF : sum);
                }
            }
            case NatRewrite.PROTO_ICMP -> {
                int oldId = get16(buffer, l4 + 4);
                int id = ports >>> 16;
                put16(buffer, l4 + 4, id);
                put16(buffer, l4 + 2, Checksum.update16(get16(buffer, l4 + 2), oldId, id));
            }
            default -> {
            }
        }
    }

    private static int get16(MutableDirectBuffer buffer, int at) {
        return buffer.getShort(at, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    private static void put16(MutableDirectBuffer buffer, int at, int value) {
        buffer.putShort(at, (short) value, ByteOrder.BIG_ENDIAN);
    }
}
