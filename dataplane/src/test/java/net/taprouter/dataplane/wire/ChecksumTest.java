package net.taprouter.dataplane.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.Random;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class ChecksumTest {
    private static final int[] CORNER_VALUES = {0x0000, 0xFFFF, 0x0001, 0xFFFE, 0x8000, 0x7FFF};

    /** Straightforward RFC 1071 reference: 16-bit words, wide accumulator, fold at the end. */
    private static int referenceChecksum(DirectBuffer buffer, int index, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            int high = buffer.getByte(index + i) & 0xFF;
            int low = i + 1 < length ? buffer.getByte(index + i + 1) & 0xFF : 0;
            sum += (high << 8) | low;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    @Test
    void rfc1071Example() {
        // RFC 1071 section 3: words 0001 f203 f4f5 f6f7 sum to 2ddf0, folded ddf2, checksum 220d.
        UnsafeBuffer buffer = Frames.buffer("0001f203f4f5f6f7");
        assertEquals(0xddf2, Checksum.fold(Checksum.sum(buffer, 0, 8, 0)));
        assertEquals(0x220d, Checksum.compute(buffer, 0, 8));

        UnsafeBuffer unaligned = Frames.buffer("0001f203f4f5f6f7", 3, 5);
        assertEquals(0x220d, Checksum.compute(unaligned, 3, 8));
    }

    @Test
    void oddLengthPadsTheLastByteOnTheRight() {
        UnsafeBuffer buffer = Frames.buffer("010203");
        assertEquals(0xfbfd, Checksum.compute(buffer, 0, 3)); // ~(0x0102 + 0x0300)
        assertEquals(0x54ff, Checksum.compute(Frames.buffer("ab"), 0, 1)); // ~0xab00
        UnsafeBuffer padded = Frames.buffer("0102030405", 1, 2);
        assertEquals(referenceChecksum(padded, 1, 5), Checksum.compute(padded, 1, 5));
        assertEquals(0xf6f9, Checksum.compute(padded, 1, 5)); // ~(0x0102 + 0x0304 + 0x0500)
    }

    @Test
    void emptyDataAndFoldCorners() {
        assertEquals(0xFFFF, Checksum.compute(Frames.buffer("00"), 0, 0));
        assertEquals(0, Checksum.fold(0));
        assertEquals(0xFFFF, Checksum.fold(0xFFFF));
        assertEquals(1, Checksum.fold(0x10000));
        assertEquals(0xFFFF, Checksum.fold(0x1FFFE));
        assertEquals(0xFFFF, Checksum.fold(0xFFFF_FFFF));
        assertEquals(0x8001, Checksum.fold(0x8000_0001)); // input is unsigned
        assertEquals(0xFFFF, Checksum.finish(0));
        assertEquals(0, Checksum.finish(0xFFFF));
    }

    @Test
    void matchesReferenceOnRandomData() {
        Random random = new Random(1071);
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[1600]);
        for (int i = 0; i < 2000; i++) {
            int index = random.nextInt(8);
            int length = random.nextInt(1500);
            for (int j = 0; j < length; j++) {
                buffer.putByte(index + j, (byte) random.nextInt());
            }
            assertEquals(referenceChecksum(buffer, index, length), Checksum.compute(buffer, index, length));
        }
    }

    @Test
    void doesNotOverflowForMaximumLength() {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[65536]);
        buffer.setMemory(0, 65536, (byte) 0xFF);
        assertEquals(referenceChecksum(buffer, 0, 65535), Checksum.compute(buffer, 0, 65535));
        assertEquals(referenceChecksum(buffer, 1, 65535), Checksum.compute(buffer, 1, 65535));
        // chained on top of a large unfolded initial value
        int chained = Checksum.sum(buffer, 0, 65534, 0xFFFF_FFFF);
        assertEquals(0xFFFF, Checksum.fold(chained));
    }

    @Test
    void chainedSumsEqualOneSum() {
        Random random = new Random(3);
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
        for (int i = 0; i < 512; i++) {
            buffer.putByte(i, (byte) random.nextInt());
        }
        int whole = Checksum.sum(buffer, 0, 512, 0);
        for (int split = 0; split <= 512; split += 2) {
            int chained = Checksum.sum(buffer, split, 512 - split, Checksum.sum(buffer, 0, split, 0));
            assertEquals(Checksum.fold(whole), Checksum.fold(chained));
        }
    }

    @Test
    void pseudoHeaderSumMatchesKernelPartialChecksums() {
        // With transmit checksum offload the veth left the folded pseudo-header sum in the field.
        int host = Ipv4Address.parse("192.0.2.1");
        int server = Ipv4Address.parse("198.51.100.1");
        assertEquals(0xec64, Checksum.fold(Checksum.pseudoHeaderSum(host, server, Ipv4View.PROTO_TCP, 40)));
        assertEquals(0xec58, Checksum.fold(Checksum.pseudoHeaderSum(host, server, Ipv4View.PROTO_UDP, 17)));
    }

    @Test
    void update16EqualsFullRecompute() {
        Random random = new Random(1624);
        UnsafeBuffer data = new UnsafeBuffer(new byte[20]);
        int zeroBefore = 0;
        int zeroAfter = 0;
        for (int i = 0; i < 10_000; i++) {
            randomise(data, random);
            int at = 2 * random.nextInt(10);
            int adjust = (at + 2 + 2 * random.nextInt(9)) % 20;
            int oldValue = u16(data, at);
            int newValue = pick(random, oldValue);
            int mode = random.nextInt(4);
            if (mode == 1) {
                forceChecksumZero(data, adjust);
            } else if (mode == 2) {
                putU16(data, at, newValue);
                forceChecksumZero(data, adjust);
                putU16(data, at, oldValue);
            }
            int before = Checksum.compute(data, 0, 20);
            putU16(data, at, newValue);
            int after = Checksum.compute(data, 0, 20);
            assertEquals(after, Checksum.update16(before, oldValue, newValue),
                    () -> "at " + at + " " + Frames.hex(data));
            assertNotEquals(0xFFFF, after);
            zeroBefore += before == 0 ? 1 : 0;
            zeroAfter += after == 0 ? 1 : 0;
        }
        String counts = zeroBefore + " / " + zeroAfter;
        assertTrue(zeroBefore > 1000 && zeroAfter > 1000, counts);
    }

    @Test
    void update32EqualsFullRecompute() {
        Random random = new Random(3022);
        UnsafeBuffer data = new UnsafeBuffer(new byte[20]);
        for (int i = 0; i < 10_000; i++) {
            randomise(data, random);
            int at = 2 * random.nextInt(9);
            int adjust = (at + 4 + 2 * random.nextInt(8)) % 20;
            int oldValue = data.getInt(at, ByteOrder.BIG_ENDIAN);
            int newValue = (pick(random, oldValue >>> 16) << 16) | pick(random, oldValue & 0xFFFF);
            int mode = random.nextInt(4);
            if (mode == 1) {
                forceChecksumZero(data, adjust);
                oldValue = data.getInt(at, ByteOrder.BIG_ENDIAN);
            } else if (mode == 2) {
                data.putInt(at, newValue, ByteOrder.BIG_ENDIAN);
                forceChecksumZero(data, adjust);
                data.putInt(at, oldValue, ByteOrder.BIG_ENDIAN);
            }
            int before = Checksum.compute(data, 0, 20);
            data.putInt(at, newValue, ByteOrder.BIG_ENDIAN);
            int after = Checksum.compute(data, 0, 20);
            int old = oldValue;
            assertEquals(after, Checksum.update32(before, oldValue, newValue),
                    () -> "at " + at + " old " + Integer.toHexString(old) + " " + Frames.hex(data));
        }
    }

    @Test
    void update32OfAnAddressRewriteMatchesGoldenHeader() {
        // NAT-style: rewrite the source of the echo request and patch the checksum.
        UnsafeBuffer frame = Frames.buffer(Frames.ICMP_ECHO_REQUEST);
        int oldSource = frame.getInt(Frames.IP + 12, ByteOrder.BIG_ENDIAN);
        int newSource = Ipv4Address.parse("203.0.113.7");
        int oldChecksum = u16(frame, Frames.IP + 10);
        frame.putInt(Frames.IP + 12, newSource, ByteOrder.BIG_ENDIAN);
        putU16(frame, Frames.IP + 10, 0);
        int full = Checksum.compute(frame, Frames.IP, 20);
        assertEquals(full, Checksum.update32(oldChecksum, oldSource, newSource));
    }

    private static void randomise(UnsafeBuffer data, Random random) {
        for (int j = 0; j < 20; j++) {
            data.putByte(j, (byte) random.nextInt());
        }
        data.putByte(0, (byte) 0x45); // never all zero, like an IPv4 header
    }

    private static int pick(Random random, int oldValue) {
        int choice = random.nextInt(8);
        if (choice < CORNER_VALUES.length) {
            return CORNER_VALUES[choice];
        }
        return choice == 6 ? oldValue : random.nextInt(0x10000);
    }

    /** Changes the word at {@code adjust} so that the data's checksum becomes 0x0000. */
    private static void forceChecksumZero(UnsafeBuffer data, int adjust) {
        int checksum = Checksum.compute(data, 0, 20);
        putU16(data, adjust, Checksum.fold(u16(data, adjust) + checksum));
        assertEquals(0, Checksum.compute(data, 0, 20));
    }

    private static int u16(DirectBuffer buffer, int index) {
        return buffer.getShort(index, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    @Test
    void verifiesAgreesWithComputeOverRandomHeadersValidOrNot() {
        Random random = new Random(1071);
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[80]);
        int valid = 0;
        for (int round = 0; round < 20_000; round++) {
            int length = 20 + 4 * random.nextInt(11); // IHL 5..15
            int index = random.nextInt(80 - length + 1); // unaligned too
            for (int i = 0; i < length; i++) {
                buffer.putByte(index + i, (byte) random.nextInt(256));
            }
            switch (random.nextInt(4)) {
                case 0 -> { // a valid header: the checksum field set from the rest
                    putU16(buffer, index + 10, 0);
                    putU16(buffer, index + 10, Checksum.compute(buffer, index, length));
                }
                case 1 -> buffer.setMemory(index, length, (byte) 0); // all zero: sums to 0, does not verify
                case 2 -> buffer.setMemory(index, length, (byte) 0xFF); // all ones: verifies
                default -> { } // random: almost never valid
            }
            boolean expected = referenceChecksum(buffer, index, length) == 0;
            valid += expected ? 1 : 0;
            assertEquals(expected, Checksum.verifies(buffer, index, length), "length " + length + " at " + index);
        }
        assertTrue(valid > 5_000, "valid headers tried: " + valid);
    }

    private static void putU16(UnsafeBuffer buffer, int index, int value) {
        buffer.putShort(index, (short) value, ByteOrder.BIG_ENDIAN);
    }
}
