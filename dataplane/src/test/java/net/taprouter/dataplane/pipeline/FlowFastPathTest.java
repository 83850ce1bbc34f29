package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.taprouter.dataplane.conntrack.ConntrackHooks;
import net.taprouter.dataplane.conntrack.NatRule;
import net.taprouter.dataplane.conntrack.NatRuleSet;
import net.taprouter.dataplane.fib.NextHops;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The flow fast path ({@link FlowRoutes}, taken in conntrack's prerouting stage) against the whole
 * graph: two routers, one with the fast path and one without, are fed the same frames and must
 * write the same frames, byte for byte, and count the same (but event flow_fast_path); and the
 * changes a remembered decision depends on (a route, a neighbour's MAC, the MTU, the flow itself,
 * another stage at a hook) are seen by the very next packet. NAT as in {@link NatGraphTest}: port
 * 0 inside (192.0.2.0/24), port 1 outside (198.51.100.254), masquerade out port 1, DNAT of TCP
 * 198.51.100.254:8080 to 192.0.2.1:80.
 */
class FlowFastPathTest {
    static final long A_MAC = GraphFixture.HOST_A_MAC;
    static final long B_MAC = GraphFixture.HOST_B_MAC;
    static final long GW_MAC = GraphFixture.GATEWAY_MAC;
    static final long P0 = GraphFixture.PORT0_MAC;
    static final long P1 = GraphFixture.PORT1_MAC;
    static final int DF = 0x4000;
    static final int MF = 0x2000;

    private final List<GraphFixture> fixtures = new ArrayList<>();

    @AfterEach
    void tearDown() {
        fixtures.forEach(GraphFixture::close);
    }

    private GraphFixture router(boolean fastPath) {
        GraphFixture fx = new GraphFixture(ConntrackHooks.all());
        fixtures.add(fx);
        fx.worker.startConntrack();
        fx.context.conntrack.config().rules(new NatRuleSet(List.of(
            NatRule.masquerade(1, Wire.ip("192.0.2.0"), 24, 1),
            NatRule.dnat(2, 6, GraphFixture.ROUTER1, 8080, GraphFixture.HOST_A, 80))));
        fx.context.flowRoutes.enabled(fastPath);
        fx.resolve(0, GraphFixture.HOST_A, A_MAC);
        fx.resolve(1, GraphFixture.HOST_B, B_MAC);
        fx.resolve(1, GraphFixture.GATEWAY, GW_MAC);
        return fx;
    }

    /** A UDP datagram with its checksum, TTL and flags/fragment word of its own. */
    static byte[] udp(String src, int sport, String dst, int dport, int length, int ttl, int flagsFragment, long toMac, long fromMac) {
        byte[] udp = Wire.udp(sport, dport, Wire.pattern(length, sport ^ dport));
        Wire.put16(udp, 6, Flows.l4Checksum(Wire.ip(src), Wire.ip(dst), Wire.PROTO_UDP, udp, true));
        return Wire.ipv4(src, dst).ttl(ttl).flagsFragment(flagsFragment).payload(Wire.PROTO_UDP, udp).frame(toMac, fromMac);
    }

    static long destinationMac(byte[] frame) {
        return (long) Wire.u16(frame, 0) << 32 | (long) Wire.u16(frame, 2) << 16 | Wire.u16(frame, 4);
    }

    static byte[] out(String src, int sport, String dst, int dport) {
        return Flows.udp(src, sport, dst, dport, 30, P0, A_MAC);
    }

    static byte[] back(String src, int sport, int dport) {
        return Flows.udp(src, sport, "198.51.100.254", dport, 30, P1, B_MAC);
    }

    /** The frames the fixtures wrote, as hex, per port. */
    private static List<String> written(GraphFixture fx) {
        List<String> list = new ArrayList<>();
        for (byte[] f : fx.tap0.take()) {
            list.add("tap0 " + Wire.hex(f));
        }
        for (byte[] f : fx.tap1.take()) {
            list.add("tap1 " + Wire.hex(f));
        }
        return list;
    }

    private static Map<String, Long> counters(GraphFixture fx) {
        Map<String, Long> values = new TreeMap<>(fx.values());
        values.remove("event.flow_fast_path");
        return values;
    }

    /** Both routers get {@code frame} on {@code port}: the same frames must come out. */
    private static void both(GraphFixture fast, GraphFixture whole, int port, byte[] frame, String what) {
        fast.receive(port, frame);
        whole.receive(port, frame);
        assertEquals(written(whole), written(fast), what);
    }

    @Test
    void theFastPathWritesWhatTheWholeGraphWrites() {
        GraphFixture fast = router(true);
        GraphFixture whole = router(false);
        for (int round = 0; round < 5; round++) {
            // UDP both ways, masqueraded
            both(fast, whole, 0, out("192.0.2.1", 40000, "198.51.100.1", 9), "udp out, round " + round);
            both(fast, whole, 1, back("198.51.100.1", 9, 40000), "udp back, round " + round);
            // through the gateway (a GATEWAY next hop)
            both(fast, whole, 0, out("192.0.2.1", 40001, "203.0.113.7", 53), "udp via the gateway, round " + round);
            // ICMP echo both ways
            both(fast, whole, 0, Flows.echo("192.0.2.1", "198.51.100.1", 8, 77, round, P0, A_MAC), "echo, round " + round);
            both(fast, whole, 1, Flows.echo("198.51.100.1", "198.51.100.254", 0, 77, round, P1, B_MAC), "echo reply, round " + round);
        }
        // TCP through DNAT: handshake, data both ways, FIN
        long c = 1000;
        long s = 5000;
        both(fast, whole, 1, Flows.tcp("198.51.100.1", 33000, "198.51.100.254", 8080, 0x02, c, 0, 0, P1, B_MAC), "syn");
        both(fast, whole, 0, Flows.tcp("192.0.2.1", 80, "198.51.100.1", 33000, 0x12, s, c + 1, 0, P0, A_MAC), "syn-ack");
        both(fast, whole, 1, Flows.tcp("198.51.100.1", 33000, "198.51.100.254", 8080, 0x10, c + 1, s + 1, 0, P1, B_MAC), "ack");
        for (int i = 0; i < 4; i++) {
            both(fast, whole, 1, Flows.tcp("198.51.100.1", 33000, "198.51.100.254", 8080, 0x18, c + 1 + 100L * i, s + 1, 100, P1, B_MAC),
                "data in " + i);
            both(fast, whole, 0, Flows.tcp("192.0.2.1", 80, "198.51.100.1", 33000, 0x10, s + 1, c + 101 + 100L * i, 0, P0, A_MAC),
                "ack out " + i);
        }
        both(fast, whole, 1, Flows.tcp("198.51.100.1", 33000, "198.51.100.254", 8080, 0x11, c + 401, s + 1, 0, P1, B_MAC), "fin");
        // what the graph must see whole: TTL 1 (time exceeded), fragments, a link-layer broadcast
        both(fast, whole, 0, udp("192.0.2.1", 40000, "198.51.100.1", 9, 30, 1, 0, P0, A_MAC), "ttl 1");
        both(fast, whole, 0, udp("192.0.2.1", 40000, "198.51.100.1", 9, 64, 64, MF, P0, A_MAC), "first fragment");
        both(fast, whole, 0, Wire.ipv4("192.0.2.1", "198.51.100.1").flagsFragment(8).payload(Wire.PROTO_UDP, Wire.pattern(16, 3))
            .frame(P0, A_MAC), "later fragment");
        both(fast, whole, 0, udp("192.0.2.1", 40000, "198.51.100.1", 9, 30, 64, 0, GraphFixture.BROADCAST_MAC, A_MAC),
            "link-layer broadcast");
        // a smaller MTU outside: DF too big is Frag Needed, without DF fragments
        fast.iface1.mtu(100);
        whole.iface1.mtu(100);
        both(fast, whole, 0, udp("192.0.2.1", 40000, "198.51.100.1", 9, 200, 64, DF, P0, A_MAC), "too big with DF");
        both(fast, whole, 0, udp("192.0.2.1", 40000, "198.51.100.1", 9, 200, 64, 0, P0, A_MAC), "too big without DF");
        both(fast, whole, 0, out("192.0.2.1", 40000, "198.51.100.1", 9), "fits again");

        assertEquals(counters(whole), counters(fast), "every counter but event.flow_fast_path");
        assertEquals(0, whole.counter("event.flow_fast_path"));
        assertTrue(fast.counter("event.flow_fast_path") >= 25, "fast path taken: " + fast.counter("event.flow_fast_path"));
        assertEquals(whole.context.conntrack.size(), fast.context.conntrack.size());
        fast.assertNoLeak();
        whole.assertNoLeak();
    }

    /**
     * Tracked flows out of a VLAN sub-interface and out of a bridge ({@link VlanBridgeEgress}): the
     * flow fast path sends neither straight to a port (only a plain port interface's frames go so:
     * {@code FlowRoutes.directPort}).
     */
    @Test
    void outOfAVlanAndABridgeTheFlowFastPathWritesWhatTheWholeGraphWrites() {
        VlanBridgeEgress.check(router(true), router(false), "event.flow_fast_path");
    }

    /** The virtio-net headers, then the frames, the fixture wrote (as hex, per port). */
    private static List<String> writtenWithHeaders(GraphFixture fx) {
        List<String> list = new ArrayList<>();
        for (MemoryFrameIo io : List.of(fx.tap0, fx.tap1)) {
            for (byte[] h : io.headers()) {
                list.add(io.ifname() + " vnet " + Wire.hex(h));
            }
            for (byte[] f : io.take()) {
                list.add(io.ifname() + " " + Wire.hex(f));
            }
        }
        return list;
    }

    /** A UDP datagram of A's with a partial checksum (NEEDS_CSUM at 34 + 6), as a TAP with offloads hands it over. */
    private static final String UDP_PARTIAL_VNET = "01002a00000022000600";

    @Test
    void withOffloadsTheFastPathWritesWhatTheWholeGraphWrites() {
        for (int headroom : new int[] {10, 0}) { // the outside port with offloads, then without (segmented, checksums completed)
            GraphFixture fast = router(true);
            GraphFixture whole = router(false);
            for (GraphFixture fx : List.of(fast, whole)) {
                fx.tap0.headroom(10);
                fx.tap1.headroom(headroom);
            }
            byte[] superPacket = Wire.unhex(net.taprouter.dataplane.offload.OffloadGolden.TCP_SUPER);
            Wire.putMac(superPacket, 0, P0);
            Wire.putMac(superPacket, 6, A_MAC);
            byte[] superVnet = Wire.unhex(net.taprouter.dataplane.offload.OffloadGolden.TCP_SUPER_VNET);
            byte[] partial = out("192.0.2.1", 40000, "198.51.100.1", 9);
            // the super-packet's connection (192.0.2.1:40000 > 198.51.100.1:5201, seq 0xfffffc00, ack 0x01020304) opened first
            both(fast, whole, 0, Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 5201, 0x02, 0xFFFF_FBFFL, 0, 0, P0, A_MAC), "syn");
            both(fast, whole, 1, Flows.tcp("198.51.100.1", 5201, "198.51.100.254", 40000, 0x12, 0x0102_0303L, 0xFFFF_FC00L, 0,
                P1, B_MAC), "syn-ack");
            both(fast, whole, 0, Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 5201, 0x10, 0xFFFF_FC00L, 0x0102_0304L, 0, P0, A_MAC),
                "ack");
            for (int round = 0; round < 3; round++) {
                for (GraphFixture fx : List.of(fast, whole)) {
                    fx.receiveOffload(0, superPacket, superVnet);
                    fx.receiveOffload(0, partial, Wire.unhex(UDP_PARTIAL_VNET));
                }
                assertEquals(writtenWithHeaders(whole), writtenWithHeaders(fast), "headroom " + headroom + ", round " + round);
            }
            assertEquals(counters(whole), counters(fast), "headroom " + headroom);
            assertEquals(6, fast.counter("event.flow_fast_path"), "headroom " + headroom); // the ack, 3 super-packets, 2 datagrams
            fast.assertNoLeak();
            whole.assertNoLeak();
        }
    }

    /** The flow's first packet goes the whole way, the next ones take the fast path. */
    private static long fastAfter(GraphFixture fx, int port, byte[] frame, int times) {
        long before = fx.counter("event.flow_fast_path");
        for (int i = 0; i < times; i++) {
            fx.receive(port, frame);
        }
        return fx.counter("event.flow_fast_path") - before;
    }

    @Test
    void aChangedRouteIsTakenByTheNextPacket() {
        GraphFixture fx = router(true);
        byte[] frame = out("192.0.2.1", 40000, "203.0.113.7", 53);
        assertEquals(2, fastAfter(fx, 0, frame, 3));
        assertEquals(3, fx.tap1.take().size());
        // a more specific route back out of port 0, to host C
        long cMac = Wire.mac("00:00:5e:00:53:04");
        fx.resolve(0, Wire.ip("192.0.2.2"), cMac);
        fx.addRoute(Wire.ip("203.0.113.0"), 25, fx.nextHops.acquire(NextHops.TYPE_GATEWAY, 0, Wire.ip("192.0.2.2")));
        fx.receive(0, frame);
        byte[] turned = only(fx.tap0);
        assertEquals(cMac, destinationMac(turned), "to C, the new route's gateway");
        assertEquals(0, fx.tap1.take().size());
        assertEquals(2, fastAfter(fx, 0, frame, 2), "the new way is remembered");
        assertEquals(2, fx.tap0.take().size());
        fx.assertNoLeak();
    }

    @Test
    void aNeighbourWithANewMacGetsItInTheNextPacket() {
        GraphFixture fx = router(true);
        byte[] frame = out("192.0.2.1", 40000, "198.51.100.1", 9);
        assertEquals(1, fastAfter(fx, 0, frame, 2));
        fx.tap1.take();
        long moved = Wire.mac("00:00:5e:00:53:99");
        fx.resolve(1, GraphFixture.HOST_B, moved);
        fx.receive(0, frame);
        assertEquals(moved, destinationMac(only(fx.tap1)));
        fx.assertNoLeak();
    }

    @Test
    void aLowerMtuSendsFragNeededForTheNextPacket() {
        GraphFixture fx = router(true);
        byte[] frame = udp("192.0.2.1", 40000, "198.51.100.1", 9, 200, 64, DF, P0, A_MAC);
        assertEquals(2, fastAfter(fx, 0, frame, 3));
        assertEquals(3, fx.tap1.take().size());
        fx.iface1.mtu(128);
        fx.receive(0, frame);
        byte[] error = only(fx.tap0);
        assertEquals(3, Wire.u8(error, 34), "destination unreachable");
        assertEquals(4, Wire.u8(error, 35), "fragmentation needed");
        assertEquals(0, fx.tap1.take().size());
        fx.assertNoLeak();
    }

    @Test
    void aFlowFlushedIsNotTakenForTheFlowThatReusesItsEntry() {
        GraphFixture fx = router(true);
        assertEquals(1, fastAfter(fx, 0, out("192.0.2.1", 40000, "198.51.100.1", 9), 2));
        fx.tap1.take();
        fx.context.conntrack.flush();
        // the next flow gets the same flow number, to the gateway this time
        byte[] other = out("192.0.2.1", 40002, "203.0.113.9", 7);
        assertEquals(0, fastAfter(fx, 0, other, 1), "a new flow goes the whole way first");
        byte[] sent = only(fx.tap1);
        assertEquals(GW_MAC, destinationMac(sent), "to the gateway, not to B");
        assertEquals(1, fastAfter(fx, 0, other, 1));
        assertEquals(GW_MAC, destinationMac(only(fx.tap1)));
        fx.assertNoLeak();
    }

    @Test
    void forwardingSwitchedOffStopsTheNextPacket() {
        GraphFixture fx = router(true);
        byte[] frame = out("192.0.2.1", 40000, "198.51.100.1", 9);
        assertEquals(1, fastAfter(fx, 0, frame, 2));
        fx.tap1.take();
        fx.settings.forwarding(false);
        fx.receive(0, frame);
        assertEquals(0, fx.tap1.take().size());
        assertEquals(1, fx.counter("drop.forwarding_disabled"));
        fx.assertNoLeak();
    }

    @Test
    void anotherStageAtAHookKeepsEveryPacketOnTheWholeWay() {
        List<String> seen = new ArrayList<>();
        Hooks hooks = ConntrackHooks.with(Hooks.NONE.with(Hook.POSTROUTING, (context, graph) -> Stage.of(packet -> {
            seen.add("post");
            return HookStage.ACCEPT;
        })));
        GraphFixture fx = new GraphFixture(hooks);
        fixtures.add(fx);
        fx.worker.startConntrack();
        fx.context.conntrack.config().rules(new NatRuleSet(List.of(NatRule.masquerade(1, Wire.ip("192.0.2.0"), 24, 1))));
        fx.resolve(1, GraphFixture.HOST_B, B_MAC);
        for (int i = 0; i < 3; i++) {
            fx.receive(0, out("192.0.2.1", 40000, "198.51.100.1", 9));
        }
        assertEquals(3, fx.tap1.take().size());
        assertEquals(List.of("post", "post", "post"), seen);
        assertEquals(0, fx.counter("event.flow_fast_path"));
        fx.assertNoLeak();
    }

    /**
     * Two flows whose decisions share one entry, alternating (as many more flows than entries
     * would): each packet finds the other flow's decision there, and after a window of such
     * lookups the flow fast path rests; while it rests every packet goes the whole way, rightly.
     */
    @Test
    void flowsDisplacingEachOthersDecisionsRestTheFlowFastPath() {
        GraphFixture fx = router(true);
        // one inside host opens 2,049 flows: above auto's share of this fixture's mapping and flow tables
        fx.context.conntrack.config().portLimit(net.taprouter.dataplane.conntrack.ConntrackConfig.MAX_PORT_LIMIT);
        fx.context.conntrack.config().hostLimit(net.taprouter.dataplane.conntrack.ConntrackConfig.MAX_HOST_LIMIT);
        int shared = FlowRoutes.SIZE / 2; // flow numbers f and f + SIZE/2 share an entry
        for (int i = 0; i <= shared; i++) { // flows 0 .. shared, numbered in order
            fx.receive(0, out("192.0.2.1", 20000 + i, "198.51.100.1", 9));
            if ((i & 255) == 0) {
                fx.tap1.take();
            }
        }
        fx.tap1.take();
        byte[] first = out("192.0.2.1", 20000, "198.51.100.1", 9);
        byte[] other = out("192.0.2.1", 20000 + shared, "198.51.100.1", 9);
        for (int i = 0; i < FastPathRest.WINDOW / 2; i++) {
            fx.receive(0, first);
            fx.receive(0, other);
        }
        assertEquals(FastPathRest.WINDOW, fx.tap1.take().size());
        assertEquals(0, fx.counter("event.flow_fast_path"));
        assertTrue(fx.context.flowRoutes.flowResting());
        assertEquals(0, fastAfter(fx, 0, first, 3), "resting: the whole way");
        for (byte[] sent : fx.tap1.take()) {
            assertEquals(GraphFixture.ROUTER1, Wire.u32(sent, 26), "still masqueraded");
        }
        fx.assertNoLeak();
    }

    /** A decision made outdated (here by a version change before every packet) is not a sign of too many flows: no rest. */
    @Test
    void outdatedDecisionsDoNotRestTheFlowFastPath() {
        GraphFixture fx = router(true);
        byte[] frame = out("192.0.2.1", 20000, "198.51.100.1", 9);
        for (int i = 0; i < 2 * FastPathRest.WINDOW; i++) {
            net.taprouter.dataplane.table.ForwardingVersion.changed();
            fx.receive(0, frame);
        }
        fx.tap1.take();
        assertTrue(!fx.context.flowRoutes.flowResting());
        assertEquals(3, fastAfter(fx, 0, frame, 3), "the loop's last packet remembered its way");
        fx.tap1.take();
        fx.assertNoLeak();
    }
}
