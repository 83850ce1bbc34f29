package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.taprouter.dataplane.l2.Fdb;
import net.taprouter.dataplane.l2.FdbTables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The learning bridge in the real graph: three hosts H1, H2, H3 (198.18.0.1-3) on the member
 * ports b1, b2, b3 of br0 (198.18.0.254/24), host A on the routed port tap0. Frames are checked
 * byte for byte where they leave, counters by difference.
 */
class BridgeTest {
    static final long H1 = Wire.mac("00:00:5e:00:53:01");
    static final long H2 = Wire.mac("00:00:5e:00:53:02");
    static final long H3 = Wire.mac("00:00:5e:00:53:03");
    static final int IP1 = Wire.ip("198.18.0.1");
    static final int IP2 = Wire.ip("198.18.0.2");
    static final int B1 = 2;
    static final int B2 = 3;
    static final int B3 = 4;

    GraphFixture fx;

    @BeforeEach
    void bridge() {
        fx = new GraphFixture();
        fx.addBridge(FdbTables.DEFAULT_MAX_ENTRIES, FdbTables.DEFAULT_PORT_LIMIT, 300_000);
    }

    @AfterEach
    void close() {
        fx.close();
    }

    static byte[] udp(long to, long from, String src, String dst) {
        return Wire.ipv4(src, dst).udp(40000, 9, Wire.pattern(40, 7)).frame(to, from);
    }

    Fdb fdb() {
        return fx.context.fdbs.get(2);
    }

    @Test
    void anUnknownDestinationIsFloodedToTheOtherPortsOnceAndCountedOnce() {
        byte[] frame = udp(H2, H1, "198.18.0.1", "198.18.0.2");
        fx.receive(B1, frame);
        assertEquals(List.of(), fx.b1.take(), "never back out of the ingress port");
        assertArrayEquals(frame, GraphFixture.only(fx.b2));
        assertArrayEquals(frame, GraphFixture.only(fx.b3));
        assertEquals(fx.b2.addresses().get(0), fx.b3.addresses().get(0), "the same slot written to both ports, not a copy");
        assertEquals(B1, fdb().lookup(0, H1), "the source learned on its port");
        fx.assertCounters("event.fdb_learned", 1, "event.forwarded", 1, "port.b1.flooded", 1,
            "port.b2.tx_packets", 1, "port.b2.tx_bytes", frame.length, "port.b3.tx_packets", 1, "port.b3.tx_bytes", frame.length);
        fx.assertNoLeak();
    }

    @Test
    void aKnownDestinationGoesToItsOnePort() {
        fx.receive(B2, udp(H1, H2, "198.18.0.2", "198.18.0.1")); // flooded; H2 learned on b2
        fx.b1.take();
        fx.b3.take();
        fx.markCounters();
        byte[] frame = udp(H2, H1, "198.18.0.1", "198.18.0.2");
        fx.receive(B1, frame);
        assertArrayEquals(frame, GraphFixture.only(fx.b2));
        assertEquals(0, fx.b3.pending(), "H3's port sees nothing once H2 is known");
        fx.assertCounters("event.fdb_learned", 1, "event.forwarded", 1, "port.b1.forwarded", 1,
            "port.b2.tx_packets", 1, "port.b2.tx_bytes", frame.length);
        fx.assertNoLeak();
    }

    @Test
    void aDestinationOnTheIngressPortIsFiltered() {
        fx.receive(B1, udp(H3, H1, "198.18.0.1", "198.18.0.3"));
        fx.b2.take();
        fx.b3.take();
        fx.markCounters();
        fx.receive(B1, udp(H1, H2, "198.18.0.2", "198.18.0.1")); // H2 behind the same port as H1 (a hub)
        fx.assertNothingWritten();
        fx.assertCounters("event.fdb_learned", 1, "drop.bridge_filtered", 1, "port.b1.rx_drops", 1, "port.b1.filtered", 1);
        fx.assertNoLeak();
    }

