package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Egress MTU: Fragmentation Needed with DF, fragmentation without. Port 1 has MTU 576. */
class MtuFragmentTest extends GraphTestBase {
    private static final int MTU = 576;
    /** Router Alert (copied, class 0, number 20), 4 bytes. */
    private static final byte[] ROUTER_ALERT = {(byte) 0x94, 0x04, 0x00, 0x00};
    /** Record Route (not copied), room for one address, then End of Options list. */
    private static final byte[] RECORD_ROUTE_AND_EOL = {0x07, 0x07, 0x04, 0, 0, 0, 0, 0x00};

    @BeforeEach
    void setUp() {
        resolveHosts();
        fx.iface1.mtu(MTU);
    }

    @Test
    void dfPacketOverTheMtuGetsFragmentationNeededWithTheMtu() {
        byte[] in = Wire.ipv4("192.0.2.1", "198.51.100.1").id(0x0200).flagsFragment(Wire.DF)
            .udp(40000, 9, Wire.pattern(972, 1)).build();
        assertEquals(1000, in.length);

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, in));

        byte[] error = only(fx.tap0);
        fx.assertNothingWritten();
        assertEquals(14 + 576, error.length);
        assertEquals(Golden.FRAG_NEEDED_HEAD, Wire.hex(Wire.slice(error, 0, 42)));
        // the same, field by field
        assertEquals(3, Wire.u8(error, 34), "type");
        assertEquals(4, Wire.u8(error, 35), "code");
        assertEquals(0, Wire.u16(error, 38), "unused");
        assertEquals(MTU, Wire.u16(error, 40), "next-hop MTU");
        assertEquals(576, Wire.u16(error, 14 + 2), "outer total length");
        assertEquals(Wire.ipHeaderChecksum(error, 14), Wire.u16(error, 14 + 10), "IP checksum");
        assertEquals(0, Wire.checksum(error, 34, error.length - 34), "ICMP checksum");
        // quote: as forwarded so far (TTL already decremented, RFC 1812 4.3.2.3 allows it)
        assertEquals(Wire.hex(Wire.slice(Wire.decrementTtl(in), 0, 548)), Wire.hex(Wire.slice(error, 42, 548)), "quote");
        fx.assertCounters("drop.fragmentation_needed", 1, "event.icmp_errors_sent", 1, "origin.sent", 1,
            "port.tap0.rx_drops", 1, "port.tap0.tx_bytes", 590, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void dfPacketOfExactlyTheMtuIsForwarded() {
        byte[] in = Wire.ipv4("192.0.2.1", "198.51.100.1").flagsFragment(Wire.DF).udp(1, 2, Wire.pattern(MTU - 28, 3)).build();

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, in));

        assertEquals(Wire.hex(Wire.ether(B_MAC, P1_MAC, Wire.ETHERTYPE_IPV4, Wire.decrementTtl(in))), Wire.hex(only(fx.tap1)));
        fx.assertNothingWritten();
        fx.assertCounters("event.forwarded", 1, "port.tap1.tx_packets", 1, "port.tap1.tx_bytes", 14 + MTU);
        fx.assertNoLeak();
    }

    @Test
    void withoutDfThePacketIsFragmented() {
        byte[] in = Wire.ipv4("192.0.2.1", "198.51.100.1").id(0x0300).tos(0x28)
            .udp(40000, 9, Wire.pattern(972, 1)).build();

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, in));

        List<byte[]> fragments = fx.tap1.take();
        fx.assertNothingWritten();
        byte[] payload = checkFragments(in, fragments, 20, 20);
        assertArrayEquals(Wire.slice(in, 20, in.length - 20), payload, "reassembled payload");
        assertEquals(2, fragments.size());
        assertEquals(20 + 552, fragments.get(0).length - 14);
        assertEquals(20 + 428, fragments.get(1).length - 14);
        fx.assertCounters("event.forwarded", 1, "event.fragments_created", 2,
            "port.tap1.tx_packets", 2, "port.tap1.tx_bytes", 14 + 572 + 14 + 448);
        fx.assertNoLeak();
    }

    @Test
    void laterFragmentsCarryOnlyTheCopiedOptions() {
        byte[] options = Wire.concat(ROUTER_ALERT, RECORD_ROUTE_AND_EOL);
        byte[] in = Wire.ipv4("192.0.2.1", "198.51.100.1").id(0x0400).options(options)
            .udp(40000, 9, Wire.pattern(1400 - 32 - 8, 5)).build();
        assertEquals(1400, in.length);

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, in));

        List<byte[]> fragments = fx.tap1.take();
        fx.assertNothingWritten();
        byte[] payload = checkFragments(in, fragments, 32, 24);
        assertArrayEquals(Wire.slice(in, 32, in.length - 32), payload, "reassembled payload");
        assertEquals(3, fragments.size());
        // first: every option; later: Router Alert only
        assertArrayEquals(options, Wire.slice(fragments.get(0), 14 + 20, 12), "options of the first fragment");
        for (int i = 1; i < fragments.size(); i++) {
            assertEquals(0x46, Wire.u8(fragments.get(i), 14), "IHL of fragment " + i);
            assertArrayEquals(ROUTER_ALERT, Wire.slice(fragments.get(i), 14 + 20, 4), "options of fragment " + i);
        }
        fx.assertCounters("event.forwarded", 1, "event.fragments_created", 3,
            "port.tap1.tx_packets", 3, "port.tap1.tx_bytes", 3 * 14 + 32 + 544 + 24 + 552 + 24 + 272);
        fx.assertNoLeak();
    }

    @Test
    void aFragmentIsFragmentedFurtherKeepingOffsetAndMoreFragments() {
        byte[] in = Wire.ipv4("192.0.2.1", "198.51.100.1").id(0x0600).flagsFragment(Wire.MF | 100)
            .payload(Wire.PROTO_UDP, Wire.pattern(976, 6)).build();

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, in));

        List<byte[]> fragments = fx.tap1.take();
        fx.assertNothingWritten();
        assertEquals(2, fragments.size());
        byte[] payload = checkFragments(in, fragments, 20, 20);
        assertArrayEquals(Wire.slice(in, 20, in.length - 20), payload);
        assertEquals(Wire.MF | 100, Wire.u16(fragments.get(0), 14 + 6));
        assertEquals(Wire.MF | (100 + 552 / 8), Wire.u16(fragments.get(1), 14 + 6), "MF stays: more of the original follows");
        fx.assertCounters("event.forwarded", 1, "event.fragments_created", 2,
            "port.tap1.tx_packets", 2, "port.tap1.tx_bytes", 14 + 572 + 14 + 444);
        fx.assertNoLeak();
    }

    @Test
    void aQueuedPacketIsFragmentedWhenItsNeighbourResolves() {
        assertTrue(fx.graph.resolver().remove(1, B), "B unknown again");
        fx.markCounters();
        byte[] in = Wire.ipv4("192.0.2.1", "198.51.100.1").id(0x0700).udp(40000, 9, Wire.pattern(972, 7)).build();

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, in));
        assertEquals(Golden.ARP_REQUEST_FOR_B, Wire.hex(only(fx.tap1)));
        fx.receive(1, Golden.ARP_REPLY_FROM_B);

        List<byte[]> fragments = fx.tap1.take();
        fx.assertNothingWritten();
        assertArrayEquals(Wire.slice(in, 20, in.length - 20), checkFragments(in, fragments, 20, 20));
        fx.assertCounters("event.arp_learned", 1, "event.arp_replies_received", 1, "event.arp_requests_sent", 1,
            "event.forwarded", 1, "event.fragments_created", 2, "event.local_delivered", 1,
            "event.neighbour_queued", 1, "origin.sent", 1, "port.tap1.tx_bytes", 1090, "port.tap1.tx_packets", 3);
        fx.assertNoLeak();
    }

    /**
     * Checks every fragment of {@code original} (an IPv4 packet as received, TTL not yet
     * decremented) and returns their data in offset order.
     */
    private static byte[] checkFragments(byte[] original, List<byte[]> fragments, int firstHeader, int laterHeader) {
        assertTrue(fragments.size() >= 2, "fragments: " + fragments.size());
        int originalFlags = Wire.u16(original, 6);
        int baseOffset = originalFlags & 0x1FFF;
        boolean originalMf = (originalFlags & Wire.MF) != 0;
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int expectedOffset = 0;
        for (int i = 0; i < fragments.size(); i++) {
            byte[] frame = fragments.get(i);
            String which = "fragment " + i;
            boolean last = i == fragments.size() - 1;
            assertEquals(B_MAC, Wire.getMac(frame, 0), which);
            assertEquals(P1_MAC, Wire.getMac(frame, 6), which);
            assertEquals(0x0800, Wire.u16(frame, 12), which);
            byte[] ip = Wire.slice(frame, 14, frame.length - 14);
            int headerLength = (ip[0] & 0x0F) * 4;
            assertEquals(4, (ip[0] & 0xFF) >> 4, which + " version");
            assertEquals(i == 0 ? firstHeader : laterHeader, headerLength, which + " header length");
            assertEquals(ip.length, Wire.u16(ip, 2), which + " total length = frame");
            assertTrue(ip.length <= MTU, which + " fits the MTU: " + ip.length);
            assertEquals(Wire.u8(original, 1), Wire.u8(ip, 1), which + " TOS");
            assertEquals(Wire.u16(original, 4), Wire.u16(ip, 4), which + " identification");
            assertEquals(Wire.u8(original, 8) - 1, Wire.u8(ip, 8), which + " TTL");
            assertEquals(Wire.u8(original, 9), Wire.u8(ip, 9), which + " protocol");
            assertEquals(Wire.u32(original, 12), Wire.u32(ip, 12), which + " source");
            assertEquals(Wire.u32(original, 16), Wire.u32(ip, 16), which + " destination");
            assertEquals(Wire.ipHeaderChecksum(ip, 0), Wire.u16(ip, 10), which + " header checksum");
            int flags = Wire.u16(ip, 6);
            assertEquals(0, flags & Wire.DF, which + " DF");
            assertEquals(!last || originalMf, (flags & Wire.MF) != 0, which + " MF");
            assertEquals(baseOffset + expectedOffset / 8, flags & 0x1FFF, which + " offset");
            int dataLength = ip.length - headerLength;
            if (!last) {
                assertEquals(0, dataLength % 8, which + " data length multiple of 8: " + dataLength);
            }
            data.write(ip, headerLength, dataLength);
            expectedOffset += dataLength;
        }
        assertEquals(Wire.u16(original, 2) - ((original[0] & 0x0F) * 4), expectedOffset, "data lengths add up");
        return data.toByteArray();
    }
}
