package net.taprouter.dataplane.pipeline;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Byte-level helpers for the stage graph tests: hex, an Internet checksum written independently
 * of {@code wire.Checksum}, and builders for the frames the tests inject. Everything works on
 * plain {@code byte[]}, never on the dataplane's views, so the tests check the dataplane against
 * a second implementation (and the golden frames in {@link Golden} against scapy).
 */
final class Wire {
    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_ARP = 0x0806;
    static final int ETHERTYPE_IPV6 = 0x86dd;
    static final int PROTO_ICMP = 1;
    static final int PROTO_TCP = 6;
    static final int PROTO_UDP = 17;
    static final int DF = 0x4000;
    static final int MF = 0x2000;
    static final int ETH = 14;

    private Wire() {
    }

    // ---- hex and numbers

    static String hex(byte[] bytes) {
        StringBuilder text = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            text.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return text.toString();
    }

    static byte[] unhex(String text) {
        if ((text.length() & 1) != 0) {
            throw new IllegalArgumentException("odd hex length " + text.length());
        }
        byte[] bytes = new byte[text.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(text.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    /** Dotted quad to the big-endian int value (192.0.2.1 = 0xC0000201). */
    static int ip(String dotted) {
        String[] parts = dotted.split("\\.");
        if (parts.length != 4) {
            throw new IllegalArgumentException(dotted);
        }
        int value = 0;
        for (String part : parts) {
            value = (value << 8) | Integer.parseInt(part);
        }
        return value;
    }

    /** xx:xx:xx:xx:xx:xx to the low 48 bits of a long. */
    static long mac(String text) {
        return Long.parseLong(text.replace(":", ""), 16);
    }

    static int u8(byte[] b, int at) {
        return b[at] & 0xFF;
    }

    static int u16(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }

    static int u32(byte[] b, int at) {
        return (u16(b, at) << 16) | u16(b, at + 2);
    }

    static void put16(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 8);
        b[at + 1] = (byte) value;
    }

    static void put32(byte[] b, int at, int value) {
        put16(b, at, value >>> 16);
        put16(b, at + 2, value);
    }

    static void putMac(byte[] b, int at, long mac) {
        for (int i = 0; i < 6; i++) {
            b[at + i] = (byte) (mac >>> (8 * (5 - i)));
        }
    }

    static long getMac(byte[] b, int at) {
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = (mac << 8) | (b[at + i] & 0xFF);
        }
        return mac;
    }

    static byte[] slice(byte[] b, int from, int length) {
        return Arrays.copyOfRange(b, from, from + length);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Deterministic test data: byte i is {@code (i * 7 + seed) & 0xFF}. */
    static byte[] pattern(int length, int seed) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (i * 7 + seed);
        }
        return data;
    }

    // ---- checksum (RFC 1071, straightforward 16-bit loop)

