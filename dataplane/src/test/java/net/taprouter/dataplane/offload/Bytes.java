package net.taprouter.dataplane.offload;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Hex and an Internet checksum of its own (not {@code wire.Checksum}) for the offload tests: the
 * code under test is checked against a second implementation.
 */
final class Bytes {
    private Bytes() {
    }

    static byte[] bytes(String hex) {
        byte[] b = new byte[hex.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    /** A buffer holding the frame at {@code at}, with 16 spare bytes after it. */
    static UnsafeBuffer buffer(String hex, int at) {
        byte[] frame = bytes(hex);
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[at + frame.length + 16]);
        buffer.putBytes(at, frame);
        return buffer;
    }

    static String hex(DirectBuffer buffer, int at, int length) {
        StringBuilder s = new StringBuilder(2 * length);
        for (int i = 0; i < length; i++) {
            int b = buffer.getByte(at + i) & 0xFF;
            s.append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 15, 16));
        }
        return s.toString();
    }

    private static int u16(DirectBuffer b, int at) {
        return (b.getByte(at) & 0xFF) << 8 | (b.getByte(at + 1) & 0xFF);
    }

    /** Ones'-complement sum of {@code length} bytes, folded to 16 bits. */
    static int sum(DirectBuffer b, int at, int length, long initial) {
        long s = initial;
        for (int i = 0; i + 1 < length; i += 2) {
            s += u16(b, at + i);
        }
        if ((length & 1) != 0) {
            s += (b.getByte(at + length - 1) & 0xFF) << 8;
        }
        while (s >> 16 != 0) {
            s = (s & 0xFFFF) + (s >> 16);
        }
        return (int) s;
    }

    /** 0 if the IPv4 header checksum of the frame at {@code at} is right. */
    static int ipChecksumResidue(DirectBuffer b, int at) {
        int ihl = (b.getByte(at + 14) & 15) * 4;
        return ~sum(b, at + 14, ihl, 0) & 0xFFFF;
    }

    /** 0 if the TCP or UDP checksum of the IPv4 frame at {@code at} is right (pseudo-header included). */
    static int tcpChecksumResidue(DirectBuffer b, int at, int frameLength) {
        int ip = at + 14;
        int ihl = (b.getByte(ip) & 15) * 4;
        int total = u16(b, ip + 2);
        long pseudo = u16(b, ip + 12) + u16(b, ip + 14) + u16(b, ip + 16) + u16(b, ip + 18)
            + (b.getByte(ip + 9) & 0xFF) + (total - ihl);
        return ~sum(b, ip + ihl, total - ihl, pseudo) & 0xFFFF;
    }

    static int u16At(DirectBuffer b, int at) {
        return u16(b, at);
    }
}