    @Test
    void anArpRequestForAnotherHostReachesEveryOtherPortAndTheRouterDropsItsCopy() {
        byte[] request = Wire.ether(GraphFixture.BROADCAST_MAC, H1, Wire.ETHERTYPE_ARP, Wire.arp(1, H1, IP1, 0, IP2));
        fx.receive(B1, request);
        assertArrayEquals(request, GraphFixture.only(fx.b2));
        assertArrayEquals(request, GraphFixture.only(fx.b3));
        assertEquals(0, fx.b1.pending());
        fx.assertCounters("event.fdb_learned", 1, "port.b1.flooded", 1, "drop.arp_not_for_us", 1, "port.b1.rx_drops", 1,
            "port.b2.tx_packets", 1, "port.b2.tx_bytes", request.length, "port.b3.tx_packets", 1, "port.b3.tx_bytes", request.length);
        fx.assertNoLeak();
    }

    @Test
    void anArpRequestForTheRouterIsFloodedAsItCameAndAnsweredOnItsPort() {
        byte[] request = Wire.ether(GraphFixture.BROADCAST_MAC, H1, Wire.ETHERTYPE_ARP,
            Wire.arp(1, H1, IP1, 0, GraphFixture.BRIDGE_ADDRESS));
        fx.receive(B1, request);
        assertArrayEquals(request, GraphFixture.only(fx.b2), "flooded before the router turned the slot into its reply");
        assertArrayEquals(request, GraphFixture.only(fx.b3));
        byte[] reply = GraphFixture.only(fx.b1);
        assertArrayEquals(Wire.ether(H1, GraphFixture.BRIDGE_MAC, Wire.ETHERTYPE_ARP,
            Wire.arp(2, GraphFixture.BRIDGE_MAC, GraphFixture.BRIDGE_ADDRESS, H1, IP1)), java.util.Arrays.copyOf(reply, 42));
        fx.assertNeighbour(2, IP1, net.taprouter.dataplane.neigh.NeighbourState.REACHABLE, H1);
        fx.assertCounters("event.fdb_learned", 1, "port.b1.flooded", 1, "event.local_delivered", 1, "event.arp_replies_sent", 1,
            "event.arp_learned", 1, "origin.sent", 1, "port.b1.tx_packets", 1, "port.b1.tx_bytes", reply.length,
            "port.b2.tx_packets", 1, "port.b2.tx_bytes", request.length, "port.b3.tx_packets", 1, "port.b3.tx_bytes", request.length);
        fx.assertNoLeak();
    }

    @Test
    void aRoutedPacketResolvesOnTheBridgeAndLeavesThroughTheLearnedPort() {
        fx.resolve(0, GraphFixture.HOST_A, GraphFixture.HOST_A_MAC);
        byte[] in = Wire.ipv4("192.0.2.1", "198.18.0.2").udp(40000, 9, Wire.pattern(40, 3))
            .frame(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC);
        fx.receive(0, in);
        byte[] who = Wire.ether(GraphFixture.BROADCAST_MAC, GraphFixture.BRIDGE_MAC, Wire.ETHERTYPE_ARP,
            Wire.arp(1, GraphFixture.BRIDGE_MAC, GraphFixture.BRIDGE_ADDRESS, 0, IP2));
        for (MemoryFrameIo port : new MemoryFrameIo[] {fx.b1, fx.b2, fx.b3}) {
            assertArrayEquals(who, GraphFixture.only(port), "the ARP request flooded to " + port.ifname());
        }
        fx.receive(B2, Wire.ether(GraphFixture.BRIDGE_MAC, H2, Wire.ETHERTYPE_ARP,
            Wire.arp(2, H2, IP2, GraphFixture.BRIDGE_MAC, GraphFixture.BRIDGE_ADDRESS)));
        byte[] out = GraphFixture.only(fx.b2);
        assertEquals(H2, Wire.getMac(out, 0));
        assertEquals(GraphFixture.BRIDGE_MAC, Wire.getMac(out, 6));
        assertEquals(63, out[14 + 8], "routed: TTL 63");
        assertEquals(0, fx.b1.pending() + fx.b3.pending(), "the learned port only");
        fx.assertNoLeak();
    }

