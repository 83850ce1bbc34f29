package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.neigh.NeighbourState;
import org.junit.jupiter.api.Test;

/** Packets waiting for ARP: the request, the queue, release on reply, failure after 3 requests. */
class ArpResolutionTest extends GraphTestBase {

    private void resolveA() {
        fx.resolve(0, A, A_MAC);
        fx.markCounters();
    }

    @Test
    void unresolvedNextHopSendsARequestAndThePacketWaits() {
        resolveA();

        fx.receive(0, Golden.UDP_A_TO_B);

        assertEquals(Golden.ARP_REQUEST_FOR_B, Wire.hex(only(fx.tap1)));
        fx.assertNothingWritten();
        assertEquals(1, fx.neighbours.queued(fx.neighbour(1, B)));
        assertEquals(NeighbourState.INCOMPLETE, fx.neighbours.state(fx.neighbour(1, B)));
        fx.assertCounters("event.arp_requests_sent", 1, "event.neighbour_queued", 1, "origin.sent", 1,
            "port.tap1.tx_bytes", 42, "port.tap1.tx_packets", 1);
        fx.assertNoLeak(1);

        fx.receive(1, Golden.ARP_REPLY_FROM_B);

        assertEquals(Golden.UDP_A_TO_B_OUT, Wire.hex(only(fx.tap1)));
        fx.assertNothingWritten();
        fx.assertNeighbour(1, B, NeighbourState.REACHABLE, B_MAC);
        fx.assertCounters("event.arp_learned", 1, "event.arp_replies_received", 1, "event.forwarded", 1,
            "event.local_delivered", 1, "port.tap1.tx_bytes", 78, "port.tap1.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void anArpRequestFromTheAwaitedNeighbourAlsoReleasesTheQueue() {
        resolveA();
        fx.receive(0, Golden.UDP_A_TO_B);
        fx.tap1.take();
        fx.markCounters();

        byte[] request = Wire.ether(BROADCAST_MAC, B_MAC, Wire.ETHERTYPE_ARP, Wire.arp(1, B_MAC, B, 0, R1));
        fx.receive(1, request);

        List<byte[]> out = fx.tap1.take();
        byte[] reply = Wire.ether(B_MAC, P1_MAC, Wire.ETHERTYPE_ARP, Wire.arp(2, P1_MAC, R1, B_MAC, B));
        assertEquals(List.of(Golden.UDP_A_TO_B_OUT, Wire.hex(reply)), GraphFixture.hexes(out));
        fx.assertNothingWritten();
        fx.assertCounters("event.arp_learned", 1, "event.arp_replies_sent", 1, "event.forwarded", 1,
            "event.local_delivered", 1, "origin.sent", 1, "port.tap1.tx_bytes", 120, "port.tap1.tx_packets", 2);
        fx.assertNoLeak();
    }

    @Test
    void theQueueHoldsArpQueuePacketsAndReleasesThemInOrder() {
        resolveA();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i <= GraphFixture.ARP_QUEUE; i++) {
            byte[] ip = Wire.ipv4("192.0.2.1", "198.51.100.1").id(0x0500 + i).udp(40000, 9, Wire.pattern(20 + i, i)).build();
            fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, ip));
            if (i < GraphFixture.ARP_QUEUE) {
                expected.add(Wire.hex(Wire.ether(B_MAC, P1_MAC, Wire.ETHERTYPE_IPV4, Wire.decrementTtl(ip))));
            }
        }

        assertEquals(Golden.ARP_REQUEST_FOR_B, Wire.hex(only(fx.tap1)), "one request for all of them");
        fx.assertNothingWritten();
        int n = GraphFixture.ARP_QUEUE;
        fx.assertCounters("drop.arp_queue_full", 1, "event.arp_requests_sent", 1, "event.neighbour_queued", n,
            "origin.sent", 1, "port.tap0.rx_drops", 1, "port.tap1.tx_bytes", 42, "port.tap1.tx_packets", 1);
        fx.assertNoLeak(n);

        fx.receive(1, Golden.ARP_REPLY_FROM_B);

        assertEquals(expected, GraphFixture.hexes(fx.tap1.take()));
        fx.assertNothingWritten();
        long bytes = 0;
        for (String frame : expected) {
            bytes += frame.length() / 2;
        }
        fx.assertCounters("event.arp_learned", 1, "event.arp_replies_received", 1, "event.forwarded", n,
            "event.local_delivered", 1, "port.tap1.tx_bytes", bytes, "port.tap1.tx_packets", n);
        fx.assertNoLeak();
    }

    @Test
    void noReplyRetransmitsEverySecondThenHostUnreachable() {
        resolveA();
        fx.receive(0, Golden.UDP_A_TO_B);
        assertEquals(Golden.ARP_REQUEST_FOR_B, Wire.hex(only(fx.tap1)), "request 1 at t=0");
        fx.markCounters();

        fx.timer(SECOND - 1);
        fx.assertNothingWritten();
        fx.timer(SECOND);
        assertEquals(Golden.ARP_REQUEST_FOR_B, Wire.hex(only(fx.tap1)), "request 2 at t=1s");
        fx.timer(SECOND + SECOND / 2);
        fx.assertNothingWritten();
        fx.timer(2 * SECOND);
        assertEquals(Golden.ARP_REQUEST_FOR_B, Wire.hex(only(fx.tap1)), "request 3 at t=2s");
        fx.assertCounters("event.arp_requests_sent", 2, "origin.sent", 2, "port.tap1.tx_bytes", 84,
            "port.tap1.tx_packets", 2);
        fx.assertNoLeak(1);

        fx.timer(3 * SECOND - 1);
        fx.assertNothingWritten();
        fx.assertNoLeak(1);
        fx.timer(3 * SECOND);

        byte[] error = only(fx.tap0);
        fx.assertNothingWritten();
        assertEquals(Golden.HOST_UNREACHABLE, Wire.hex(error));
        // the same, field by field
        assertEquals(3, Wire.u8(error, 34), "type");
        assertEquals(1, Wire.u8(error, 35), "code");
        assertEquals(R0, Wire.u32(error, 14 + 12), "from the ingress port's address");
        assertEquals(A, Wire.u32(error, 14 + 16), "to the source");
        assertEquals(0, Wire.checksum(error, 34, error.length - 34), "ICMP checksum");
        // RFC 1812 4.3.2.3: the quote is the packet as received, except for what forwarding
        // already changed before the error was found: here the TTL (64 -> 63, checksum updated)
        byte[] forwarded = Wire.decrementTtl(Wire.slice(Wire.unhex(Golden.UDP_A_TO_B), 14, 64));
        assertEquals(Wire.hex(forwarded), Wire.hex(Wire.slice(error, 42, error.length - 42)), "quote");
        assertEquals(-1, fx.neighbour(1, B), "the failed entry is gone");
        fx.assertCounters("drop.neighbour_unresolved", 1, "event.icmp_errors_sent", 1, "origin.sent", 1,
            "port.tap0.rx_drops", 1, "port.tap0.tx_bytes", 106, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void theNextPacketAfterAFailureStartsANewResolution() {
        resolveA();
        fx.receive(0, Golden.UDP_A_TO_B);
        for (int s = 1; s <= 3; s++) {
            fx.timer(s * SECOND);
        }
        fx.tap0.take();
        fx.tap1.take();
        fx.markCounters();

        fx.receive(0, Golden.UDP_A_TO_B);

        assertEquals(Golden.ARP_REQUEST_FOR_B, Wire.hex(only(fx.tap1)));
        fx.assertCounters("event.arp_requests_sent", 1, "event.neighbour_queued", 1, "origin.sent", 1,
            "port.tap1.tx_bytes", 42, "port.tap1.tx_packets", 1);
        fx.assertNoLeak(1);
    }

    @Test
    void anIcmpErrorWaitsForTheArpReplyOfItsDestination() {
        // A unknown: the Time Exceeded for A's packet waits in A's queue (from the slot's headroom)
        fx.receive(0, Golden.UDP_TTL1);

        byte[] request = Wire.ether(BROADCAST_MAC, P0_MAC, Wire.ETHERTYPE_ARP, Wire.arp(1, P0_MAC, R0, 0, A));
        assertEquals(Wire.hex(request), Wire.hex(only(fx.tap0)));
        fx.assertNothingWritten();
        fx.assertCounters("drop.ttl_exceeded", 1, "event.arp_requests_sent", 1, "event.icmp_errors_sent", 1,
            "event.neighbour_queued", 1, "origin.sent", 1, "port.tap0.rx_drops", 1, "port.tap0.tx_bytes", 42,
            "port.tap0.tx_packets", 1);
        fx.assertNoLeak(1);

        byte[] reply = Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_ARP, Wire.arp(2, A_MAC, A, P0_MAC, R0));
        fx.receive(0, reply);

        assertEquals(Golden.TIME_EXCEEDED, Wire.hex(only(fx.tap0)));
        fx.assertNothingWritten();
        fx.assertCounters("event.arp_learned", 1, "event.arp_replies_received", 1, "event.local_delivered", 1,
            "origin.sent", 1, "port.tap0.tx_bytes", 106, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void anEchoReplyWaitsForTheArpReplyOfItsDestination() {
        fx.receive(0, Golden.ECHO_REQUEST);
        byte[] request = Wire.ether(BROADCAST_MAC, P0_MAC, Wire.ETHERTYPE_ARP, Wire.arp(1, P0_MAC, R0, 0, A));
        assertEquals(Wire.hex(request), Wire.hex(only(fx.tap0)));
        fx.assertNoLeak(1);
        fx.markCounters();

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_ARP, Wire.arp(2, A_MAC, A, P0_MAC, R0)));

        assertEquals(Golden.ECHO_REPLY, Wire.hex(only(fx.tap0)));
        fx.assertNothingWritten();
        fx.assertCounters("event.arp_learned", 1, "event.arp_replies_received", 1, "event.local_delivered", 1,
            "origin.sent", 1, "port.tap0.tx_bytes", 75, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    /**
     * An echo reply (router-originated) whose destination never answers ARP: no ICMP error may be
     * generated about the router's own packet (RFC 1812 4.3.2.7; {@code Packet.localOrigin}).
     */
    @Test
    void aFailedEchoReplyDoesNotCauseAnIcmpError() {
        fx.receive(0, Golden.ECHO_REQUEST);
        for (int s = 1; s <= 2; s++) {
            fx.timer(s * SECOND);
        }
        assertEquals(3, fx.tap0.take().size(), "three ARP requests for A");
        fx.markCounters();

        fx.timer(3 * SECOND);

        fx.assertNothingWritten();
        assertEquals(-1, fx.neighbour(0, A));
        assertEquals(0, fx.counter("event.icmp_errors_sent"), "ICMP errors about the router's own echo reply");
        assertEquals(0, fx.counter("origin.drop.output_to_self"), "router-originated error routed back to the router");
        fx.assertCounters("origin.drop.neighbour_unresolved", 1);
        fx.assertNoLeak();
    }
}
