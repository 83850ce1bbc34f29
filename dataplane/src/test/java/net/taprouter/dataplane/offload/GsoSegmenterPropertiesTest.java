package net.taprouter.dataplane.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.taprouter.dataplane.wire.VirtioNetHeaderView;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Random TCP and UDP super-packets (any payload length, segment size, TCP options, flags,
 * sequence number and IP id, partial checksum in the field): reassembling the segments gives the
 * original payload, and every segment is a valid packet on its own (IP and L4 checksums, lengths,
 * id, sequence number, flags where the kernel puts them).
 */
class GsoSegmenterPropertiesTest {
    private static final int SRC = 0xC0000201;
    private static final int DST = 0xC6336401;

    private final GsoSegmenter segmenter = new GsoSegmenter();
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[70_000]);

    @Property(tries = 400)
    void segmentsReassembleToTheOriginal(@ForAll @IntRange(max = 65_000) int payloadLength,
                                         @ForAll @IntRange(min = 1, max = 9_000) int gsoSize,
                                         @ForAll boolean udp,
                                         @ForAll @IntRange(max = 10) int optionWords,
                                         @ForAll long seed) {
        Random random = new Random(seed);
        int l4Header = udp ? 8 : 20 + 4 * optionWords;
        int total = 20 + l4Header + payloadLength;
        if (total > 65_535) {
            payloadLength -= total - 65_535;
            total = 65_535;
        }
        byte[] payload = new byte[payloadLength];
        random.nextBytes(payload);
        int id = random.nextInt(0x10000);
        int seq = random.nextInt();
        int flags = udp ? 0 : 0x10 | random.nextInt(0x100) & (0x01 | 0x08 | 0x80 | 0x40 | 0x20);
        int at = 1 + random.nextInt(64);
        UnsafeBuffer in = new UnsafeBuffer(new byte[at + 14 + total]);
        build(in, at, udp, l4Header, payload, id, seq, flags);
        int frameLength = 14 + total;
        int type = udp ? VirtioNetHeaderView.GSO_UDP_L4 : VirtioNetHeaderView.GSO_TCPV4;
        int count = segmenter.start(in, at, frameLength, type, gsoSize);
        assertEquals(Math.max(1, (payloadLength + gsoSize - 1) / gsoSize), count);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            int n = segmenter.segment(i, out, 3);
            int chunk = n - 14 - 20 - l4Header;
            assertTrue(chunk <= gsoSize && (chunk == gsoSize || i == count - 1), "segment " + i + " holds " + chunk);
            assertEquals(0, Bytes.ipChecksumResidue(out, 3), "IP checksum of segment " + i);
            assertEquals(0, Bytes.tcpChecksumResidue(out, 3, n), "L4 checksum of segment " + i);
            assertEquals(n - 14, Bytes.u16At(out, 3 + 14 + 2), "IP total length");
            assertEquals((id + i) & 0xFFFF, Bytes.u16At(out, 3 + 14 + 4), "IP id");
            int l4 = 3 + 14 + 20;
            if (udp) {
                assertEquals(8 + chunk, Bytes.u16At(out, l4 + 4), "UDP length");
                assertTrue(Bytes.u16At(out, l4 + 6) != 0, "UDP checksum present");
            } else {
                assertEquals(seq + i * gsoSize, out.getInt(l4 + 4, ByteOrder.BIG_ENDIAN), "sequence number");
                int f = out.getByte(l4 + 13) & 0xFF;
                boolean last = i == count - 1;
                assertEquals(last ? flags & 0x09 : 0, f & 0x09, "FIN/PSH of segment " + i);
                assertEquals(i == 0 ? flags & 0x80 : 0, f & 0x80, "CWR of segment " + i);
                assertEquals(flags & 0x70, f & 0x70, "other flags");
                assertEquals(Bytes.hex(in, at + 34 + 14, 2) + Bytes.hex(in, at + 34 + 18, l4Header - 18),
                    Bytes.hex(out, l4 + 14, 2) + Bytes.hex(out, l4 + 18, l4Header - 18),
                    "window, urgent pointer and options copied");
            }
            byte[] data = new byte[chunk];
            out.getBytes(n + 3 - chunk, data);
            joined.writeBytes(data);
        }
        assertArrayEquals(payload, joined.toByteArray(), "reassembled payload");
    }

    /** A super-packet as a sender's kernel leaves it: lengths of the whole, the pseudo-header sum in the L4 field. */
    private static void build(UnsafeBuffer b, int at, boolean udp, int l4Header, byte[] payload, int id, int seq, int flags) {
        int total = 20 + l4Header + payload.length;
        b.putLong(at, 0x00005e005302_0000L, ByteOrder.BIG_ENDIAN); // any MACs
        b.putShort(at + 12, (short) 0x0800, ByteOrder.BIG_ENDIAN);
        int ip = at + 14;
        b.putByte(ip, (byte) 0x45);
        b.putShort(ip + 2, (short) total, ByteOrder.BIG_ENDIAN);
        b.putShort(ip + 4, (short) id, ByteOrder.BIG_ENDIAN);
        b.putShort(ip + 6, (short) 0x4000, ByteOrder.BIG_ENDIAN);
        b.putByte(ip + 8, (byte) 64);
        b.putByte(ip + 9, (byte) (udp ? 17 : 6));
        b.putInt(ip + 12, SRC, ByteOrder.BIG_ENDIAN);
        b.putInt(ip + 16, DST, ByteOrder.BIG_ENDIAN);
        b.putShort(ip + 10, (short) (~Bytes.sum(b, ip, 20, 0) & 0xFFFF), ByteOrder.BIG_ENDIAN);
        int l4 = ip + 20;
        int l4Length = l4Header + payload.length;
        long pseudo = (SRC >>> 16) + (SRC & 0xFFFF) + (DST >>> 16) + (DST & 0xFFFF) + (udp ? 17 : 6) + l4Length;
        int partial = (int) ((pseudo & 0xFFFF) + (pseudo >> 16));
        partial = (partial & 0xFFFF) + (partial >> 16);
        b.putShort(l4, (short) 40000, ByteOrder.BIG_ENDIAN);
        b.putShort(l4 + 2, (short) 5201, ByteOrder.BIG_ENDIAN);
        if (udp) {
            b.putShort(l4 + 4, (short) l4Length, ByteOrder.BIG_ENDIAN);
            b.putShort(l4 + 6, (short) partial, ByteOrder.BIG_ENDIAN);
        } else {
            b.putInt(l4 + 4, seq, ByteOrder.BIG_ENDIAN);
            b.putInt(l4 + 8, 0x01020304, ByteOrder.BIG_ENDIAN);
            b.putByte(l4 + 12, (byte) ((l4Header / 4) << 4));
            b.putByte(l4 + 13, (byte) flags);
            b.putShort(l4 + 14, (short) 502, ByteOrder.BIG_ENDIAN);
            b.putShort(l4 + 16, (short) partial, ByteOrder.BIG_ENDIAN);
            b.putShort(l4 + 18, (short) 0x1234, ByteOrder.BIG_ENDIAN);
            for (int i = 20; i < l4Header; i++) {
                b.putByte(l4 + i, (byte) (i == 20 || i == 21 ? 1 : i)); // NOPs then arbitrary option bytes
            }
        }
        b.putBytes(l4 + l4Header, payload);
    }
}
