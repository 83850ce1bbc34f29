package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.taprouter.dataplane.offload.OffloadGolden;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Frames with a virtio-net header through the graph: a super-packet forwarded whole to a port
 * with offloads (TTL once, header carried), segmented for a port without (segments byte for byte
 * the kernel's, OffloadGolden), partial checksums kept or completed (as the kernel completes
 * them), the MTU applied to gso_size (Fragmentation Needed; segments fragmented without DF),
 * headers that do not match their packet dropped, originated packets without offload state,
 * offload state kept across an ARP queue. Port 0 and port 1 of the fixture are "TAPs with
 * offloads" (headroom 10) unless a test makes port 1 a plain one (headroom 0).
 *
 * <p>The golden super-packets go from A (192.0.2.1) to B (198.51.100.1), the fixture's hosts; the
 * test rewrites their Ethernet header to reach port 0.
 */
class OffloadGraphTest extends GraphTestBase {
    private static final int ETH = 14;

    @BeforeEach
    void offloadPorts() {
        fx.tap0.headroom(10);
        fx.tap1.headroom(10);
    }

    /** A golden super-packet addressed to port 0 (its Ethernet header rewritten). */
    private static byte[] toPort0(String golden) {
        byte[] frame = Wire.unhex(golden);
        Wire.putMac(frame, 0, P0_MAC);
        Wire.putMac(frame, 6, A_MAC);
        return frame;
    }

    private static byte[] vnet(String hex) {
        return Wire.unhex(hex);
    }

    /** Everything after the Ethernet source address (EtherType, IP...). */
    private static String afterMacs(byte[] frame) {
        return Wire.hex(frame).substring(2 * 12);
    }

    private static String afterMacs(String golden) {
        return golden.substring(2 * 12);
    }

    @Test
    void aSuperPacketGoesWholeToAPortWithOffloadsWithItsHeader() {
        resolveHosts();
        byte[] in = toPort0(OffloadGolden.TCP_SUPER);
        fx.receiveOffload(0, in, vnet(OffloadGolden.TCP_SUPER_VNET));
        List<byte[]> headers = fx.tap1.headers();
        byte[] out = only(fx.tap1);
        assertEquals(in.length, out.length, "one frame, the whole super-packet");
        assertEquals(B_MAC, Wire.getMac(out, 0));
        assertEquals(P1_MAC, Wire.getMac(out, 6));
        byte[] expected = Wire.decrementTtl(Wire.slice(in, ETH, in.length - ETH));
        assertEquals(Wire.hex(expected), Wire.hex(Wire.slice(out, ETH, out.length - ETH)),
            "TTL - 1 and the IP checksum updated once; the TCP field still the partial sum");
        // NEEDS_CSUM, TCPV4|ECN, hdr_len 66 (14 + 20 + 32: our own count), gso_size 1000, csum 34/16
        assertEquals("01814200e80322001000", Wire.hex(headers.get(0)));
        fx.assertCounters("event.gso_received", 1, "event.forwarded", 1, "port.tap1.tx_packets", 1,
            "port.tap1.tx_bytes", in.length);
    }

    @Test
    void aSuperPacketIsSegmentedForAPortWithoutOffloadsAsTheKernelDoes() {
        resolveHosts();
        fx.tap1.headroom(0);
        fx.receiveOffload(0, toPort0(OffloadGolden.TCP_SUPER), vnet(OffloadGolden.TCP_SUPER_VNET));
        List<byte[]> segments = fx.tap1.take();
        String[] golden = {OffloadGolden.TCP_SEGMENT_0, OffloadGolden.TCP_SEGMENT_1, OffloadGolden.TCP_SEGMENT_2};
        assertEquals(3, segments.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(B_MAC, Wire.getMac(segments.get(i), 0));
            assertEquals(P1_MAC, Wire.getMac(segments.get(i), 6));
            assertEquals(afterMacs(golden[i]), afterMacs(segments.get(i)), "segment " + i);
        }
        fx.assertCounters("event.gso_received", 1, "event.gso_segmented", 1, "event.gso_segments_created", 3,
            "event.forwarded", 1, "port.tap1.tx_packets", 3, "port.tap1.tx_bytes", 2 * 1066 + 766);
    }

