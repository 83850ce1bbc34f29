package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertEquals;

import net.taprouter.dataplane.neigh.NeighbourState;
import org.junit.jupiter.api.Test;

/** ARP input: replies for the port's addresses, learning, and what is dropped. */
class ArpInputTest extends GraphTestBase {

    @Test
    void requestForThePortAddressIsAnsweredOnceAndTheRequesterLearned() {
        fx.receive(0, Golden.ARP_REQUEST_FROM_A);

        assertEquals(Golden.ARP_REPLY_TO_A, Wire.hex(only(fx.tap0)));
        fx.assertNothingWritten();
        fx.assertNeighbour(0, A, NeighbourState.REACHABLE, A_MAC);
        fx.assertCounters("event.arp_learned", 1, "event.arp_replies_sent", 1, "event.local_delivered", 1,
            "origin.sent", 1, "port.tap0.tx_bytes", 42, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void paddedRequestGetsAnUnpaddedReply() {
        byte[] padded = new byte[60];
        byte[] request = Wire.unhex(Golden.ARP_REQUEST_FROM_A);
        System.arraycopy(request, 0, padded, 0, request.length);

        fx.receive(0, padded);

        assertEquals(Golden.ARP_REPLY_TO_A, Wire.hex(only(fx.tap0)));
        fx.assertCounters("event.arp_learned", 1, "event.arp_replies_sent", 1, "event.local_delivered", 1,
            "origin.sent", 1, "port.tap0.tx_bytes", 42, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void requestForAnotherAddressIsNotAnsweredNorLearned() {
        byte[] request = Wire.ether(BROADCAST_MAC, A_MAC, Wire.ETHERTYPE_ARP,
            Wire.arp(1, A_MAC, A, 0, Wire.ip("192.0.2.77")));

        fx.receive(0, request);

        fx.assertNothingWritten();
        assertEquals(-1, fx.neighbour(0, A), "a request for another host creates no entry");
        fx.assertCounters("drop.arp_not_for_us", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    /** A host claiming the router's own address (its ARP sender): not learned, not answered, counted. */
    @Test
    void aSenderClaimingTheRoutersAddressIsDropped() {
        long attacker = Wire.mac("00:00:5e:00:53:0e");
        fx.receive(0, Wire.ether(BROADCAST_MAC, attacker, Wire.ETHERTYPE_ARP, Wire.arp(1, attacker, GraphFixture.ROUTER0, 0, A)));
        fx.receive(0, Wire.ether(BROADCAST_MAC, attacker, Wire.ETHERTYPE_ARP,
            Wire.arp(1, attacker, GraphFixture.ROUTER0, 0, GraphFixture.ROUTER0))); // a gratuitous one

        fx.assertNothingWritten();
        assertEquals(-1, fx.neighbour(0, GraphFixture.ROUTER0), "no entry for the router's own address");
        fx.assertCounters("drop.arp_own_address", 2, "port.tap0.rx_drops", 2);
        fx.assertNoLeak();
    }

    @Test
    void requestForAnotherAddressStillRefreshesAKnownSender() {
        fx.receive(0, Golden.ARP_REQUEST_FROM_A);
        fx.tap0.take();
        fx.markCounters();
        long newMac = Wire.mac("00:00:5e:00:53:0a");
        byte[] request = Wire.ether(BROADCAST_MAC, newMac, Wire.ETHERTYPE_ARP,
            Wire.arp(1, newMac, A, 0, Wire.ip("192.0.2.77")));

        fx.receive(0, request);

        fx.assertNothingWritten();
        fx.assertNeighbour(0, A, NeighbourState.REACHABLE, newMac);
        fx.assertCounters("event.arp_learned", 1, "drop.arp_not_for_us", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void requestOnPort1IsAnsweredFromPort1() {
        byte[] request = Wire.ether(BROADCAST_MAC, B_MAC, Wire.ETHERTYPE_ARP, Wire.arp(1, B_MAC, B, 0, R1));

        fx.receive(1, request);

        byte[] expected = Wire.ether(B_MAC, P1_MAC, Wire.ETHERTYPE_ARP, Wire.arp(2, P1_MAC, R1, B_MAC, B));
        assertEquals(Wire.hex(expected), Wire.hex(only(fx.tap1)));
        fx.assertNothingWritten();
        fx.assertNeighbour(1, B, NeighbourState.REACHABLE, B_MAC);
        fx.assertCounters("event.arp_learned", 1, "event.arp_replies_sent", 1, "event.local_delivered", 1,
            "origin.sent", 1, "port.tap1.tx_bytes", 42, "port.tap1.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void replyForUsIsConsumedAndLearned() {
        byte[] reply = Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_ARP, Wire.arp(2, A_MAC, A, P0_MAC, R0));

        fx.receive(0, reply);

        fx.assertNothingWritten();
        fx.assertNeighbour(0, A, NeighbourState.REACHABLE, A_MAC);
        fx.assertCounters("event.arp_learned", 1, "event.arp_replies_received", 1, "event.local_delivered", 1);
        fx.assertNoLeak();
    }

    @Test
    void truncatedArpIsMalformed() {
        byte[] request = Wire.unhex(Golden.ARP_REQUEST_FROM_A);
        byte[] truncated = Wire.slice(request, 0, 14 + 27);

        fx.receive(0, truncated);

        fx.assertNothingWritten();
        assertEquals(-1, fx.neighbour(0, A));
        fx.assertCounters("drop.arp_malformed", 1, "port.tap0.rx_drops", 1, "port.tap0.rx_errors", 1);
        fx.assertNoLeak();
    }

    @Test
    void wrongHardwareTypeIsMalformed() {
        byte[] request = Wire.unhex(Golden.ARP_REQUEST_FROM_A);
        Wire.put16(request, 14, 6); // IEEE 802 instead of Ethernet

        fx.receive(0, request);

        fx.assertNothingWritten();
        assertEquals(-1, fx.neighbour(0, A));
        fx.assertCounters("drop.arp_malformed", 1, "port.tap0.rx_drops", 1, "port.tap0.rx_errors", 1);
        fx.assertNoLeak();
    }

    @Test
    void wrongProtocolLengthIsMalformed() {
        byte[] request = Wire.unhex(Golden.ARP_REQUEST_FROM_A);
        request[14 + 5] = 16;

        fx.receive(0, request);

        fx.assertNothingWritten();
        fx.assertCounters("drop.arp_malformed", 1, "port.tap0.rx_drops", 1, "port.tap0.rx_errors", 1);
        fx.assertNoLeak();
    }

    @Test
    void multicastSenderMacIsMalformed() {
        long multicast = Wire.mac("01:00:5e:00:00:01");
        byte[] request = Wire.ether(BROADCAST_MAC, A_MAC, Wire.ETHERTYPE_ARP, Wire.arp(1, multicast, A, 0, R0));

        fx.receive(0, request);

        fx.assertNothingWritten();
        assertEquals(-1, fx.neighbour(0, A));
        fx.assertCounters("drop.arp_malformed", 1, "port.tap0.rx_drops", 1, "port.tap0.rx_errors", 1);
        fx.assertNoLeak();
    }
}
