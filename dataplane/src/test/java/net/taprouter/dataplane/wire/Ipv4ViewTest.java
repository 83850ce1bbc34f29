package net.taprouter.dataplane.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class Ipv4ViewTest {
    private static final int IP = Frames.IP;

    private final Ipv4View view = new Ipv4View();

    @Test
    void deconstructsEchoRequestHeader() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ICMP_ECHO_REQUEST);
        assertTrue(view.wrap(buffer, IP, 52));
        assertSame(buffer, view.buffer());
        assertEquals(IP, view.offset());
        assertEquals(52, view.length());
        assertEquals(4, view.version());
        assertEquals(5, view.ihl());
        assertEquals(20, view.headerLength());
        assertEquals(0, view.tos());
        assertEquals(52, view.totalLength());
        assertEquals(0x93cd, view.identification());
        assertEquals(0x4000, view.flagsFragment());
        assertTrue(view.dontFragment());
        assertFalse(view.moreFragments());
        assertEquals(0, view.fragmentOffset());
        assertFalse(view.isFragment());
        assertEquals(64, view.ttl());
        assertEquals(Ipv4View.PROTO_ICMP, view.protocol());
        assertEquals(0xbac5, view.headerChecksum());
        assertEquals(Ipv4Address.parse("192.0.2.1"), view.source());
        assertEquals(Ipv4Address.parse("198.51.100.1"), view.destination());
        assertEquals(IP + 20, view.payloadOffset());
        assertEquals(0xbac5, view.computeHeaderChecksum());
        assertTrue(view.isHeaderChecksumValid());
    }

    @Test
    void deconstructsHeaderWithOptions() {
        UnsafeBuffer buffer = Frames.buffer(Frames.IPV4_WITH_OPTIONS);
        assertTrue(view.wrap(buffer, IP, 36));
        assertEquals(4, view.version());
        assertEquals(6, view.ihl());
        assertEquals(24, view.headerLength());
        assertEquals(0xc0, view.tos());
        assertEquals(36, view.totalLength());
        assertEquals(0x1234, view.identification());
        assertEquals(0, view.flagsFragment());
        assertFalse(view.dontFragment());
        assertEquals(1, view.ttl());
        assertEquals(Ipv4View.PROTO_UDP, view.protocol());
        assertEquals(0x6fb9, view.headerChecksum());
        assertEquals(Ipv4Address.parse("224.0.0.22"), view.destination());
        assertEquals(IP + 24, view.payloadOffset());
        assertEquals(0x6fb9, view.computeHeaderChecksum());
        assertTrue(view.isHeaderChecksumValid());
    }

    @Test
    void constructsTheGoldenHeader() {
        UnsafeBuffer golden = Frames.buffer(Frames.ICMP_ECHO_REQUEST);
        UnsafeBuffer built = Frames.zeroed(Frames.ICMP_ECHO_REQUEST);
        assertFalse(view.wrap(built, IP, 52), "IHL 0 in a zeroed buffer");
        assertTrue(view.wrapNew(built, IP, 52));
        view.versionAndIhl(4, 5);
        view.tos(0);
        view.totalLength(52);
        view.identification(0x93cd);
        view.flagsFragment(Ipv4View.FLAG_DONT_FRAGMENT);
        view.ttl(64);
        view.protocol(Ipv4View.PROTO_ICMP);
        view.source(Ipv4Address.parse("192.0.2.1"));
        view.destination(Ipv4Address.parse("198.51.100.1"));
        view.updateHeaderChecksum();
        assertEquals(Frames.hex(golden, IP, 20), Frames.hex(built, IP, 20));
        assertEquals("00".repeat(32), Frames.hex(built, IP + 20, 32));
    }

    @Test
    void constructsTheGoldenHeaderWithOptions() {
        UnsafeBuffer golden = Frames.buffer(Frames.IPV4_WITH_OPTIONS);
        UnsafeBuffer built = Frames.zeroed(Frames.IPV4_WITH_OPTIONS);
        built.setMemory(IP, 36, (byte) 0x77); // wrapNew clears the fixed header
        built.setMemory(IP + 24, 12, (byte) 0);
        assertTrue(view.wrapNew(built, IP, 36));
        view.versionAndIhl(4, 6);
        assertEquals(24, view.headerLength());
        built.putInt(IP + 20, 0x94040000, ByteOrder.BIG_ENDIAN); // Router Alert
        view.tos(0xc0);
        view.totalLength(36);
        view.identification(0x1234);
        view.flagsFragment(0);
        view.ttl(1);
        view.protocol(Ipv4View.PROTO_UDP);
        view.headerChecksum(0xdead); // ignored by the computation
        view.source(Ipv4Address.parse("192.0.2.1"));
        view.destination(Ipv4Address.parse("224.0.0.22"));
        view.updateHeaderChecksum();
        assertEquals(Frames.hex(golden, IP, 24), Frames.hex(built, IP, 24));
        assertEquals(IP + 24, view.payloadOffset());
    }

    @Test
    void rejectsTruncatedHeaders() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ICMP_ECHO_REQUEST);
        for (int length = -1; length < Ipv4View.MIN_HEADER_LENGTH; length++) {
            assertFalse(view.wrap(buffer, IP, length), "length " + length);
            assertFalse(view.wrapNew(Frames.zeroed(Frames.ICMP_ECHO_REQUEST), IP, length), "length " + length);
        }
        assertFalse(view.wrap(buffer, IP + 1, 52), "past the end of the buffer");

        UnsafeBuffer options = Frames.buffer(Frames.IPV4_WITH_OPTIONS);
        for (int length = 20; length < 24; length++) {
            assertFalse(view.wrap(options, IP, length), "IHL 6 in " + length + " bytes");
        }
        assertTrue(view.wrap(options, IP, 24));

        for (int ihl = 0; ihl < 5; ihl++) {
            buffer.putByte(IP, (byte) (0x40 | ihl));
            assertFalse(view.wrap(buffer, IP, 52), "IHL " + ihl);
        }
        buffer.putByte(IP, (byte) 0x4f);
        assertFalse(view.wrap(buffer, IP, 52), "IHL 15 past the end");
        UnsafeBuffer big = new UnsafeBuffer(new byte[60]);
        big.putByte(0, (byte) 0x4f);
        assertFalse(view.wrap(big, 0, 59));
        assertTrue(view.wrap(big, 0, 60));
        assertEquals(60, view.headerLength());
    }

    @Test
    void failedWrapLeavesTheViewUnchanged() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ICMP_ECHO_REQUEST);
        assertTrue(view.wrap(buffer, IP, 52));
        assertFalse(view.wrap(new UnsafeBuffer(new byte[10]), 0, 10));
        assertSame(buffer, view.buffer());
        assertEquals(52, view.length());
    }

    @Test
    void ignoresTrailingBytes() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ICMP_ECHO_REQUEST, 5, 30);
        assertTrue(view.wrap(buffer, 5 + IP, 52 + 30));
        assertEquals(52 + 30, view.length());
        assertEquals(52, view.totalLength());
        assertEquals(20, view.headerLength());
        assertEquals(0x93cd, view.identification());
        assertEquals(Ipv4Address.parse("198.51.100.1"), view.destination());
        assertEquals(0xbac5, view.computeHeaderChecksum());
        assertTrue(view.isHeaderChecksumValid());
        assertEquals(5 + IP + 20, view.payloadOffset());

        UnsafeBuffer options = Frames.buffer(Frames.IPV4_WITH_OPTIONS, 3, 7);
        assertTrue(view.wrap(options, 3 + IP, 36 + 7));
        assertEquals(0x6fb9, view.computeHeaderChecksum());
        assertEquals(3 + IP + 24, view.payloadOffset());
    }

    @Test
    void decodesFlagsAndFragmentOffset() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ICMP_ECHO_REQUEST);
        assertTrue(view.wrap(buffer, IP, 52));
        int[][] cases = { // flagsFragment, DF, MF, offset, isFragment
            {0x0000, 0, 0, 0, 0}, {0x4000, 1, 0, 0, 0}, {0x2000, 0, 1, 0, 1}, {0x0001, 0, 0, 1, 1},
            {0x20b9, 0, 1, 185, 1}, {0x1fff, 0, 0, 0x1fff, 1}, {0x8000, 0, 0, 0, 0}, {0xffff, 1, 1, 0x1fff, 1},
        };
        for (int[] c : cases) {
            view.flagsFragment(c[0]);
            assertEquals(c[0], view.flagsFragment());
            assertEquals(c[1] == 1, view.dontFragment());
            assertEquals(c[2] == 1, view.moreFragments());
            assertEquals(c[3], view.fragmentOffset());
            assertEquals(c[4] == 1, view.isFragment(), Integer.toHexString(c[0]));
        }
    }

    @Test
    void detectsCorruptedHeaders() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ICMP_ECHO_REQUEST);
        assertTrue(view.wrap(buffer, IP, 52));
        for (int i = 0; i < 20; i++) {
            byte original = buffer.getByte(IP + i);
            buffer.putByte(IP + i, (byte) (original ^ 0x10));
            assertFalse(view.isHeaderChecksumValid(), "flipped byte " + i);
            buffer.putByte(IP + i, original);
        }
        assertTrue(view.isHeaderChecksumValid());
    }

    @Test
    void decrementTtlPatchesTheGoldenChecksum() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ICMP_ECHO_REQUEST);
        assertTrue(view.wrap(buffer, IP, 52));
        view.decrementTtl();
        assertEquals(63, view.ttl());
        assertEquals(0xbbc5, view.headerChecksum());
        assertEquals(view.computeHeaderChecksum(), view.headerChecksum());

        view.ttl(0);
        view.updateHeaderChecksum();
        int checksum = view.headerChecksum();
        view.decrementTtl();
        assertEquals(0, view.ttl());
        assertEquals(checksum, view.headerChecksum());
    }

    @Test
    void decrementTtlEqualsFullRecomputeOnRandomHeaders() {
        Random random = new Random(1812);
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        int zeroBefore = 0;
        int zeroAfter = 0;
        for (int i = 0; i < 10_000; i++) {
            for (int j = 0; j < 64; j++) {
                buffer.putByte(j, (byte) random.nextInt());
            }
            int ihl = random.nextInt(4) == 0 ? 5 + random.nextInt(11) : 5;
            buffer.putByte(0, (byte) (0x40 | ihl));
            assertTrue(view.wrap(buffer, 0, 64));
            int ttl = 1 + random.nextInt(255);
            view.ttl(ttl);
            int mode = random.nextInt(4);
            if (mode == 1) {
                forceHeaderChecksumZero();
            } else if (mode == 2) {
                view.ttl(ttl - 1);
                forceHeaderChecksumZero();
                view.ttl(ttl);
            }
            view.updateHeaderChecksum();
            int before = view.headerChecksum();
            view.decrementTtl();
            assertEquals(ttl - 1, view.ttl());
            int full = view.computeHeaderChecksum();
            assertEquals(full, view.headerChecksum(), () -> Frames.hex(buffer, 0, view.headerLength()));
            assertTrue(view.isHeaderChecksumValid());
            zeroBefore += before == 0 ? 1 : 0;
            zeroAfter += full == 0 ? 1 : 0;
        }
        String counts = zeroBefore + " / " + zeroAfter;
        assertTrue(zeroBefore > 1000 && zeroAfter > 1000, counts);
    }

    @Test
    void versionAndIhlMustFitTheRegion() {
        UnsafeBuffer buffer = Frames.buffer(Frames.IPV4_WITH_OPTIONS);
        assertTrue(view.wrap(buffer, IP, 24));
        assertThrows(IllegalArgumentException.class, () -> view.versionAndIhl(4, 4));
        assertThrows(IllegalArgumentException.class, () -> view.versionAndIhl(4, 7));
        assertThrows(IllegalArgumentException.class, () -> view.versionAndIhl(4, 16));
        assertEquals(24, view.headerLength());
        view.versionAndIhl(4, 5);
        assertEquals(20, view.headerLength());
        assertEquals(IP + 20, view.payloadOffset());
        assertEquals(0x45, buffer.getByte(IP));
    }

    /** Adjusts the identification so that the full header checksum becomes 0x0000. */
    private void forceHeaderChecksumZero() {
        int checksum = view.computeHeaderChecksum();
        view.identification(Checksum.fold(view.identification() + checksum));
        assertEquals(0, view.computeHeaderChecksum());
    }
}
