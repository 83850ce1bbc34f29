package net.taprouter.dataplane.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import net.taprouter.dataplane.wire.Ipv4View;
import net.taprouter.dataplane.wire.VirtioNetHeaderView;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Segments of the segmenter against the kernel's own software GSO (OffloadGolden: segments the
 * kernel made forwarding the same super-packets out of a TAP without offloads). Before segmenting,
 * the test does what the router does to the super-packet (TTL - 1 with its incremental checksum
 * update) and what the kernel did to the Ethernet header, then compares every byte.
 */
class GsoSegmenterTest {
    private final GsoSegmenter segmenter = new GsoSegmenter();

    @Test
    void tcpSegmentsAreTheKernels() {
        assertSegments(OffloadGolden.TCP_SUPER, OffloadGolden.TCP_SUPER_VNET, OffloadGolden.TCP_SEGMENT_0,
            OffloadGolden.TCP_SEGMENT_1, OffloadGolden.TCP_SEGMENT_2);
    }

    @Test
    void udpSegmentsAreTheKernels() {
        assertSegments(OffloadGolden.UDP_SUPER, OffloadGolden.UDP_SUPER_VNET, OffloadGolden.UDP_SEGMENT_0,
            OffloadGolden.UDP_SEGMENT_1, OffloadGolden.UDP_SEGMENT_2);
    }

    private void assertSegments(String superPacket, String vnet, String... expected) {
        UnsafeBuffer in = Bytes.buffer(superPacket, 64);
        int length = superPacket.length() / 2;
        forwardAsTheKernelDid(in, 64, expected[0]);
        VirtioNetHeaderView header = new VirtioNetHeaderView();
        header.wrap(Bytes.buffer(vnet, 0), 0, 10);
        assertEquals(expected.length, segmenter.start(in, 64, length, header.gsoType(), header.gsoSize()));
        UnsafeBuffer out = new UnsafeBuffer(new byte[70_000]);
        for (int i = 0; i < expected.length; i++) {
            int at = 100 + 7 * i; // any offset, any alignment
            int n = segmenter.segment(i, out, at);
            assertEquals(expected[i].length() / 2, n, "length of segment " + i);
            assertEquals(n, segmenter.segmentLength(i));
            assertEquals(expected[i], Bytes.hex(out, at, n), "segment " + i);
        }
    }

    /** TTL - 1 (incremental checksum, as ForwardStage), then the Ethernet header of the kernel's output. */
    static void forwardAsTheKernelDid(UnsafeBuffer frame, int at, String kernelSegment) {
        Ipv4View ip = new Ipv4View();
        ip.wrap(frame, at + 14, frame.capacity() - at - 14);
        ip.decrementTtl();
        frame.putBytes(at, Bytes.bytes(kernelSegment.substring(0, 28)));
    }

    @Test
    void aSuperPacketThatFitsOneSegmentGivesOneWithItsChecksumCompleted() {
        UnsafeBuffer in = Bytes.buffer(OffloadGolden.TCP_SUPER, 0);
        int length = OffloadGolden.TCP_SUPER.length() / 2;
        assertEquals(1, segmenter.start(in, 0, length, VirtioNetHeaderView.GSO_TCPV4, 4000));
        UnsafeBuffer out = new UnsafeBuffer(new byte[length]);
        assertEquals(length, segmenter.segment(0, out, 0));
        assertEquals(OffloadGolden.TCP_SUPER.substring(0, 2 * 50), Bytes.hex(out, 0, 50), "all but the checksum");
        assertEquals(OffloadGolden.TCP_SUPER.substring(2 * 52), Bytes.hex(out, 52, length - 52));
        assertEquals(0, Bytes.tcpChecksumResidue(out, 0, length), "a valid TCP checksum");
    }

    @Test
    void refusesWhatItCannotSegment() {
        UnsafeBuffer tcp = Bytes.buffer(OffloadGolden.TCP_SUPER, 0);
        int length = OffloadGolden.TCP_SUPER.length() / 2;
        assertEquals(0, segmenter.start(tcp, 0, length, VirtioNetHeaderView.GSO_UDP_L4, 1000), "type does not match the protocol");
        assertEquals(0, segmenter.start(tcp, 0, length, VirtioNetHeaderView.GSO_TCPV6, 1000), "IPv6 type");
        assertEquals(0, segmenter.start(tcp, 0, length, VirtioNetHeaderView.GSO_UDP, 1000), "UFO");
        assertEquals(0, segmenter.start(tcp, 0, length, VirtioNetHeaderView.GSO_TCPV4, 0), "gso_size 0");
        assertEquals(0, segmenter.start(tcp, 0, length - 1, VirtioNetHeaderView.GSO_TCPV4, 1000), "frame shorter than the IP packet");
        assertThrows(IndexOutOfBoundsException.class, () -> segmenter.segment(0, tcp, 0), "after a refusal");
        tcp.putShort(14 + 6, (short) 0x2000, java.nio.ByteOrder.BIG_ENDIAN);
        assertEquals(0, segmenter.start(tcp, 0, length, VirtioNetHeaderView.GSO_TCPV4, 1000), "a fragment");
        UnsafeBuffer udp = Bytes.buffer(OffloadGolden.UDP_SUPER, 0);
        assertEquals(0, segmenter.start(udp, 0, OffloadGolden.UDP_SUPER.length() / 2, VirtioNetHeaderView.GSO_TCPV4, 1000));
        assertEquals(3, segmenter.start(udp, 0, OffloadGolden.UDP_SUPER.length() / 2, VirtioNetHeaderView.GSO_UDP_L4, 1000));
        assertThrows(IndexOutOfBoundsException.class, () -> segmenter.segment(3, udp, 0));
    }
}