    @Test
    void aUdpSuperPacketIsSegmentedAsTheKernelDoes() {
        resolveHosts();
        fx.tap1.headroom(0);
        fx.receiveOffload(0, toPort0(OffloadGolden.UDP_SUPER), vnet(OffloadGolden.UDP_SUPER_VNET));
        List<byte[]> segments = fx.tap1.take();
        String[] golden = {OffloadGolden.UDP_SEGMENT_0, OffloadGolden.UDP_SEGMENT_1, OffloadGolden.UDP_SEGMENT_2};
        assertEquals(3, segments.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(afterMacs(golden[i]), afterMacs(segments.get(i)), "segment " + i);
        }
        fx.assertCounters("event.gso_received", 1, "event.gso_segmented", 1, "event.gso_segments_created", 3,
            "event.forwarded", 1, "port.tap1.tx_packets", 3, "port.tap1.tx_bytes", 2 * 1042 + 542);
    }

    @Test
    void aPartialChecksumStaysPartialToAPortWithOffloads() {
        resolveHosts();
        byte[] in = toPort0(OffloadGolden.UDP_PARTIAL);
        fx.receiveOffload(0, in, vnet("01000000000022000600"));
        List<byte[]> headers = fx.tap1.headers();
        byte[] out = only(fx.tap1);
        assertEquals(Wire.hex(Wire.decrementTtl(Wire.slice(in, ETH, in.length - ETH))), Wire.hex(Wire.slice(out, ETH, out.length - ETH)));
        assertEquals("01" + "00" + "2a00" + "0000" + "2200" + "0600", Wire.hex(headers.get(0)), "NEEDS_CSUM kept, hdr_len 42");
        fx.assertCounters("event.forwarded", 1, "port.tap1.tx_packets", 1, "port.tap1.tx_bytes", in.length);
    }

    @Test
    void aPartialChecksumIsCompletedForAPortWithoutOffloadsAsTheKernelDoes() {
        resolveHosts();
        fx.tap1.headroom(0);
        fx.receiveOffload(0, toPort0(OffloadGolden.TCP_PARTIAL), vnet("01000000000022001000"));
        assertEquals(afterMacs(OffloadGolden.TCP_PARTIAL_COMPLETED), afterMacs(only(fx.tap1)));
        fx.receiveOffload(0, toPort0(OffloadGolden.UDP_PARTIAL), vnet("01000000000022000600"));
        assertEquals(afterMacs(OffloadGolden.UDP_PARTIAL_COMPLETED), afterMacs(only(fx.tap1)));
        fx.assertCounters("event.checksums_completed", 2, "event.forwarded", 2, "port.tap1.tx_packets", 2,
            "port.tap1.tx_bytes", 131 + 375, "event.route_fast_path", 1); // the second, to the same host
    }

    @Test
    void aPlainFrameGetsAZeroHeaderOnAPortWithOffloads() {
        resolveHosts();
        fx.receive(0, Golden.UDP_A_TO_B);
        assertEquals("00".repeat(10), Wire.hex(fx.tap1.headers().get(0)));
        assertEquals(Golden.UDP_A_TO_B_OUT, Wire.hex(only(fx.tap1)));
    }

