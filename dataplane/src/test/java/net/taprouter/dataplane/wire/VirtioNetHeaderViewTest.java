package net.taprouter.dataplane.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The virtio-net header against headers a Linux 6.18 TAP (IFF_VNET_HDR, TUNSETOFFLOAD
 * CSUM|TSO4|TSO6|USO4|USO6) handed to its reader (captured by dataplane/src/test/python/gso_golden.py,
 * see offload/OffloadGolden): a SYN with a partial checksum, and a TSO super-packet.
 */
class VirtioNetHeaderViewTest {
    /** Captured: a SYN; NEEDS_CSUM, no GSO, csum_start 34, csum_offset 16 (hdr_len 0). */
    static final String KERNEL_SYN_HEADER = "01" + "00" + "0000" + "0000" + "2200" + "1000";
    /** Captured: a TSO super-packet (7354-byte frame); NEEDS_CSUM, TCPV4, hdr_len 54, gso_size 1460. */
    static final String KERNEL_TSO_HEADER = "01" + "01" + "3600" + "b405" + "2200" + "1000";
    /** What routerd writes in front of a forwarded UDP_L4 super-packet of 1000-byte segments. */
    static final String USO_HEADER = "01" + "05" + "2a00" + "e803" + "2200" + "0600";

    private final VirtioNetHeaderView view = new VirtioNetHeaderView();

    @Test
    void readsTheKernelsPartialChecksumHeader() {
        assertTrue(view.wrap(Frames.buffer(KERNEL_SYN_HEADER), 0, 10));
        assertEquals(VirtioNetHeaderView.FLAG_NEEDS_CSUM, view.flags());
        assertTrue(view.needsChecksum());
        assertEquals(VirtioNetHeaderView.GSO_NONE, view.gsoType());
        assertEquals(0, view.headerLength());
        assertEquals(0, view.gsoSize());
        assertEquals(34, view.checksumStart());
        assertEquals(16, view.checksumOffset());
    }

    @Test
    void readsTheKernelsTsoHeaderLittleEndian() {
        assertTrue(view.wrap(Frames.buffer(KERNEL_TSO_HEADER), 0, 10));
        assertTrue(view.needsChecksum());
        assertEquals(VirtioNetHeaderView.GSO_TCPV4, view.gsoType());
        assertEquals(54, view.headerLength());
        assertEquals(1460, view.gsoSize());
        assertEquals(34, view.checksumStart());
        assertEquals(16, view.checksumOffset());
    }

    @Test
    void writesTheGoldenHeaderFieldByFieldAndAtOnce() {
        UnsafeBuffer built = Frames.zeroed(USO_HEADER);
        assertTrue(view.wrap(built, 0, 10));
        view.flags(VirtioNetHeaderView.FLAG_NEEDS_CSUM);
        view.gsoType(VirtioNetHeaderView.GSO_UDP_L4);
        view.headerLength(42);
        view.gsoSize(1000);
        view.checksumStart(34);
        view.checksumOffset(6);
        assertEquals(USO_HEADER, Frames.hex(built, 0, 10));

        UnsafeBuffer again = Frames.buffer("ff".repeat(10));
        assertTrue(view.wrap(again, 0, 10));
        view.set(1, VirtioNetHeaderView.GSO_UDP_L4, 42, 1000, 34, 6);
        assertEquals(USO_HEADER, Frames.hex(again, 0, 10));
    }

    @Test
    void ecnBitTravelsWithTheType() {
        assertTrue(view.wrap(Frames.buffer("01814200e80322001000"), 0, 10));
        assertEquals(VirtioNetHeaderView.GSO_TCPV4 | VirtioNetHeaderView.GSO_ECN, view.gsoType());
        assertEquals(66, view.headerLength());
        assertEquals(1000, view.gsoSize());
    }

    @Test
    void wrapNewZeroesTheHeaderAndNothingElse() {
        UnsafeBuffer buffer = Frames.buffer("ff".repeat(12));
        assertTrue(view.wrapNew(buffer, 1, 10));
        assertEquals("ff" + "00".repeat(10) + "ff", Frames.hex(buffer, 0, 12));
        assertFalse(view.needsChecksum());
        assertEquals(VirtioNetHeaderView.GSO_NONE, view.gsoType());
    }

    @Test
    void rejectsRegionsShorterThanTheHeaderOrOutsideTheBuffer() {
        UnsafeBuffer buffer = Frames.buffer(KERNEL_SYN_HEADER);
        for (int length = -1; length < VirtioNetHeaderView.LENGTH; length++) {
            assertFalse(view.wrap(buffer, 0, length), "length " + length);
        }
        assertFalse(view.wrap(buffer, 1, 10));
        assertFalse(view.wrap(buffer, -1, 10));
        assertFalse(view.wrapNew(buffer, 1, 10));
        assertEquals(KERNEL_SYN_HEADER, Frames.hex(buffer, 0, 10), "a refused wrapNew wrote nothing");
    }
}
