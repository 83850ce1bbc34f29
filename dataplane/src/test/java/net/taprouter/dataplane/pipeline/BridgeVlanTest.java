package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.l2.Fdb;
import net.taprouter.dataplane.l2.FdbTables;
import net.taprouter.dataplane.l2.PortVlans;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * 802.1Q in the real graph: br0 of {@link GraphFixture} with VLAN filtering on (ports b1, b2, b3
 * given access or trunk VLANs per test), the bridge's VLAN sub-interface br0.20 (198.18.20.254/24)
 * and port tap0's VLAN sub-interface tap0.10 (100.64.10.254/24). Frames are checked byte for byte
 * where they leave (two tagged frames against scapy's bytes), counters by difference, and every
 * slot must come back.
 */
class BridgeVlanTest {
    static final long H1 = BridgeTest.H1;
    static final long H2 = BridgeTest.H2;
    static final long H3 = BridgeTest.H3;
    static final int B1 = BridgeTest.B1;
    static final int B2 = BridgeTest.B2;
    static final int B3 = BridgeTest.B3;
    static final PortVlans ACCESS_10 = PortVlans.NONE.with(10, true, true);
    static final PortVlans ACCESS_20 = PortVlans.NONE.with(20, true, true);
    static final PortVlans TRUNK = PortVlans.NONE.with(10, false, false).with(20, false, false);
    static final int BR0_20 = 6;
    static final int TAP0_10 = 7;
    static final int SUB20_ADDRESS = Wire.ip("198.18.20.254");
    static final int SUB10_ADDRESS = Wire.ip("100.64.10.254");

    /** scapy: Ether(dst=ff:ff:ff:ff:ff:ff, src=H1)/Dot1Q(vlan=10)/ARP(who-has 198.18.0.2 tell 198.18.0.1). */
    static final String SCAPY_ARP_REQUEST_VLAN10 =
        "ffffffffffff00005e0053018100000a0806000108000604000100005e005301c6120001000000000000c6120002";
    /** scapy: Ether(dst=H1, src=br0)/Dot1Q(vlan=20)/ARP(198.18.20.254 is-at br0, to H1 198.18.20.1). */
    static final String SCAPY_ARP_REPLY_VLAN20 =
        "00005e00530100005e0053b0810000140806000108000604000200005e0053b0c61214fe00005e005301c6121401";

    GraphFixture fx;
    Interface bridge;

    @BeforeEach
    void bridge() {
        fx = new GraphFixture();
        fx.addBridge(FdbTables.DEFAULT_MAX_ENTRIES, FdbTables.DEFAULT_PORT_LIMIT, 300_000);
        bridge = fx.bridge;
        bridge.vlanFiltering(true);
    }

    @AfterEach
    void close() {
        fx.close();
    }

    void vlans(PortVlans b1, PortVlans b2, PortVlans b3) {
        fx.bridgePorts[0].vlans(b1);
        fx.bridgePorts[1].vlans(b2);
        fx.bridgePorts[2].vlans(b3);
    }

    Interface sub(int index, String name, Interface parent, int vid, String address) {
        return fx.addVlanInterface(index, name, parent, vid, address);
    }

    /** {@code frame} with an 802.1Q tag (PCP 0) of {@code vid} after its addresses. */
    static byte[] tag(byte[] frame, int vid) {
        byte[] tagged = new byte[frame.length + 4];
        System.arraycopy(frame, 0, tagged, 0, 12);
        Wire.put16(tagged, 12, 0x8100);
        Wire.put16(tagged, 14, vid);
        System.arraycopy(frame, 12, tagged, 16, frame.length - 12);
        return tagged;
    }

    static byte[] udp(long to, long from, String src, String dst) {
        return BridgeTest.udp(to, from, src, dst);
    }

    Fdb fdb() {
        return fx.context.fdbs.get(2);
    }

    @Test
    void theTagBuilderMatchesScapy() {
        byte[] request = Wire.ether(GraphFixture.BROADCAST_MAC, H1, Wire.ETHERTYPE_ARP,
            Wire.arp(1, H1, BridgeTest.IP1, 0, BridgeTest.IP2));
        assertEquals(SCAPY_ARP_REQUEST_VLAN10, Wire.hex(tag(request, 10)));
    }

    @Test
    void anAccessPortsFloodStaysInItsVlanAndIsLearnedThere() {
        vlans(ACCESS_10, ACCESS_10, ACCESS_20);
        byte[] frame = udp(H2, H1, "198.18.0.1", "198.18.0.2");
        fx.receive(B1, frame);
        assertArrayEquals(frame, GraphFixture.only(fx.b2), "untagged out of the other access port of VLAN 10");
        assertEquals(0, fx.b3.pending(), "VLAN 20's port sees nothing");
        assertEquals(0, fx.b1.pending());
        assertEquals(B1, fdb().lookup(10, H1), "learned in VLAN 10");
        assertEquals(Fdb.NONE, fdb().lookup(0, H1));
        fx.assertCounters("event.fdb_learned", 1, "event.forwarded", 1, "port.b1.flooded", 1,
            "port.b2.tx_packets", 1, "port.b2.tx_bytes", frame.length);
        fx.assertNoLeak();
    }

    @Test
    void tenDoesNotReachTwentyAtL2() {
        vlans(ACCESS_10, ACCESS_10, ACCESS_20);
        fx.receive(B3, udp(H1, H3, "198.18.0.3", "198.18.0.1")); // H3 learned in VLAN 20; nobody else in 20
        fx.assertNothingWritten();
        assertEquals(B3, fdb().lookup(20, H3));
        fx.markCounters();
        byte[] frame = udp(H3, H1, "198.18.0.1", "198.18.0.3");
        fx.receive(B1, frame);
        assertEquals(0, fx.b3.pending(), "H3's MAC is known, but in VLAN 20: never sent there");
        assertArrayEquals(frame, GraphFixture.only(fx.b2), "unknown in VLAN 10: flooded in VLAN 10");
        fx.assertNoLeak();
    }

    @Test
    void admissionPvidAndIngressFilter() {
        vlans(ACCESS_10, PortVlans.NONE.with(10, false, false), ACCESS_10);
        byte[] frame = udp(H2, H1, "198.18.0.1", "198.18.0.2");
        fx.receive(B1, tag(frame, 20));
        fx.assertNothingWritten();
        fx.receive(B2, frame);
        fx.assertNothingWritten();
        fx.assertCounters("drop.vlan_ingress_filtered", 1, "drop.vlan_no_pvid", 1, "port.b1.rx_drops", 1, "port.b2.rx_drops", 1);
        assertEquals(Fdb.NONE, fdb().lookup(20, H1), "nothing learned from a refused frame");
        fx.markCounters();
        fx.receive(B1, tag(frame, 0)); // priority-tagged: the pvid, the tag gone
        assertArrayEquals(tag(frame, 10), GraphFixture.only(fx.b2), "b2 has VLAN 10 tagged");
        assertArrayEquals(frame, GraphFixture.only(fx.b3));
        fx.receive(B1, tag(frame, 10)); // a tagged frame of a VLAN the port has untagged is admitted too
        assertArrayEquals(tag(frame, 10), GraphFixture.only(fx.b2));
        assertArrayEquals(frame, GraphFixture.only(fx.b3));
        fx.assertCounters("event.fdb_learned", 1, "event.forwarded", 2, "port.b1.flooded", 2,
            "port.b2.tx_packets", 2, "port.b2.tx_bytes", 2 * frame.length + 8, "port.b3.tx_packets", 2, "port.b3.tx_bytes", 2 * frame.length);
        fx.assertNoLeak();
    }

    @Test
    void aFloodToTaggedAndUntaggedMembersWritesEachItsFrameFromOneSlot() {
        vlans(ACCESS_10, TRUNK, ACCESS_10);
        byte[] request = Wire.ether(GraphFixture.BROADCAST_MAC, H1, Wire.ETHERTYPE_ARP,
            Wire.arp(1, H1, BridgeTest.IP1, 0, BridgeTest.IP2));
        fx.receive(B1, request);
        assertArrayEquals(request, GraphFixture.only(fx.b3), "untagged to the access port");
        List<Long> untaggedAt = fx.b3.addresses();
        assertEquals(SCAPY_ARP_REQUEST_VLAN10, Wire.hex(GraphFixture.only(fx.b2)), "tagged to the trunk");
        assertEquals(untaggedAt.get(0) - 4, (long) fx.b2.addresses().get(0), "the same slot, the tag pushed in place");
        assertEquals(0, fx.b1.pending());
        // the router has no interface in VLAN 10 (its bridge address is in VLAN 1): the flood is the end
        fx.assertCounters("event.fdb_learned", 1, "event.forwarded", 1, "port.b1.flooded", 1,
            "port.b2.tx_packets", 1, "port.b2.tx_bytes", request.length + 4, "port.b3.tx_packets", 1, "port.b3.tx_bytes", request.length);
        fx.assertNoLeak();
    }

    @Test
    void aMixedFloodTheRouterAlsoAnswersLeavesItTheUntaggedFrame() {
        vlans(ACCESS_20, TRUNK, ACCESS_20);
        sub(BR0_20, "br0.20", bridge, 20, "198.18.20.254");
        byte[] request = Wire.ether(GraphFixture.BROADCAST_MAC, H1, Wire.ETHERTYPE_ARP,
            Wire.arp(1, H1, Wire.ip("198.18.20.1"), 0, SUB20_ADDRESS));
        fx.receive(B1, request);
        assertArrayEquals(request, GraphFixture.only(fx.b3));
        assertArrayEquals(tag(request, 20), GraphFixture.only(fx.b2));
        byte[] reply = GraphFixture.only(fx.b1);
        assertArrayEquals(Wire.ether(H1, GraphFixture.BRIDGE_MAC, Wire.ETHERTYPE_ARP,
            Wire.arp(2, GraphFixture.BRIDGE_MAC, SUB20_ADDRESS, H1, Wire.ip("198.18.20.1"))), Arrays.copyOf(reply, 42),
            "answered untagged on its access port, from the frame the tagged copy was pushed into and popped out of");
        fx.assertNeighbour(BR0_20, Wire.ip("198.18.20.1"), net.taprouter.dataplane.neigh.NeighbourState.REACHABLE, H1);
        fx.assertCounters("event.fdb_learned", 1, "port.b1.flooded", 1, "event.local_delivered", 1, "event.arp_replies_sent", 1,
            "event.arp_learned", 1, "origin.sent", 1, "port.b1.tx_packets", 1, "port.b1.tx_bytes", reply.length,
            "port.b2.tx_packets", 1, "port.b2.tx_bytes", request.length + 4, "port.b3.tx_packets", 1, "port.b3.tx_bytes", request.length);
        fx.assertNoLeak();
    }

    @Test
    void anArpRequestTaggedOnTheTrunkIsAnsweredTaggedByTheBridgeSubInterface() {
        vlans(ACCESS_10, TRUNK, ACCESS_10);
        sub(BR0_20, "br0.20", bridge, 20, "198.18.20.254");
        byte[] request = Wire.ether(GraphFixture.BROADCAST_MAC, H1, Wire.ETHERTYPE_ARP,
            Wire.arp(1, H1, Wire.ip("198.18.20.1"), 0, SUB20_ADDRESS));
        fx.receive(B2, tag(request, 20));
        assertEquals(SCAPY_ARP_REPLY_VLAN20, Wire.hex(Arrays.copyOf(GraphFixture.only(fx.b2), 46)));
        assertEquals(0, fx.b1.pending() + fx.b3.pending(), "no other member of VLAN 20");
        assertEquals(B2, fdb().lookup(20, H1));
        fx.assertNoLeak();
    }

    @Test
    void aTaggedFrameFromTheTrunkLeavesAnAccessPortUntaggedAndBack() {
        vlans(ACCESS_10, TRUNK, ACCESS_20);
        byte[] toTrunk = udp(H2, H1, "198.18.0.1", "198.18.0.2");
        byte[] fromTrunk = udp(H1, H2, "198.18.0.2", "198.18.0.1");
        fx.receive(B1, toTrunk); // H1 learned in 10 on b1; flooded tagged to the trunk
        assertArrayEquals(tag(toTrunk, 10), GraphFixture.only(fx.b2));
        fx.receive(B2, tag(fromTrunk, 10));
        assertArrayEquals(fromTrunk, GraphFixture.only(fx.b1), "known in VLAN 10: popped, to its one port");
        fx.receive(B1, toTrunk);
        assertArrayEquals(tag(toTrunk, 10), GraphFixture.only(fx.b2), "known now: pushed, to its one port");
        fx.receive(B2, tag(fromTrunk, 20)); // H1 is not known in VLAN 20: flooded in 20
        assertArrayEquals(fromTrunk, GraphFixture.only(fx.b3));
        assertEquals(0, fx.b1.pending());
        fx.assertNoLeak();
    }

    @Test
    void theRouterRoutesBetweenVlansOverSubInterfaces() {
        vlans(ACCESS_20, TRUNK, ACCESS_10);
        sub(BR0_20, "br0.20", bridge, 20, "198.18.20.254");
        sub(TAP0_10, "tap0.10", fx.iface0, 10, "100.64.10.254");
        fx.resolve(TAP0_10, Wire.ip("100.64.10.1"), GraphFixture.HOST_A_MAC);
        fx.resolve(BR0_20, Wire.ip("198.18.20.1"), H1);
        fx.context.fdbs.setStatic(2, 20, H1, B1);
        fx.markCounters();
        byte[] ip = Wire.ipv4("100.64.10.1", "198.18.20.1").udp(40000, 9, Wire.pattern(40, 5)).build();
        fx.receive(0, tag(Wire.ether(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC, Wire.ETHERTYPE_IPV4, ip), 10));
        assertArrayEquals(Wire.ether(H1, GraphFixture.BRIDGE_MAC, Wire.ETHERTYPE_IPV4, Wire.decrementTtl(ip)),
            GraphFixture.only(fx.b1), "VLAN 10 on tap0 -> VLAN 20 on the bridge, untagged on its access port, TTL 63");
        byte[] back = Wire.ipv4("198.18.20.1", "100.64.10.1").udp(9, 40000, Wire.pattern(40, 6)).build();
        fx.receive(B1, Wire.ether(GraphFixture.BRIDGE_MAC, H1, Wire.ETHERTYPE_IPV4, back));
        assertArrayEquals(tag(Wire.ether(GraphFixture.HOST_A_MAC, GraphFixture.PORT0_MAC, Wire.ETHERTYPE_IPV4, Wire.decrementTtl(back)), 10),
            GraphFixture.only(fx.tap0), "VLAN 20 -> tap0.10: tagged 10");
        assertEquals(0, fx.b2.pending() + fx.b3.pending() + fx.tap1.pending());
        fx.assertCounters("event.forwarded", 2, "port.tap0.tx_packets", 1, "port.b1.tx_packets", 1,
            "port.tap0.tx_bytes", 14 + 4 + 68, "port.b1.tx_bytes", 14 + 68);
        fx.assertNoLeak();
    }

    @Test
    void aPortSubInterfaceTakesItsTaggedFramesAndTheRestStaysThePorts() {
        Interface tap010 = sub(TAP0_10, "tap0.10", fx.iface0, 10, "100.64.10.254");
        fx.resolve(TAP0_10, Wire.ip("100.64.10.1"), GraphFixture.HOST_A_MAC);
        fx.resolve(0, GraphFixture.HOST_A, GraphFixture.HOST_A_MAC);
        fx.markCounters();
        byte[] echo = Wire.ipv4("100.64.10.1", "100.64.10.254").icmp(8, 0, 0x00070001, Wire.pattern(16, 1)).build();
        fx.receive(0, tag(Wire.ether(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC, Wire.ETHERTYPE_IPV4, echo), 10));
        byte[] reply = GraphFixture.only(fx.tap0);
        assertEquals(0x8100, Wire.u16(reply, 12));
        assertEquals(10, Wire.u16(reply, 14));
        assertEquals(0, reply[18 + 20], "an echo reply");
        assertEquals(SUB10_ADDRESS, Wire.u32(reply, 18 + 12), "from tap0.10's address: " + Wire.hex(reply));
        byte[] echo0 = Wire.ipv4("192.0.2.1", "192.0.2.254").icmp(8, 0, 0x00070001, Wire.pattern(16, 1)).build();
        fx.receive(0, Wire.ether(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC, Wire.ETHERTYPE_IPV4, echo0));
        byte[] reply0 = GraphFixture.only(fx.tap0);
        assertEquals(0x0800, Wire.u16(reply0, 12), "untagged: tap0's own interface, untagged reply");
        fx.receive(0, tag(Wire.ether(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC, Wire.ETHERTYPE_IPV4, echo), 30));
        fx.assertNothingWritten();
        fx.assertCounters("event.local_delivered", 2, "event.icmp_echo_replies_sent", 2, "origin.sent", 2,
            "drop.vlan_no_interface", 1, "port.tap0.rx_drops", 1, "port.tap0.tx_packets", 2,
            "port.tap0.tx_bytes", reply.length + reply0.length);
        tap010.adminUp(false);
        fx.markCounters();
        fx.receive(0, tag(Wire.ether(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC, Wire.ETHERTYPE_IPV4, echo), 10));
        fx.assertNothingWritten();
        fx.assertCounters("drop.port_down", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void arpRequestsAndIcmpErrorsLeaveASubInterfaceTagged() {
        sub(TAP0_10, "tap0.10", fx.iface0, 10, "100.64.10.254");
        byte[] ip = Wire.ipv4("198.51.100.1", "100.64.10.7").udp(40000, 9, Wire.pattern(40, 2)).build();
        fx.receive(1, Wire.ether(GraphFixture.PORT1_MAC, GraphFixture.HOST_B_MAC, Wire.ETHERTYPE_IPV4, ip));
        assertArrayEquals(tag(Wire.ether(GraphFixture.BROADCAST_MAC, GraphFixture.PORT0_MAC, Wire.ETHERTYPE_ARP,
            Wire.arp(1, GraphFixture.PORT0_MAC, SUB10_ADDRESS, 0, Wire.ip("100.64.10.7"))), 10), GraphFixture.only(fx.tap0),
            "who-has from tap0.10, tagged 10");
        fx.receive(0, tag(Wire.ether(GraphFixture.PORT0_MAC, 0x00005e005377L, Wire.ETHERTYPE_ARP,
            Wire.arp(2, 0x00005e005377L, Wire.ip("100.64.10.7"), GraphFixture.PORT0_MAC, SUB10_ADDRESS)), 10));
        assertArrayEquals(tag(Wire.ether(0x00005e005377L, GraphFixture.PORT0_MAC, Wire.ETHERTYPE_IPV4, Wire.decrementTtl(ip)), 10),
            GraphFixture.only(fx.tap0), "the parked packet, tagged");
        fx.resolve(TAP0_10, Wire.ip("100.64.10.1"), GraphFixture.HOST_A_MAC);
        fx.markCounters();
        byte[] dying = Wire.ipv4("100.64.10.1", "198.51.100.1").ttl(1).udp(40000, 9, Wire.pattern(20, 3)).build();
        fx.receive(0, tag(Wire.ether(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC, Wire.ETHERTYPE_IPV4, dying), 10));
        byte[] error = GraphFixture.only(fx.tap0);
        assertEquals(0x8100, Wire.u16(error, 12));
        assertEquals(10, Wire.u16(error, 14));
        assertEquals(GraphFixture.HOST_A_MAC, Wire.getMac(error, 0));
        assertEquals(11, error[18 + 20], "time exceeded");
        assertEquals(SUB10_ADDRESS, Wire.u32(error, 18 + 12), "from tap0.10's address");
        fx.assertCounters("drop.ttl_exceeded", 1, "event.icmp_errors_sent", 1, "origin.sent", 1, "port.tap0.rx_drops", 1,
            "port.tap0.tx_packets", 1, "port.tap0.tx_bytes", error.length);
        fx.assertNoLeak();
    }

    @Test
    void aGsoSuperPacketLeavesAVlanInterfaceWholeAndTaggedWithItsOffloadPositionsMoved() {
        fx.tap0.headroom(10);
        fx.tap1.headroom(10);
        sub(6, "tap1.20", fx.iface1, 20, "100.64.20.254");
        fx.addRoute(GraphFixture.HOST_B, 32, fx.nextHops.acquire(net.taprouter.dataplane.fib.NextHops.TYPE_CONNECTED, 6, 0));
        fx.resolve(6, GraphFixture.HOST_B, GraphFixture.HOST_B_MAC);
        fx.resolve(0, GraphFixture.HOST_A, GraphFixture.HOST_A_MAC);
        byte[] in = Wire.unhex(net.taprouter.dataplane.offload.OffloadGolden.TCP_SUPER); // 192.0.2.1 -> 198.51.100.1
        Wire.putMac(in, 0, GraphFixture.PORT0_MAC);
        Wire.putMac(in, 6, GraphFixture.HOST_A_MAC);
        fx.markCounters();
        fx.receiveOffload(0, in, Wire.unhex(net.taprouter.dataplane.offload.OffloadGolden.TCP_SUPER_VNET));
        List<byte[]> headers = fx.tap1.headers();
        byte[] out = GraphFixture.only(fx.tap1);
        byte[] ip = Wire.decrementTtl(Wire.slice(in, 14, in.length - 14));
        assertArrayEquals(tag(Wire.ether(GraphFixture.HOST_B_MAC, GraphFixture.PORT1_MAC, Wire.ETHERTYPE_IPV4, ip), 20), out,
            "whole, tagged 20 out of tap1");
        // as received (01814200e80322001000) but hdr_len 66 -> 70 and csum_start 34 -> 38: the tag is in front of them
        assertEquals("01814600e80326001000", Wire.hex(headers.get(headers.size() - 1)));
        fx.assertCounters("event.gso_received", 1, "event.forwarded", 1, "port.tap1.tx_packets", 1, "port.tap1.tx_bytes", in.length + 4);
        fx.assertNoLeak();
    }

    @Test
    void withoutVlanFilteringTaggedFramesAreBridgedAsTheyAre() {
        bridge.vlanFiltering(false);
        byte[] frame = tag(udp(H2, H1, "198.18.0.1", "198.18.0.2"), 42);
        fx.receive(B1, frame);
        assertArrayEquals(frame, GraphFixture.only(fx.b2));
        assertArrayEquals(frame, GraphFixture.only(fx.b3));
        assertEquals(B1, fdb().lookup(0, H1), "VLAN 0 of the FDB");
        fx.assertNoLeak();
    }

    @Test
    void theVlanBridgingPathAllocatesNothing() {
        vlans(ACCESS_10, TRUNK, ACCESS_10);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        byte[] known = udp(H2, H1, "198.18.0.1", "198.18.0.2"); // b1 -> trunk: pushed
        byte[] back = tag(udp(H1, H2, "198.18.0.2", "198.18.0.1"), 10); // trunk -> b1: popped
        byte[] unknown = udp(H3 + 0x100, H1, "198.18.0.1", "198.18.0.9"); // mixed flood
        byte[] arp = Wire.ether(GraphFixture.BROADCAST_MAC, H1, Wire.ETHERTYPE_ARP, Wire.arp(1, H1, BridgeTest.IP1, 0, BridgeTest.IP2));
        for (MemoryFrameIo port : new MemoryFrameIo[] {fx.b1, fx.b2, fx.b3}) {
            port.keep(false);
        }
        long quietest = Long.MAX_VALUE;
        for (int round = 0; round < 4; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 5_000; i++) {
                fx.receive(B2, back);
                fx.receive(B1, known);
                fx.receive(B1, unknown);
                fx.receive(B1, arp);
            }
            quietest = Math.min(quietest, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertTrue(quietest < 1024, "20k VLAN-bridged frames allocated " + quietest + " bytes");
        fx.assertNoLeak();
    }
}