    @Test
    void theMtuAppliesToGsoSizeNotToTheSuperPacket() {
        resolveHosts();
        // segments of 14 + 20 + 32 + 1000 bytes: IP length 1052
        fx.iface1.mtu(1052);
        fx.receiveOffload(0, toPort0(OffloadGolden.TCP_SUPER), vnet(OffloadGolden.TCP_SUPER_VNET));
        assertEquals(OffloadGolden.TCP_SUPER.length() / 2, only(fx.tap1).length, "2752-byte packet through an MTU of 1052: whole");
        fx.assertCounters("event.gso_received", 1, "event.forwarded", 1, "port.tap1.tx_packets", 1, "port.tap1.tx_bytes", 2766);

        fx.iface1.mtu(1051); // DF: Fragmentation Needed with the MTU
        fx.receiveOffload(0, toPort0(OffloadGolden.TCP_SUPER), vnet(OffloadGolden.TCP_SUPER_VNET));
        assertEquals(0, fx.tap1.pending(), "nothing forwarded");
        List<byte[]> headers = fx.tap0.headers();
        byte[] error = only(fx.tap0);
        assertEquals("00".repeat(10), Wire.hex(headers.get(0)), "the ICMP error is a plain frame");
        int icmp = ETH + 20;
        assertEquals(3, error[icmp] & 0xFF);
        assertEquals(4, error[icmp + 1] & 0xFF);
        assertEquals(1051, Wire.u16(error, icmp + 6), "next-hop MTU");
        assertEquals(0, Wire.checksum(error, icmp, error.length - icmp), "ICMP checksum");
        assertEquals(A, Wire.u32(error, ETH + 16));
        fx.assertCounters("event.gso_received", 1, "drop.fragmentation_needed", 1, "port.tap0.rx_drops", 1,
            "event.icmp_errors_sent", 1, "origin.sent", 1, "port.tap0.tx_packets", 1, "port.tap0.tx_bytes", error.length);
    }

    @Test
    void withoutDfSegmentsOverTheMtuAreFragmented() {
        resolveHosts();
        byte[] in = toPort0(OffloadGolden.TCP_SUPER);
        Wire.put16(in, ETH + 6, 0); // no DF
        Wire.put16(in, ETH + 10, 0);
        Wire.put16(in, ETH + 10, Wire.ipHeaderChecksum(in, ETH));
        fx.iface1.mtu(576);
        fx.receiveOffload(0, in, vnet(OffloadGolden.TCP_SUPER_VNET));
        List<byte[]> frames = fx.tap1.take();
        // 3 segments (1052, 1052, 752 bytes of IP), each in 2 fragments of at most 576
        assertEquals(6, frames.size());
        int payload = 0;
        for (byte[] f : frames) {
            assertTrue(f.length - ETH <= 576, "fragment of " + (f.length - ETH));
            assertEquals(Wire.ipHeaderChecksum(f, ETH), Wire.u16(f, ETH + 10), "IP checksum");
            payload += Wire.u16(f, ETH + 2) - 20;
        }
        assertEquals(2 * (1000 + 32) + 700 + 32, payload);
        fx.assertCounters("event.gso_received", 1, "event.gso_segmented", 1, "event.gso_segments_created", 3,
            "event.fragments_created", 6, "event.forwarded", 1, "port.tap1.tx_packets", 6,
            "port.tap1.tx_bytes", frames.stream().mapToInt(f -> f.length).sum());
    }

    @Test
    void headersThatDoNotMatchTheirPacketAreDropped() {
        resolveHosts();
        String[] bad = {
            "00014200e80322001000", // GSO without NEEDS_CSUM
            "01054200e80322001000", // UDP_L4 on TCP
            "01044200e80322001000", // TCPV6 on IPv4
            "01034200e80322001000", // UFO: not accepted
            "01014200000022001000", // gso_size 0
            "01014200e80323001000", // csum_start not at the TCP header
            "01014200e80322000600", // csum_offset not TCP's
            "0100000000002200ff0f", // partial checksum field beyond the packet
            "01000000000010001000", // partial checksum starting inside the IP header
        };
        for (String header : bad) {
            fx.receiveOffload(0, toPort0(OffloadGolden.TCP_SUPER), vnet(header));
        }
        fx.assertNothingWritten();
        fx.assertCounters("drop.offload_bad", bad.length, "port.tap0.rx_drops", bad.length, "port.tap0.rx_errors", bad.length);
    }

