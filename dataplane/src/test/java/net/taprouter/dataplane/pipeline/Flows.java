package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.taprouter.dataplane.conntrack.ConntrackEntry;
import net.taprouter.dataplane.conntrack.FlowTable;
import net.taprouter.dataplane.wire.Ipv4Address;

/**
 * Frames for the conntrack and NAT graph tests: TCP, UDP (with real checksums, so a NAT rewrite
 * is checked against a full recompute) and ICMP echo, from one address:port to another, and
 * checks of what came out.
 */
final class Flows {
    static final int SYN = 0x02;
    static final int ACK = 0x10;
    static final int FIN = 0x01;
    static final int RST = 0x04;
    static final int PSH = 0x08;

    private Flows() {
    }

    /** A UDP datagram with its checksum computed. */
    static byte[] udp(String src, int sport, String dst, int dport, int length, long toMac, long fromMac) {
        byte[] data = Wire.pattern(length, sport ^ dport);
        byte[] udp = Wire.udp(sport, dport, data);
        Wire.put16(udp, 6, l4Checksum(Wire.ip(src), Wire.ip(dst), Wire.PROTO_UDP, udp, true));
        return Wire.ipv4(src, dst).payload(Wire.PROTO_UDP, udp).frame(toMac, fromMac);
    }

    /** A TCP segment with {@code flags} and its checksum computed. */
    static byte[] tcp(String src, int sport, String dst, int dport, int flags, long seq, long ack, int data, long toMac, long fromMac) {
        byte[] tcp = new byte[20 + data];
        Wire.put16(tcp, 0, sport);
        Wire.put16(tcp, 2, dport);
        Wire.put32(tcp, 4, (int) seq);
        Wire.put32(tcp, 8, (int) ack);
        tcp[12] = 0x50;
        tcp[13] = (byte) flags;
        Wire.put16(tcp, 14, 64240);
        System.arraycopy(Wire.pattern(data, sport), 0, tcp, 20, data);
        Wire.put16(tcp, 16, l4Checksum(Wire.ip(src), Wire.ip(dst), Wire.PROTO_TCP, tcp, false));
        return Wire.ipv4(src, dst).payload(Wire.PROTO_TCP, tcp).frame(toMac, fromMac);
    }

    /** A TCP segment with a window and options of its own ({@code options}: a multiple of 4 bytes), checksum computed. */
    static byte[] tcp(String src, int sport, String dst, int dport, int flags, long seq, long ack, int window, byte[] options, int data,
                      long toMac, long fromMac) {
        int header = 20 + options.length;
        byte[] tcp = new byte[header + data];
        Wire.put16(tcp, 0, sport);
        Wire.put16(tcp, 2, dport);
        Wire.put32(tcp, 4, (int) seq);
        Wire.put32(tcp, 8, (int) ack);
        tcp[12] = (byte) (header / 4 << 4);
        tcp[13] = (byte) flags;
        Wire.put16(tcp, 14, window);
        System.arraycopy(options, 0, tcp, 20, options.length);
        System.arraycopy(Wire.pattern(data, sport), 0, tcp, header, data);
        Wire.put16(tcp, 16, l4Checksum(Wire.ip(src), Wire.ip(dst), Wire.PROTO_TCP, tcp, false));
        return Wire.ipv4(src, dst).payload(Wire.PROTO_TCP, tcp).frame(toMac, fromMac);
    }

    /** An ICMP echo request (type 8) or reply (0) with identifier {@code id}. */
    static byte[] echo(String src, String dst, int type, int id, int seq, long toMac, long fromMac) {
        return Wire.ipv4(src, dst).icmp(type, 0, id << 16 | seq, Wire.pattern(32, id)).frame(toMac, fromMac);
    }

    /** The TCP/UDP checksum of {@code l4} (its checksum field taken as 0); UDP 0 is sent as 0xFFFF. */
    static int l4Checksum(int src, int dst, int protocol, byte[] l4, boolean udp) {
        byte[] pseudo = new byte[12 + l4.length];
        Wire.put32(pseudo, 0, src);
        Wire.put32(pseudo, 4, dst);
        pseudo[9] = (byte) protocol;
        Wire.put16(pseudo, 10, l4.length);
        System.arraycopy(l4, 0, pseudo, 12, l4.length);
        Wire.put16(pseudo, 12 + (protocol == Wire.PROTO_TCP ? 16 : 6), 0);
        int sum = Wire.checksum(pseudo, 0, pseudo.length);
        return udp && sum == 0 ? 0xFFFF : sum;
    }

    // ---- what came out

    static int src(byte[] frame) {
        return Wire.u32(frame, 14 + 12);
    }

    static int dst(byte[] frame) {
        return Wire.u32(frame, 14 + 16);
    }

    static int sport(byte[] frame) {
        return Wire.u16(frame, 14 + 20);
    }

    static int dport(byte[] frame) {
        return Wire.u16(frame, 14 + 22);
    }

    /** ICMP identifier. */
    static int icmpId(byte[] frame) {
        return Wire.u16(frame, 14 + 24);
    }

    /** Asserts the IP header checksum and the L4 checksum (TCP, UDP, ICMP) are right, recomputed in full. */
    static void assertChecksums(byte[] frame) {
        assertEquals(Wire.ipHeaderChecksum(frame, 14), Wire.u16(frame, 14 + 10), "IP header checksum");
        int protocol = Wire.u8(frame, 14 + 9);
        int ihl = (frame[14] & 0x0F) * 4;
        int total = Wire.u16(frame, 14 + 2);
        byte[] l4 = Wire.slice(frame, 14 + ihl, total - ihl);
        switch (protocol) {
            case Wire.PROTO_TCP -> assertEquals(l4Checksum(src(frame), dst(frame), protocol, l4, false), Wire.u16(l4, 16), "TCP checksum");
            case Wire.PROTO_UDP -> assertEquals(l4Checksum(src(frame), dst(frame), protocol, l4, true), Wire.u16(l4, 6), "UDP checksum");
            case Wire.PROTO_ICMP -> assertEquals(0, Wire.checksum(l4, 0, l4.length), "ICMP checksum");
            default -> {
            }
        }
    }

    /** A conntrack entry as a short string: {@code udp 192.0.2.1:40000>198.51.100.1:9 | 198.51.100.1:9>198.51.100.254:40000}. */
    static String describe(ConntrackEntry e) {
        String proto = switch (e.protocol()) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 1 -> "icmp";
            default -> Integer.toString(e.protocol());
        };
        return proto + " " + Ipv4Address.format(e.origSource()) + ":" + (e.origPorts() >>> 16) + ">" + Ipv4Address.format(e.origDestination())
            + ":" + (e.origPorts() & 0xFFFF) + " | " + Ipv4Address.format(e.replySource()) + ":" + (e.replyPorts() >>> 16) + ">"
            + Ipv4Address.format(e.replyDestination()) + ":" + (e.replyPorts() & 0xFFFF)
            + ((e.flags() & FlowTable.ASSURED) != 0 ? " ASSURED" : "") + (e.unreplied() ? " UNREPLIED" : "");
    }
}
