package net.taprouter.dataplane.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteOrder;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.taprouter.dataplane.wire.Checksum;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * NAT's incremental checksum updates against a full recomputation, over random packets: TCP, UDP
 * (with and without a checksum) and ICMP echo, source and destination rewrites, complete and
 * partial (NEEDS_CSUM) L4 checksums, first and later fragments.
 */
class NatRewritePropertiesTest {
    private static final int IP = 2; // not at 0: offsets must be honoured

    @Property(tries = 3000)
    void incrementalEqualsFullRecompute(@ForAll long seed, @ForAll @IntRange(min = 0, max = 2) int kind,
                                        @ForAll boolean rewriteSource, @ForAll boolean partial, @ForAll boolean laterFragment,
                                        @ForAll boolean udpWithoutChecksum) {
        Random random = new Random(seed);
        int protocol = kind == 0 ? NatRewrite.PROTO_TCP : kind == 1 ? NatRewrite.PROTO_UDP : NatRewrite.PROTO_ICMP;
        boolean isPartial = partial && protocol != NatRewrite.PROTO_ICMP;
        int ihl = 5 + random.nextInt(3);
        int l4Length = (protocol == NatRewrite.PROTO_TCP ? 20 : 8) + random.nextInt(60);
        int total = ihl * 4 + l4Length;
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[IP + total]);
        for (int i = IP; i < IP + total; i++) {
            buffer.putByte(i, (byte) random.nextInt());
        }
        buffer.putByte(IP, (byte) (0x40 | ihl));
        put16(buffer, IP + 2, total);
        put16(buffer, IP + 6, laterFragment ? 1 + random.nextInt(0x1FFF) : random.nextInt(2) << 13);
        buffer.putByte(IP + 9, (byte) protocol);
        int l4 = IP + ihl * 4;
        if (protocol == NatRewrite.PROTO_ICMP) {
            buffer.putByte(l4, (byte) 8);
            buffer.putByte(l4 + 1, (byte) 0);
        }
        if (protocol == NatRewrite.PROTO_UDP) {
            put16(buffer, l4 + 4, l4Length);
        }
        boolean noChecksum = protocol == NatRewrite.PROTO_UDP && udpWithoutChecksum && !isPartial;
        fixChecksums(buffer, protocol, ihl, l4Length, isPartial, noChecksum);
        byte[] before = new byte[IP + total];
        buffer.getBytes(0, before);

        int address = random.nextInt();
        int port = random.nextInt(65536);
        if (rewriteSource) {
            NatRewrite.source(buffer, IP, address, port, isPartial);
        } else {
            NatRewrite.destination(buffer, IP, address, port, isPartial);
        }