    /** The Internet checksum of {@code length} bytes at {@code at}; 0 when a stored checksum is valid. */
    static int checksum(byte[] b, int at, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            int high = b[at + i] & 0xFF;
            int low = i + 1 < length ? b[at + i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    /** The header checksum the IPv4 header at {@code at} should carry (its checksum field taken as 0). */
    static int ipHeaderChecksum(byte[] b, int at) {
        int headerLength = (b[at] & 0x0F) * 4;
        byte[] copy = slice(b, at, headerLength);
        put16(copy, 10, 0);
        return checksum(copy, 0, headerLength);
    }

    // ---- frame builders

    static byte[] ether(long destination, long source, int etherType, byte[] payload) {
        byte[] frame = new byte[ETH + payload.length];
        putMac(frame, 0, destination);
        putMac(frame, 6, source);
        put16(frame, 12, etherType);
        System.arraycopy(payload, 0, frame, ETH, payload.length);
        return frame;
    }

    static byte[] arp(int operation, long senderMac, int senderIp, long targetMac, int targetIp) {
        byte[] arp = new byte[28];
        put16(arp, 0, 1);
        put16(arp, 2, ETHERTYPE_IPV4);
        arp[4] = 6;
        arp[5] = 4;
        put16(arp, 6, operation);
        putMac(arp, 8, senderMac);
        put32(arp, 14, senderIp);
        putMac(arp, 18, targetMac);
        put32(arp, 24, targetIp);
        return arp;
    }

    static byte[] udp(int sourcePort, int destinationPort, byte[] data) {
        // checksum 0 ("none"): the router never looks at it, and it keeps the builder short
        byte[] udp = new byte[8 + data.length];
        put16(udp, 0, sourcePort);
        put16(udp, 2, destinationPort);
        put16(udp, 4, udp.length);
        System.arraycopy(data, 0, udp, 8, data.length);
        return udp;
    }

    static byte[] icmp(int type, int code, int restOfHeader, byte[] data) {
        byte[] icmp = new byte[8 + data.length];
        icmp[0] = (byte) type;
        icmp[1] = (byte) code;
        put32(icmp, 4, restOfHeader);
        System.arraycopy(data, 0, icmp, 8, data.length);
        put16(icmp, 2, checksum(icmp, 0, icmp.length));
        return icmp;
    }

    static byte[] tcpSyn(int sourcePort, int destinationPort) {
        byte[] tcp = new byte[20];
        put16(tcp, 0, sourcePort);
        put16(tcp, 2, destinationPort);
        put32(tcp, 4, 0x01020304);
        tcp[12] = 0x50;
        tcp[13] = 0x02;
        put16(tcp, 14, 64240);
        return tcp;
    }

    static Ipv4 ipv4(String source, String destination) {
        return new Ipv4(ip(source), ip(destination));
    }

    /** An IPv4 packet builder; {@link #build()} computes total length and header checksum. */
    static final class Ipv4 {
        int tos;
        int identification = 0x4321;
        int flagsFragment;
        int ttl = 64;
        int protocol = PROTO_UDP;
        int source;
        int destination;
        byte[] options = new byte[0];
        byte[] payload = new byte[0];

        Ipv4(int source, int destination) {
            this.source = source;
            this.destination = destination;
        }

        Ipv4 tos(int v) {
            tos = v;
            return this;
        }

        Ipv4 id(int v) {
            identification = v;
            return this;
        }

        Ipv4 flagsFragment(int v) {
            flagsFragment = v;
            return this;
        }

        Ipv4 ttl(int v) {
            ttl = v;
            return this;
        }

        /** Options, padded by the caller to a multiple of 4 bytes. */
        Ipv4 options(byte[] v) {
            if ((v.length & 3) != 0) {
                throw new IllegalArgumentException("options not padded: " + v.length);
            }
            options = v;
            return this;
        }

        Ipv4 payload(int proto, byte[] v) {
            protocol = proto;
            payload = v;
            return this;
        }

        Ipv4 udp(int sourcePort, int destinationPort, byte[] data) {
            return payload(PROTO_UDP, Wire.udp(sourcePort, destinationPort, data));
        }

        Ipv4 icmp(int type, int code, int restOfHeader, byte[] data) {
            return payload(PROTO_ICMP, Wire.icmp(type, code, restOfHeader, data));
        }

        byte[] build() {
            int headerLength = 20 + options.length;
            byte[] ip = new byte[headerLength + payload.length];
            ip[0] = (byte) (0x40 | (headerLength / 4));
            ip[1] = (byte) tos;
            put16(ip, 2, ip.length);
            put16(ip, 4, identification);
            put16(ip, 6, flagsFragment);
            ip[8] = (byte) ttl;
            ip[9] = (byte) protocol;
            put32(ip, 12, source);
            put32(ip, 16, destination);
            System.arraycopy(options, 0, ip, 20, options.length);
            put16(ip, 10, checksum(ip, 0, headerLength));
            System.arraycopy(payload, 0, ip, headerLength, payload.length);
            return ip;
        }

        /** The packet in an Ethernet frame from {@code source} to {@code destination}. */
        byte[] frame(long destinationMac, long sourceMac) {
            return ether(destinationMac, sourceMac, ETHERTYPE_IPV4, build());
        }
    }

    /**
     * The IPv4 packet as a router forwards it: TTL one lower and the header checksum recomputed
     * from scratch (the dataplane updates it incrementally; both must agree).
     */
    static byte[] decrementTtl(byte[] ipPacket) {
        byte[] out = ipPacket.clone();
        out[8] = (byte) ((out[8] & 0xFF) - 1);
        put16(out, 10, ipHeaderChecksum(out, 0));
        return out;
    }
}