    @Test
    void theRoutersAddressOnTheBridgeAnswersPing() {
        fx.receive(B3, Wire.ipv4("198.18.0.3", "198.18.0.254").icmp(8, 0, 0x1234_0001, Wire.pattern(16, 1))
            .frame(GraphFixture.BRIDGE_MAC, H3));
        // no neighbour yet: the reply waits for ARP, whose request is flooded to every member port
        assertEquals(1, fx.queuedSlots());
        for (MemoryFrameIo port : new MemoryFrameIo[] {fx.b1, fx.b2, fx.b3}) {
            assertEquals(Wire.ETHERTYPE_ARP, Wire.u16(GraphFixture.only(port), 12), "who-has on " + port.ifname());
        }
        fx.receive(B3, Wire.ether(GraphFixture.BRIDGE_MAC, H3, Wire.ETHERTYPE_ARP,
            Wire.arp(2, H3, Wire.ip("198.18.0.3"), GraphFixture.BRIDGE_MAC, GraphFixture.BRIDGE_ADDRESS)));
        byte[] reply = GraphFixture.only(fx.b3);
        assertEquals(Wire.PROTO_ICMP, reply[14 + 9]);
        assertEquals(0, reply[14 + 20], "echo reply");
        assertEquals(H3, Wire.getMac(reply, 0));
        fx.assertNoLeak();
    }

    @Test
    void aHostThatMovesIsFoundOnItsNewPort() {
        fx.receive(B1, udp(H2, H1, "198.18.0.1", "198.18.0.2"));
        fx.receive(B2, udp(H1, H2, "198.18.0.2", "198.18.0.1"));
        fx.receive(B3, udp(H2, H1, "198.18.0.1", "198.18.0.2")); // H1 now behind b3
        assertEquals(B3, fdb().lookup(0, H1));
        fx.b1.take();
        fx.b2.take();
        fx.b3.take();
        fx.markCounters();
        byte[] frame = udp(H1, H2, "198.18.0.2", "198.18.0.1");
        fx.receive(B2, frame);
        assertArrayEquals(frame, GraphFixture.only(fx.b3));
        assertEquals(0, fx.b1.pending());
        fx.assertCounters("event.forwarded", 1, "port.b2.forwarded", 1, "port.b3.tx_packets", 1, "port.b3.tx_bytes", frame.length);
        fx.assertNoLeak();
    }

    @Test
    void entriesAgeOutAndTrafficFloodsAgain() {
        fx.close();
        fx = new GraphFixture();
        fx.addBridge(1024, 1024, 2_000);
        fx.receive(B1, udp(H2, H1, "198.18.0.1", "198.18.0.2"));
        fx.receive(B2, udp(H1, H2, "198.18.0.2", "198.18.0.1"));
        assertEquals(2, fdb().size());
        fx.timer(1 * GraphFixture.SECOND);
        assertEquals(2, fdb().size(), "not yet");
        fx.timer(3 * GraphFixture.SECOND);
        assertEquals(0, fdb().size(), "aged out within one timer round (a small table)");
        assertEquals(2, fx.counter("event.fdb_aged"));
        fx.b1.take();
        fx.b2.take();
        fx.b3.take();
        fx.receive(B1, udp(H2, H1, "198.18.0.1", "198.18.0.2"));
        assertEquals(1, fx.b2.take().size());
        assertEquals(1, fx.b3.take().size(), "unknown again: flooded");
        fx.assertNoLeak();
    }

    @Test
    void aHostFloodingSourceMacsFillsOnlyItsPortsShare() {
        fx.close();
        fx = new GraphFixture();
        fx.addBridge(16, 4, 300_000);
        fx.receive(B1, udp(H3, H1, "198.18.0.1", "198.18.0.3"));
        for (int i = 0; i < 40; i++) {
            fx.receive(B3, udp(H1, 0x0200_1000_0000L + i, "198.18.0.9", "198.18.0.1"));
        }
        assertEquals(4, fdb().learned(B3), "the flooding port's limit");
        assertEquals(36, fx.counter("event.fdb_not_learned_port_limit"));
        fx.receive(B2, udp(H1, H2, "198.18.0.2", "198.18.0.1"));
        assertEquals(B2, fdb().lookup(0, H2), "another port still learns");
        assertEquals(B1, fdb().lookup(0, H1), "and the others' entries stay");
        assertTrue(fdb().size() <= 16);
        fx.b1.take();
        fx.b2.take();
        fx.b3.take();
        fx.assertNoLeak();
    }