        UnsafeBuffer expected = new UnsafeBuffer(before);
        expected.putInt(IP + (rewriteSource ? 12 : 16), address, ByteOrder.BIG_ENDIAN);
        if (!laterFragment) {
            int portAt = protocol == NatRewrite.PROTO_ICMP ? l4 + 4 : l4 + (rewriteSource ? 0 : 2);
            put16(expected, portAt, port);
        }
        if (laterFragment) {
            // only the IP header changes: its checksum must be right, the rest untouched
            put16(expected, IP + 10, 0);
            put16(expected, IP + 10, Checksum.compute(expected, IP, ihl * 4));
        } else {
            fixChecksums(expected, protocol, ihl, l4Length, isPartial, noChecksum);
        }
        assertEquals(hex(expected), hex(buffer));
    }

    /**
     * The flow fast path's one-pass TTL + source rewrite writes the same bytes as the TTL
     * decremented by {@code Ipv4View} and then {@link NatRewrite#source}, over random unfragmented
     * TCP, UDP (with and without a checksum) and ICMP echo packets, complete and partial checksums.
     */
    @Property(tries = 3000)
    void forwardSourceEqualsTtlThenSource(@ForAll long seed, @ForAll @IntRange(min = 0, max = 2) int kind,
                                          @ForAll boolean partial, @ForAll boolean udpWithoutChecksum) {
        Random random = new Random(seed);
        int protocol = kind == 0 ? NatRewrite.PROTO_TCP : kind == 1 ? NatRewrite.PROTO_UDP : NatRewrite.PROTO_ICMP;
        boolean isPartial = partial && protocol != NatRewrite.PROTO_ICMP;
        int ihl = 5 + random.nextInt(3);
        int l4Length = (protocol == NatRewrite.PROTO_TCP ? 20 : 8) + random.nextInt(60);
        int total = ihl * 4 + l4Length;
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[IP + total]);
        for (int i = IP; i < IP + total; i++) {
            buffer.putByte(i, (byte) random.nextInt());
        }
        buffer.putByte(IP, (byte) (0x40 | ihl));
        put16(buffer, IP + 2, total);
        put16(buffer, IP + 6, random.nextInt(2) << 14); // DF or not, never a fragment
        buffer.putByte(IP + 8, (byte) (2 + random.nextInt(254)));
        buffer.putByte(IP + 9, (byte) protocol);
        int l4 = IP + ihl * 4;
        if (protocol == NatRewrite.PROTO_ICMP) {
            buffer.putByte(l4, (byte) 8);
            buffer.putByte(l4 + 1, (byte) 0);
        }
        if (protocol == NatRewrite.PROTO_UDP) {
            put16(buffer, l4 + 4, l4Length);
        }
        fixChecksums(buffer, protocol, ihl, l4Length, isPartial,
            protocol == NatRewrite.PROTO_UDP && udpWithoutChecksum && !isPartial);
        UnsafeBuffer twoSteps = new UnsafeBuffer(new byte[IP + total]);
        twoSteps.putBytes(0, buffer, 0, IP + total);
        int address = random.nextInt();
        int port = random.nextInt(65536);

        net.taprouter.dataplane.wire.Ipv4View ip = new net.taprouter.dataplane.wire.Ipv4View();
        if (!ip.wrap(twoSteps, IP, total)) {
            throw new AssertionError("not a valid header");
        }
        ip.decrementTtl();
        NatRewrite.source(twoSteps, IP, address, port, isPartial);
        NatRewrite.forwardSource(buffer, IP, ihl * 4, address, port, isPartial);
        assertEquals(hex(twoSteps), hex(buffer));
    }

    @Test
    void udpChecksumThatComesOutZeroIsSentAsAllOnes() {
        // A UDP datagram whose checksum after NAT is 0 (computed): it must be 0xFFFF on the wire.
        for (int seed = 0; seed < 200_000; seed++) {
            Random random = new Random(seed);
            UnsafeBuffer buffer = new UnsafeBuffer(new byte[28]);
            buffer.putByte(0, (byte) 0x45);
            put16(buffer, 2, 28);
            buffer.putByte(8, (byte) 64);
            buffer.putByte(9, (byte) NatRewrite.PROTO_UDP);
            buffer.putInt(12, random.nextInt());
            buffer.putInt(16, random.nextInt());
            put16(buffer, 20, random.nextInt(65536));
            put16(buffer, 22, random.nextInt(65536));
            put16(buffer, 24, 8);
            fixChecksums(buffer, 0, NatRewrite.PROTO_UDP, 5, 8, false, false);
            int address = random.nextInt();
            int port = random.nextInt(65536);
            UnsafeBuffer copy = new UnsafeBuffer(new byte[28]);
            copy.putBytes(0, buffer, 0, 28);
            copy.putInt(12, address, ByteOrder.BIG_ENDIAN);
            put16(copy, 20, port);
            put16(copy, 26, 0);
            int sum = Checksum.pseudoHeaderSum(copy.getInt(12, ByteOrder.BIG_ENDIAN), copy.getInt(16, ByteOrder.BIG_ENDIAN), 17, 8);
            if (Checksum.finish(Checksum.sum(copy, 20, 8, sum)) == 0) {
                NatRewrite.source(buffer, 0, address, port, false);
                assertEquals(0xFFFF, buffer.getShort(26, ByteOrder.BIG_ENDIAN) & 0xFFFF);
                return;
            }
        }
        throw new AssertionError("no datagram with a zero checksum found");
    }

    private static void fixChecksums(UnsafeBuffer buffer, int protocol, int ihl, int l4Length, boolean partial,
                                     boolean noChecksum) {
        fixChecksums(buffer, IP, protocol, ihl, l4Length, partial, noChecksum);
    }

    private static void fixChecksums(UnsafeBuffer buffer, int ip, int protocol, int ihl, int l4Length, boolean partial,
                                     boolean noChecksum) {
        put16(buffer, ip + 10, 0);
        put16(buffer, ip + 10, Checksum.compute(buffer, ip, ihl * 4));
        int l4 = ip + ihl * 4;
        int source = buffer.getInt(ip + 12, ByteOrder.BIG_ENDIAN);
        int destination = buffer.getInt(ip + 16, ByteOrder.BIG_ENDIAN);
        switch (protocol) {
            case NatRewrite.PROTO_ICMP -> {
                put16(buffer, l4 + 2, 0);
                put16(buffer, l4 + 2, Checksum.compute(buffer, l4, l4Length));
            }
            case NatRewrite.PROTO_TCP, NatRewrite.PROTO_UDP -> {
                int at = l4 + (protocol == NatRewrite.PROTO_TCP ? 16 : 6);
                int pseudo = Checksum.pseudoHeaderSum(source, destination, protocol, l4Length);
                if (partial) {
                    put16(buffer, at, Checksum.fold(pseudo));
                } else if (noChecksum) {
                    put16(buffer, at, 0);
                } else {
                    put16(buffer, at, 0);
                    int checksum = Checksum.finish(Checksum.sum(buffer, l4, l4Length, pseudo));
                    put16(buffer, at, protocol == NatRewrite.PROTO_UDP && checksum == 0 ? 0xFFFF : checksum);
                }
            }
            default -> {
            }
        }
    }

    private static void put16(UnsafeBuffer buffer, int at, int value) {
        buffer.putShort(at, (short) value, ByteOrder.BIG_ENDIAN);
    }

    private static String hex(UnsafeBuffer buffer) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < buffer.capacity(); i++) {
            s.append(String.format("%02x", buffer.getByte(i) & 0xFF));
        }
        return s.toString();
    }
}
