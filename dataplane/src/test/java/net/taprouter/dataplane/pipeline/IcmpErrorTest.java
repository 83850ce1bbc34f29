package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ICMP Time Exceeded, what never gets an ICMP error, and rate limiting. */
class IcmpErrorTest extends GraphTestBase {

    @BeforeEach
    void hosts() {
        resolveHosts();
    }

    @Test
    void ttl1GetsTimeExceededQuotingThePacketAsReceived() {
        fx.receive(0, Golden.UDP_TTL1);

        byte[] error = only(fx.tap0);
        fx.assertNothingWritten();
        assertEquals(Golden.TIME_EXCEEDED, Wire.hex(error));
        // the same, field by field
        byte[] in = Wire.unhex(Golden.UDP_TTL1);
        assertEquals(A_MAC, Wire.getMac(error, 0));
        assertEquals(P0_MAC, Wire.getMac(error, 6));
        assertEquals(0x45, Wire.u8(error, 14));
        assertEquals(20 + 8 + (in.length - 14), Wire.u16(error, 14 + 2), "outer total length");
        assertEquals(error.length - 14, Wire.u16(error, 14 + 2), "outer total length = frame");
        assertEquals(Wire.PROTO_ICMP, Wire.u8(error, 14 + 9));
        assertEquals(R0, Wire.u32(error, 14 + 12));
        assertEquals(A, Wire.u32(error, 14 + 16));
        assertEquals(Wire.ipHeaderChecksum(error, 14), Wire.u16(error, 14 + 10), "IP checksum");
        assertEquals(11, Wire.u8(error, 34), "type");
        assertEquals(0, Wire.u8(error, 35), "code");
        assertEquals(0, Wire.u32(error, 38), "unused");
        assertEquals(0, Wire.checksum(error, 34, error.length - 34), "ICMP checksum");
        assertEquals(Wire.hex(Wire.slice(in, 14, in.length - 14)), Wire.hex(Wire.slice(error, 42, error.length - 42)),
            "quote: the whole packet as received, TTL 1");
        assertEquals(1, Wire.u8(error, 42 + 8), "quoted TTL");
        fx.assertCounters("drop.ttl_exceeded", 1, "event.icmp_errors_sent", 1, "origin.sent", 1,
            "port.tap0.rx_drops", 1, "port.tap0.tx_bytes", 106, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    /**
     * Asymmetric path: a packet from 192.0.2.1 arrives on port 1. The error goes back out of
     * port 0 (the route to 192.0.2.1) from port 0's address, as Linux does
     * (icmp_errors_use_inbound_ifaddr=0), not from the ingress port's.
     */
    @Test
    void theErrorComesFromThePortItLeavesThrough() {
        byte[] in = Wire.ipv4("192.0.2.1", "203.0.113.9").ttl(1).udp(40000, 9, Wire.pattern(8, 1)).build();

        fx.receive(1, Wire.ether(P1_MAC, B_MAC, Wire.ETHERTYPE_IPV4, in));

        byte[] error = only(fx.tap0);
        fx.assertNothingWritten();
        assertEquals(R0, Wire.u32(error, 14 + 12), "source: port 0's address, the way back to the sender");
        assertEquals(A, Wire.u32(error, 14 + 16));
        assertEquals(11, Wire.u8(error, 34), "type");
        fx.assertNoLeak();
    }

    @Test
    void theQuoteOfABigPacketStopsAt576BytesOfIp() {
        byte[] in = Wire.ipv4("192.0.2.1", "198.51.100.1").id(0x0201).ttl(1).udp(40000, 9, Wire.pattern(972, 2)).build();
        assertEquals(1000, in.length);

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, in));

        byte[] error = only(fx.tap0);
        fx.assertNothingWritten();
        assertEquals(14 + 576, error.length);
        assertEquals(Golden.BIG_TIME_EXCEEDED_HEAD, Wire.hex(Wire.slice(error, 0, 42)));
        assertEquals(576, Wire.u16(error, 14 + 2), "outer total length");
        assertEquals(0, Wire.checksum(error, 34, error.length - 34), "ICMP checksum");
        assertEquals(Wire.hex(Wire.slice(in, 0, 548)), Wire.hex(Wire.slice(error, 42, 548)), "quote");
        fx.assertCounters("drop.ttl_exceeded", 1, "event.icmp_errors_sent", 1, "origin.sent", 1,
            "port.tap0.rx_drops", 1, "port.tap0.tx_bytes", 590, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void ttl0IsTreatedLikeTtl1() {
        byte[] in = Wire.ipv4("192.0.2.1", "198.51.100.1").ttl(0).udp(1, 2, Wire.pattern(8, 0)).build();

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, in));

        byte[] expected = Wire.ipv4("192.0.2.254", "192.0.2.1").tos(0xc0).id(0).icmp(11, 0, 0, in).frame(A_MAC, P0_MAC);
        assertEquals(Wire.hex(expected), Wire.hex(only(fx.tap0)));
        fx.assertNothingWritten();
        fx.assertCounters("drop.ttl_exceeded", 1, "event.icmp_errors_sent", 1, "origin.sent", 1,
            "port.tap0.rx_drops", 1, "port.tap0.tx_bytes", 78, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void anEchoRequestWithTtl1GetsTimeExceeded() {
        byte[] in = Wire.ipv4("192.0.2.1", "198.51.100.1").ttl(1).icmp(8, 0, 0x0101_0001, Wire.pattern(16, 9)).build();

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, in));

        byte[] expected = Wire.ipv4("192.0.2.254", "192.0.2.1").tos(0xc0).id(0).icmp(11, 0, 0, in).frame(A_MAC, P0_MAC);
        assertEquals(Wire.hex(expected), Wire.hex(only(fx.tap0)));
        fx.assertCounters("drop.ttl_exceeded", 1, "event.icmp_errors_sent", 1, "origin.sent", 1,
            "port.tap0.rx_drops", 1, "port.tap0.tx_bytes", 86, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void aFirstFragmentWithTtl1GetsTimeExceeded() {
        byte[] in = Wire.ipv4("192.0.2.1", "198.51.100.1").ttl(1).flagsFragment(Wire.MF).udp(1, 2, Wire.pattern(24, 1)).build();

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, in));

        byte[] expected = Wire.ipv4("192.0.2.254", "192.0.2.1").tos(0xc0).id(0).icmp(11, 0, 0, in).frame(A_MAC, P0_MAC);
        assertEquals(Wire.hex(expected), Wire.hex(only(fx.tap0)));
        fx.assertCounters("drop.ttl_exceeded", 1, "event.icmp_errors_sent", 1, "origin.sent", 1,
            "port.tap0.rx_drops", 1, "port.tap0.tx_bytes", 94, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void anIcmpErrorWithTtl1GetsNoError() {
        byte[] quoted = Wire.ipv4("198.51.100.1", "192.0.2.9").udp(1, 2, new byte[0]).build();
        byte[] in = Wire.ipv4("192.0.2.1", "198.51.100.1").ttl(1).icmp(11, 0, 0, quoted).build();

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, in));

        fx.assertNothingWritten();
        fx.assertCounters("drop.ttl_exceeded", 1, "origin.drop.icmp_error_suppressed", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void aDestinationUnreachableWithTtl1GetsNoError() {
        byte[] quoted = Wire.ipv4("198.51.100.1", "192.0.2.9").udp(1, 2, new byte[0]).build();
        byte[] in = Wire.ipv4("192.0.2.1", "198.51.100.1").ttl(1).icmp(3, 3, 0, quoted).build();

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, in));

        fx.assertNothingWritten();
        fx.assertCounters("drop.ttl_exceeded", 1, "origin.drop.icmp_error_suppressed", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void aNonFirstFragmentWithTtl1GetsNoError() {
        byte[] in = Wire.ipv4("192.0.2.1", "198.51.100.1").ttl(1).flagsFragment(185).payload(Wire.PROTO_UDP, Wire.pattern(40, 4)).build();

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, in));

        fx.assertNothingWritten();
        fx.assertCounters("drop.ttl_exceeded", 1, "origin.drop.icmp_error_suppressed", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void aLinkBroadcastWithTtl1IsNotForwardedAndGetsNoError() {
        byte[] frame = Wire.unhex(Golden.UDP_TTL1);
        Wire.putMac(frame, 0, BROADCAST_MAC);

        fx.receive(0, frame);

        fx.assertNothingWritten();
        fx.assertCounters("drop.l2_broadcast_not_forwarded", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void aLinkBroadcastWithNoRouteGetsNoError() {
        byte[] frame = Wire.unhex(Golden.UDP_NO_ROUTE);
        Wire.putMac(frame, 0, BROADCAST_MAC);

        fx.receive(0, frame);

        fx.assertNothingWritten();
        fx.assertCounters("drop.no_route", 1, "origin.drop.icmp_error_suppressed", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void aLinkMulticastWithNoRouteGetsNoError() {
        byte[] frame = Wire.unhex(Golden.UDP_NO_ROUTE);
        Wire.putMac(frame, 0, Wire.mac("01:00:5e:12:34:56"));

        fx.receive(0, frame);

        fx.assertNothingWritten();
        fx.assertCounters("drop.no_route", 1, "origin.drop.icmp_error_suppressed", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    /**
     * RFC 1812 4.3.2.7: no ICMP error for a packet whose source is not a single host, e.g. a
     * broadcast address; the directed broadcast of a connected subnet is one (RFC 1812 4.2.2.11).
     * Accepted outcomes: suppressed, or dropped at input as a martian source; never an error built.
     */
    @Test
    void aPacketFromTheSubnetBroadcastGetsNoError() {
        byte[] in = Wire.ipv4("192.0.2.255", "198.51.100.1").ttl(1).udp(1, 2, Wire.pattern(8, 0)).build();

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, in));

        fx.assertNothingWritten();
        assertEquals(0, fx.counter("event.icmp_errors_sent"), "ICMP errors built");
        assertEquals(0, fx.counter("origin.drop.output_to_self"), "error routed to the broadcast address");
        fx.assertNoLeak();
    }

    @Test
    void rateLimitBurst1Rate0SendsOneErrorOnly() {
        fx.settings.icmpRateLimit(0, 1);

        fx.receive(0, Golden.UDP_TTL1);
        assertEquals(Golden.TIME_EXCEEDED, Wire.hex(only(fx.tap0)));
        fx.assertCounters("drop.ttl_exceeded", 1, "event.icmp_errors_sent", 1, "origin.sent", 1,
            "port.tap0.rx_drops", 1, "port.tap0.tx_bytes", 106, "port.tap0.tx_packets", 1);

        fx.receive(0, Golden.UDP_TTL1);
        fx.assertNothingWritten();
        fx.assertCounters("drop.ttl_exceeded", 1, "origin.drop.icmp_rate_limited", 1, "port.tap0.rx_drops", 1);

        fx.timer(3600 * SECOND);
        fx.receive(0, Golden.UDP_NO_ROUTE);
        fx.assertNothingWritten();
        fx.assertCounters("drop.no_route", 1, "origin.drop.icmp_rate_limited", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void rateLimitRefillsAtTheConfiguredRate() {
        fx.settings.icmpRateLimit(1, 1);

        fx.receive(0, Golden.UDP_TTL1);
        assertEquals(1, fx.tap0.take().size(), "t=0: the burst");
        fx.timer(SECOND / 2);
        fx.receive(0, Golden.UDP_TTL1);
        fx.assertNothingWritten();
        fx.timer(SECOND + SECOND / 10);
        fx.receive(0, Golden.UDP_TTL1);
        assertEquals(1, fx.tap0.take().size(), "t=1.1s: one token again");
        fx.receive(0, Golden.UDP_TTL1);
        fx.assertNothingWritten();
        fx.assertCounters("drop.ttl_exceeded", 4, "event.icmp_errors_sent", 2, "origin.drop.icmp_rate_limited", 2,
            "origin.sent", 2, "port.tap0.rx_drops", 4, "port.tap0.tx_bytes", 212, "port.tap0.tx_packets", 2);
        fx.assertNoLeak();
    }

    @Test
    void errorsGetSuccessiveIdentifications() {
        fx.receive(0, Golden.UDP_TTL1);
        fx.receive(0, Golden.UDP_TTL1);

        List<byte[]> errors = fx.tap0.take();
        assertEquals(2, errors.size());
        assertEquals(Golden.TIME_EXCEEDED, Wire.hex(errors.get(0)));
        assertEquals(1, Wire.u16(errors.get(1), 14 + 4), "identification of the second error");
        assertEquals(Wire.ipHeaderChecksum(errors.get(1), 14), Wire.u16(errors.get(1), 14 + 10));
        fx.assertCounters("drop.ttl_exceeded", 2, "event.icmp_errors_sent", 2, "origin.sent", 2,
            "port.tap0.rx_drops", 2, "port.tap0.tx_bytes", 212, "port.tap0.tx_packets", 2);
        fx.assertNoLeak();
    }
}