    @Test
    void aFloodCountsOnceEvenWhenSomeCopiesFail() {
        fx.b2.full(true);
        byte[] frame = udp(H2, H1, "198.18.0.1", "198.18.0.2");
        fx.receive(B1, frame);
        assertArrayEquals(frame, GraphFixture.only(fx.b3));
        fx.assertCounters("event.fdb_learned", 1, "event.forwarded", 1, "port.b1.flooded", 1, "port.b2.tx_drops", 1,
            "port.b3.tx_packets", 1, "port.b3.tx_bytes", frame.length);
        fx.b3.full(true);
        fx.receive(B1, frame);
        fx.assertCounters("drop.tx_queue_full", 1, "port.b1.rx_drops", 1, "port.b1.flooded", 1, "port.b2.tx_drops", 1,
            "port.b3.tx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void aDownPortIsNotFloodedToAndALoneBridgePortDropsUnknownUnicast() {
        fx.bridgePorts[1].adminUp(false);
        fx.bridgePorts[2].adminUp(false);
        fx.receive(B1, udp(H2, H1, "198.18.0.1", "198.18.0.2"));
        fx.assertNothingWritten();
        fx.assertCounters("event.fdb_learned", 1, "drop.bridge_no_port", 1, "port.b1.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void aBridgeThatIsDownNeitherBridgesNorSends() {
        fx.resolve(2, IP2, H2);
        fx.resolve(0, GraphFixture.HOST_A, GraphFixture.HOST_A_MAC);
        fx.markCounters();
        fx.bridge.adminUp(false);
        fx.receive(B1, udp(H2, H1, "198.18.0.1", "198.18.0.2"));
        fx.receive(0, Wire.ipv4("192.0.2.1", "198.18.0.2").udp(40000, 9, Wire.pattern(40, 3))
            .frame(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC));
        fx.assertNothingWritten();
        fx.assertCounters("drop.port_down", 2, "port.b1.rx_drops", 1, "port.tap0.rx_drops", 1);
        fx.bridge.adminUp(true);
        fx.assertNoLeak();
    }

    @Test
    void linkLocalGroupsAndBadSourcesAreNotFlooded() {
        fx.receive(B1, Wire.ether(Wire.mac("01:80:c2:00:00:00"), H1, 0x0027, new byte[46])); // STP BPDU (802.3 length)
        fx.assertNothingWritten();
        fx.receive(B1, udp(H2, Wire.mac("01:00:5e:00:00:01"), "198.18.0.1", "198.18.0.2"));
        fx.assertNothingWritten();
        fx.assertCounters("event.fdb_learned", 1, "drop.ether_unknown_type", 1, "drop.bridge_bad_source", 1,
            "port.b1.rx_drops", 2);
        fx.assertNoLeak();
    }

    @Test
    void theBridgingPathAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        byte[] known = udp(H2, H1, "198.18.0.1", "198.18.0.2");
        byte[] unknown = udp(H3 + 0x100, H1, "198.18.0.1", "198.18.0.9");
        byte[] back = udp(H1, H2, "198.18.0.2", "198.18.0.1");
        byte[] arp = Wire.ether(GraphFixture.BROADCAST_MAC, H1, Wire.ETHERTYPE_ARP, Wire.arp(1, H1, IP1, 0, IP2));
        for (MemoryFrameIo port : new MemoryFrameIo[] {fx.b1, fx.b2, fx.b3}) {
            port.keep(false);
        }
        long quietest = Long.MAX_VALUE;
        for (int round = 0; round < 4; round++) { // the first rounds warm up (JIT), the quietest counts
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 5_000; i++) {
                fx.receive(B2, back);
                fx.receive(B1, known);
                fx.receive(B1, unknown);
                fx.receive(B1, arp);
            }
            quietest = Math.min(quietest, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertTrue(quietest < 1024, "20k bridged frames allocated " + quietest + " bytes");
        fx.assertNoLeak();
    }

    @Test
    void aPortThatLeftTheBridgeIsNoMember() {
        fx.receive(B2, udp(H1, H2, "198.18.0.2", "198.18.0.1"));
        fx.b1.take();
        fx.b3.take();
        // b2 leaves: its own interface again (no address: frames to it are not for us)
        fx.bridgePorts[1].upper(fx.interfaces.get(4));
        fx.bridge.members(new net.taprouter.dataplane.port.Port[] {fx.bridgePorts[0], fx.bridgePorts[2]});
        assertSame(fx.interfaces.get(4), fx.bridgePorts[1].upper());
        byte[] frame = udp(H2, H1, "198.18.0.1", "198.18.0.2");
        fx.receive(B1, frame);
        assertEquals(0, fx.b2.pending(), "the stale entry of b2 is not used");
        assertArrayEquals(frame, GraphFixture.only(fx.b3), "flooded to the members left");
        fx.assertNoLeak();
    }
}
