package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Forwarding between the ports, no-route errors and the forwarding switch. */
class ForwardingTest extends GraphTestBase {
    private static final byte[] UDP_DATA = "forward me, please: 0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @BeforeEach
    void hosts() {
        resolveHosts();
    }

    @Test
    void theBuilderMakesTheGoldenUdpPacketButForItsChecksum() {
        byte[] built = Wire.ipv4("192.0.2.1", "198.51.100.1").id(0x0101).udp(40000, 9, UDP_DATA).frame(P0_MAC, A_MAC);
        byte[] golden = Wire.unhex(Golden.UDP_A_TO_B);
        Wire.put16(golden, 14 + 20 + 6, 0); // the builder leaves the UDP checksum out
        assertEquals(Wire.hex(golden), Wire.hex(built));
    }

    @Test
    void forwardsToAResolvedNeighbour() {
        fx.receive(0, Golden.UDP_A_TO_B);

        byte[] out = only(fx.tap1);
        assertEquals(Golden.UDP_A_TO_B_OUT, Wire.hex(out));
        fx.assertNothingWritten();
        // the same, field by field
        byte[] in = Wire.unhex(Golden.UDP_A_TO_B);
        assertEquals(B_MAC, Wire.getMac(out, 0), "Ethernet destination: the neighbour");
        assertEquals(P1_MAC, Wire.getMac(out, 6), "Ethernet source: port 1");
        assertEquals(0x0800, Wire.u16(out, 12));
        assertEquals(63, Wire.u8(out, 14 + 8), "TTL decremented");
        assertEquals(Wire.ipHeaderChecksum(out, 14), Wire.u16(out, 14 + 10), "incremental checksum = full recompute");
        assertArrayEquals(Wire.slice(in, 34, in.length - 34), Wire.slice(out, 34, out.length - 34), "payload unchanged");
        fx.assertCounters("event.forwarded", 1, "port.tap1.tx_packets", 1, "port.tap1.tx_bytes", 78);
        fx.assertNoLeak();
    }

    @Test
    void forwardsToTheGatewayOfAStaticRoute() {
        fx.resolve(1, GraphFixture.GATEWAY, GraphFixture.GATEWAY_MAC);
        fx.markCounters();

        fx.receive(0, Golden.UDP_A_TO_REMOTE);

        assertEquals(Golden.UDP_A_TO_REMOTE_OUT, Wire.hex(only(fx.tap1)));
        fx.assertNothingWritten();
        fx.assertCounters("event.forwarded", 1, "port.tap1.tx_packets", 1, "port.tap1.tx_bytes", 78);
        fx.assertNoLeak();
    }

    @Test
    void forwardsTheOtherWay() {
        byte[] in = Wire.ipv4("198.51.100.1", "192.0.2.1").ttl(2).id(0xbeef).udp(53, 40000, Wire.pattern(100, 3)).build();

        fx.receive(1, Wire.ether(P1_MAC, B_MAC, Wire.ETHERTYPE_IPV4, in));

        byte[] expected = Wire.ether(A_MAC, P0_MAC, Wire.ETHERTYPE_IPV4, Wire.decrementTtl(in));
        assertEquals(Wire.hex(expected), Wire.hex(only(fx.tap0)));
        fx.assertNothingWritten();
        fx.assertCounters("event.forwarded", 1, "port.tap0.tx_packets", 1, "port.tap0.tx_bytes", expected.length);
        fx.assertNoLeak();
    }