    @Test
    void aSuperPacketOfOneSegmentIsOnlyAPartialChecksum() {
        resolveHosts();
        fx.tap1.headroom(0);
        fx.iface1.mtu(3000); // no longer a super-packet: the MTU applies to the whole packet
        // TCP_SUPER has 2700 payload bytes: with gso_size 2700 it is one segment
        fx.receiveOffload(0, toPort0(OffloadGolden.TCP_SUPER), vnet("018142008c0a22001000"));
        byte[] out = only(fx.tap1);
        assertEquals(0, Wire.checksum(Wire.concat(pseudoHeader(out), Wire.slice(out, 34, out.length - 34)), 0,
            12 + out.length - 34), "TCP checksum completed");
        fx.assertCounters("event.checksums_completed", 1, "event.forwarded", 1, "port.tap1.tx_packets", 1,
            "port.tap1.tx_bytes", out.length);
    }

    private static byte[] pseudoHeader(byte[] frame) {
        byte[] p = new byte[12];
        System.arraycopy(frame, ETH + 12, p, 0, 8);
        p[9] = frame[ETH + 9];
        Wire.put16(p, 10, Wire.u16(frame, ETH + 2) - 20);
        return p;
    }

    @Test
    void aTtlExpiredSuperPacketGetsAPlainIcmpError() {
        resolveHosts();
        byte[] in = toPort0(OffloadGolden.TCP_SUPER);
        in[ETH + 8] = 1;
        Wire.put16(in, ETH + 10, 0);
        Wire.put16(in, ETH + 10, Wire.ipHeaderChecksum(in, ETH));
        fx.receiveOffload(0, in, vnet(OffloadGolden.TCP_SUPER_VNET));
        List<byte[]> headers = fx.tap0.headers();
        byte[] error = only(fx.tap0);
        assertEquals("00".repeat(10), Wire.hex(headers.get(0)));
        assertEquals(576, error.length - ETH, "quote of 548 bytes: an error never exceeds 576");
        assertEquals(11, error[ETH + 20] & 0xFF);
    }

    @Test
    void aSynWithAPartialChecksumToTheRouterGetsAReset() {
        resolveHosts();
        // the SYN a host's kernel sends through a TAP with offloads: checksum field = pseudo-header sum
        byte[] syn = Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4,
            Wire.ipv4("192.0.2.1", "192.0.2.254").payload(Wire.PROTO_TCP, Wire.tcpSyn(40000, 80)).build());
        int l4 = ETH + 20;
        int length = syn.length - l4;
        int pseudo = Wire.checksum(Wire.concat(Wire.slice(syn, ETH + 12, 8), new byte[] {0, 6, (byte) (length >> 8), (byte) length}),
            0, 12);
        Wire.put16(syn, l4 + 16, ~pseudo & 0xFFFF);
        fx.receiveOffload(0, syn, vnet("01000000000022001000"));
        byte[] reset = only(fx.tap0);
        assertEquals(0x14, reset[l4 + 13] & 0xFF, "RST|ACK");
        fx.assertCounters("drop.local_no_listener", 1, "port.tap0.rx_drops", 1, "event.tcp_resets_sent", 1, "origin.sent", 1,
            "port.tap0.tx_packets", 1, "port.tap0.tx_bytes", reset.length);
    }

    @Test
    void offloadStateSurvivesTheArpQueue() {
        fx.resolve(0, A, A_MAC);
        fx.markCounters();
        fx.tap1.headroom(0);
        fx.receiveOffload(0, toPort0(OffloadGolden.TCP_SUPER), vnet(OffloadGolden.TCP_SUPER_VNET));
        only(fx.tap1); // the ARP request for B
        fx.receive(1, Wire.ether(P1_MAC, B_MAC, Wire.ETHERTYPE_ARP, Wire.arp(2, B_MAC, B, P1_MAC, R1)));
        List<byte[]> segments = fx.tap1.take();
        assertEquals(3, segments.size(), "segmented after the neighbour resolved");
        assertEquals(afterMacs(OffloadGolden.TCP_SEGMENT_2), afterMacs(segments.get(2)));
    }
}
