package net.taprouter.dataplane.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Completing a partial checksum against the kernel doing it (OffloadGolden: frames written with
 * NEEDS_CSUM and forwarded by the kernel out of a TAP without checksum offload).
 */
class PartialChecksumTest {

    @Test
    void udpIsCompletedAsTheKernelDoes() {
        assertCompleted(OffloadGolden.UDP_PARTIAL, OffloadGolden.UDP_PARTIAL_COMPLETED, 6);
    }

    @Test
    void tcpIsCompletedAsTheKernelDoes() {
        assertCompleted(OffloadGolden.TCP_PARTIAL, OffloadGolden.TCP_PARTIAL_COMPLETED, 16);
    }

    private static void assertCompleted(String partial, String completed, int checksumOffset) {
        int at = 9;
        int length = partial.length() / 2;
        UnsafeBuffer frame = Bytes.buffer(partial, at);
        GsoSegmenterTest.forwardAsTheKernelDid(frame, at, completed);
        assertTrue(PartialChecksum.complete(frame, at, length, 34, checksumOffset));
        assertEquals(completed, Bytes.hex(frame, at, length));
        assertEquals(0, Bytes.tcpChecksumResidue(frame, at, length));
    }

    @Test
    void aZeroResultIsSentAsAllOnes() {
        // UDP_PARTIAL with its first two payload bytes chosen so that the checksum comes out 0
        int length = OffloadGolden.UDP_PARTIAL.length() / 2;
        UnsafeBuffer frame = Bytes.buffer(OffloadGolden.UDP_PARTIAL, 0);
        frame.putShort(42, (short) 0);
        int rest = Bytes.sum(frame, 34, length - 34, 0); // the pseudo-header sum is in the field
        frame.putShort(42, (short) (~rest & 0xFFFF), java.nio.ByteOrder.BIG_ENDIAN);
        assertTrue(PartialChecksum.complete(frame, 0, length, 34, 6));
        assertEquals(0xFFFF, Bytes.u16At(frame, 40));
        assertEquals(0, Bytes.tcpChecksumResidue(frame, 0, length));
    }

    @Test
    void aFieldOutsideTheFrameIsRefusedAndNothingWritten() {
        int length = OffloadGolden.UDP_PARTIAL.length() / 2;
        UnsafeBuffer frame = Bytes.buffer(OffloadGolden.UDP_PARTIAL, 0);
        String before = Bytes.hex(frame, 0, frame.capacity());
        assertFalse(PartialChecksum.complete(frame, 0, length, length - 1, 0));
        assertFalse(PartialChecksum.complete(frame, 0, length, 34, length - 35));
        assertFalse(PartialChecksum.complete(frame, 0, length, -1, 6));
        assertEquals(before, Bytes.hex(frame, 0, frame.capacity()));
        assertTrue(PartialChecksum.complete(frame, 0, length, length - 2, 0), "the last two bytes are a field");
    }
}