    /** Every header checksum value: the incremental TTL update must agree with a full recompute. */
    @Test
    void incrementalChecksumAgreesWithFullRecomputeForEveryIdentification() {
        for (int id = 0; id < 0x10000; id++) {
            byte[] in = Wire.ipv4("192.0.2.1", "198.51.100.1").id(id).ttl(2 + id % 254)
                .udp(1, 2, new byte[0]).build();
            fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, in));
            byte[] out = only(fx.tap1);
            byte[] expected = Wire.decrementTtl(in);
            byte[] ip = Wire.slice(out, 14, out.length - 14);
            if (!Arrays.equals(expected, ip)) {
                assertEquals(Wire.hex(expected), Wire.hex(ip), "identification " + id);
            }
        }
        fx.assertCounters("event.forwarded", 0x10000, "port.tap1.tx_packets", 0x10000, "port.tap1.tx_bytes", 0x10000 * 42L,
            "event.route_fast_path", 0x10000 - 1); // all but the first: the route fast path
        fx.assertNoLeak();
    }

    @Test
    void ethernetPaddingIsTrimmedBeforeForwarding() {
        byte[] ip = Wire.ipv4("192.0.2.1", "198.51.100.1").id(0x0a0a).udp(1000, 2000, new byte[0]).build();
        assertEquals(28, ip.length);
        byte[] frame = new byte[60];
        System.arraycopy(Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, ip), 0, frame, 0, 14 + 28);
        Arrays.fill(frame, 14 + 28, 60, (byte) 0xAA);

        fx.receive(0, frame);

        byte[] out = only(fx.tap1);
        assertEquals(14 + 28, out.length);
        assertEquals(Wire.hex(Wire.ether(B_MAC, P1_MAC, Wire.ETHERTYPE_IPV4, Wire.decrementTtl(ip))), Wire.hex(out));
        fx.assertCounters("event.forwarded", 1, "port.tap1.tx_packets", 1, "port.tap1.tx_bytes", 42);
        fx.assertNoLeak();
    }

    @Test
    void unicastPacketInALinkBroadcastIsNotForwarded() {
        byte[] frame = Wire.unhex(Golden.UDP_A_TO_B);
        Wire.putMac(frame, 0, BROADCAST_MAC);

        fx.receive(0, frame);

        fx.assertNothingWritten();
        fx.assertCounters("drop.l2_broadcast_not_forwarded", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void multicastDestinationIsDropped() {
        byte[] frame = Wire.ipv4("192.0.2.1", "224.0.0.5").udp(1, 2, UDP_DATA).frame(Wire.mac("01:00:5e:00:00:05"), A_MAC);

        fx.receive(0, frame);

        fx.assertNothingWritten();
        fx.assertCounters("drop.ip_multicast", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void directedBroadcastOfTheOtherSubnetIsNotForwarded() {
        byte[] frame = Wire.ipv4("192.0.2.1", "198.51.100.255").udp(1, 2, UDP_DATA).frame(P0_MAC, A_MAC);

        fx.receive(0, frame);

        fx.assertNothingWritten();
        fx.assertCounters("drop.ip_broadcast", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void noRouteGetsNetUnreachable() {
        fx.receive(0, Golden.UDP_NO_ROUTE);

        byte[] error = only(fx.tap0);
        assertEquals(Golden.NET_UNREACHABLE, Wire.hex(error));
        fx.assertNothingWritten();
        assertEquals(3, Wire.u8(error, 34), "type");
        assertEquals(0, Wire.u8(error, 35), "code");
        fx.assertCounters("drop.no_route", 1, "event.icmp_errors_sent", 1, "origin.sent", 1,
            "port.tap0.rx_drops", 1, "port.tap0.tx_bytes", 106, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void withForwardingOffNoRouteIsASilentDrop() {
        fx.settings.forwarding(false);

        fx.receive(0, Golden.UDP_NO_ROUTE);

        fx.assertNothingWritten();
        fx.assertCounters("drop.forwarding_disabled", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void withForwardingOffRoutedPacketsAreDroppedSilently() {
        fx.settings.forwarding(false);

        fx.receive(0, Golden.UDP_A_TO_B);
        fx.receive(0, Golden.UDP_TTL1);

        fx.assertNothingWritten();
        fx.assertCounters("drop.forwarding_disabled", 2, "port.tap0.rx_drops", 2);
        fx.assertNoLeak();
    }

    @Test
    void withForwardingOffTheRouterStillAnswersEcho() {
        fx.settings.forwarding(false);

        fx.receive(0, Golden.ECHO_REQUEST);

        assertEquals(Golden.ECHO_REPLY, Wire.hex(only(fx.tap0)));
        fx.assertNothingWritten();
        fx.assertCounters("event.icmp_echo_replies_sent", 1, "event.local_delivered", 1, "origin.sent", 1,
            "port.tap0.tx_bytes", 75, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }
}
