package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
 * The route fast path ({@link FlowRoutes#takeRoute}, taken in the route lookup stage for packets
 * connection tracking does not see) against the whole graph: two routers as routerd builds them
 * (conntrack's stages registered, dormant: no NAT rule), one with the fast path and one without,
 * are fed the same frames and must write the same frames, byte for byte, and count the same (but
 * event route_fast_path); and each change a remembered decision depends on (a route, a
 * neighbour's MAC, the MTU, {@code forwarding}, a NAT rule that wakes connection tracking, a stage
 * at postrouting, another destination in the same entry) is seen by the very next packet.
 */
class RouteFastPathTest {
    static final long A_MAC = GraphFixture.HOST_A_MAC;
    static final long B_MAC = GraphFixture.HOST_B_MAC;
    static final long GW_MAC = GraphFixture.GATEWAY_MAC;
    static final long P0 = GraphFixture.PORT0_MAC;
    static final long P1 = GraphFixture.PORT1_MAC;
    static final int DF = FlowFastPathTest.DF;
    static final int MF = FlowFastPathTest.MF;

    private final List<GraphFixture> fixtures = new ArrayList<>();

    @AfterEach
    void tearDown() {
        fixtures.forEach(GraphFixture::close);
    }

    private GraphFixture router(boolean fastPath) {
        return router(fastPath, ConntrackHooks.all());
    }

    private GraphFixture router(boolean fastPath, Hooks hooks) {
        GraphFixture fx = new GraphFixture(hooks);
        fixtures.add(fx);
        fx.context.flowRoutes.enabled(fastPath);
        fx.resolve(0, GraphFixture.HOST_A, A_MAC);
        fx.resolve(1, GraphFixture.HOST_B, B_MAC);
        fx.resolve(1, GraphFixture.GATEWAY, GW_MAC);
        return fx;
    }

    private static byte[] udp(String src, int sport, String dst, int dport, int length, int ttl, int flagsFragment, long toMac,
                              long fromMac) {
        return FlowFastPathTest.udp(src, sport, dst, dport, length, ttl, flagsFragment, toMac, fromMac);
    }

    private static byte[] out(String dst) {
        return Flows.udp("192.0.2.1", 40000, dst, 9, 30, P0, A_MAC);
    }

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
        values.remove("event.route_fast_path");
        return values;
    }

    private static void both(GraphFixture fast, GraphFixture whole, int port, byte[] frame, String what) {
        fast.receive(port, frame);
        whole.receive(port, frame);
        assertEquals(written(whole), written(fast), what);
    }

    private static long fastAfter(GraphFixture fx, int port, byte[] frame, int times) {
        long before = fx.counter("event.route_fast_path");
        for (int i = 0; i < times; i++) {
            fx.receive(port, frame);
        }
        return fx.counter("event.route_fast_path") - before;
    }

    @Test
    void theRouteFastPathWritesWhatTheWholeGraphWrites() {
        GraphFixture fast = router(true);
        GraphFixture whole = router(false);
        for (int round = 0; round < 5; round++) {
            both(fast, whole, 0, out("198.51.100.1"), "udp out, round " + round);
            both(fast, whole, 1, Flows.udp("198.51.100.1", 9, "192.0.2.1", 40000, 30, P1, B_MAC), "udp back, round " + round);
            both(fast, whole, 0, out("203.0.113.7"), "udp via the gateway, round " + round);
            both(fast, whole, 0, Flows.echo("192.0.2.1", "198.51.100.1", 8, 77, round, P0, A_MAC), "echo, round " + round);
            both(fast, whole, 1, Flows.echo("198.51.100.1", "192.0.2.1", 0, 77, round, P1, B_MAC), "echo reply, round " + round);
            both(fast, whole, 0, Flows.echo("192.0.2.1", "198.51.100.254", 8, 78, round, P0, A_MAC), "echo to the router");
            both(fast, whole, 0, Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 80, 0x18, 1000 + round, 7, 100, P0, A_MAC), "tcp");
        }
        both(fast, whole, 0, udp("192.0.2.1", 40000, "198.51.100.1", 9, 30, 1, 0, P0, A_MAC), "ttl 1");
        both(fast, whole, 0, udp("192.0.2.1", 40000, "198.51.100.1", 9, 30, 2, 0, P0, A_MAC), "ttl 2");
        both(fast, whole, 0, udp("192.0.2.1", 40000, "198.51.100.1", 9, 64, 64, MF, P0, A_MAC), "first fragment");
        both(fast, whole, 0, Wire.ipv4("192.0.2.1", "198.51.100.1").flagsFragment(8).payload(Wire.PROTO_UDP, Wire.pattern(16, 3))
            .frame(P0, A_MAC), "later fragment");
        both(fast, whole, 0, udp("192.0.2.1", 40000, "198.51.100.1", 9, 30, 64, 0, GraphFixture.BROADCAST_MAC, A_MAC),
            "link-layer broadcast");
        both(fast, whole, 0, out("198.51.100.255"), "the subnet's broadcast address");
        both(fast, whole, 0, out("198.18.5.5"), "no route");
        // a smaller MTU outside: DF too big is Frag Needed, without DF fragments
        fast.iface1.mtu(100);
        whole.iface1.mtu(100);
        both(fast, whole, 0, udp("192.0.2.1", 40000, "198.51.100.1", 9, 200, 64, DF, P0, A_MAC), "too big with DF");
        both(fast, whole, 0, udp("192.0.2.1", 40000, "198.51.100.1", 9, 200, 64, 0, P0, A_MAC), "too big without DF");
        both(fast, whole, 0, out("198.51.100.1"), "fits");
        both(fast, whole, 0, out("198.51.100.1"), "fits again");

        assertEquals(counters(whole), counters(fast), "every counter but event.route_fast_path");
        assertEquals(0, whole.counter("event.route_fast_path"));
        assertTrue(fast.counter("event.route_fast_path") >= 25, "fast path taken: " + fast.counter("event.route_fast_path"));
        assertEquals(0, fast.counter("event.flow_fast_path"));
        fast.assertNoLeak();
        whole.assertNoLeak();
    }

    @Test
    void withOffloadsTheRouteFastPathWritesWhatTheWholeGraphWrites() {
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
            byte[] partial = out("198.51.100.1");
            for (int round = 0; round < 3; round++) {
                for (GraphFixture fx : List.of(fast, whole)) {
                    fx.receiveOffload(0, superPacket, superVnet);
                    fx.receiveOffload(0, partial, Wire.unhex("01002a00000022000600"));
                }
                List<String> expected = new ArrayList<>();
                List<String> got = new ArrayList<>();
                for (MemoryFrameIo io : List.of(whole.tap0, whole.tap1)) {
                    io.headers().forEach(h -> expected.add(io.ifname() + " vnet " + Wire.hex(h)));
                    io.take().forEach(f -> expected.add(io.ifname() + " " + Wire.hex(f)));
                }
                for (MemoryFrameIo io : List.of(fast.tap0, fast.tap1)) {
                    io.headers().forEach(h -> got.add(io.ifname() + " vnet " + Wire.hex(h)));
                    io.take().forEach(f -> got.add(io.ifname() + " " + Wire.hex(f)));
                }
                assertEquals(expected, got, "headroom " + headroom + ", round " + round);
            }
            assertEquals(counters(whole), counters(fast), "headroom " + headroom);
            assertEquals(5, fast.counter("event.route_fast_path"), "headroom " + headroom); // all but the first to B
            fast.assertNoLeak();
            whole.assertNoLeak();
        }
    }

    @Test
    void aChangedRouteIsTakenByTheNextPacket() {
        GraphFixture fx = router(true);
        byte[] frame = out("203.0.113.7");
        assertEquals(2, fastAfter(fx, 0, frame, 3));
        assertEquals(3, fx.tap1.take().size());
        long cMac = Wire.mac("00:00:5e:00:53:04");
        fx.resolve(0, Wire.ip("192.0.2.2"), cMac);
        fx.addRoute(Wire.ip("203.0.113.0"), 25, fx.nextHops.acquire(NextHops.TYPE_GATEWAY, 0, Wire.ip("192.0.2.2")));
        fx.receive(0, frame);
        assertEquals(cMac, FlowFastPathTest.destinationMac(only(fx.tap0)), "to C, the new route's gateway");
        assertEquals(0, fx.tap1.take().size());
        assertEquals(2, fastAfter(fx, 0, frame, 2), "the new way is remembered");
        assertEquals(2, fx.tap0.take().size());
        fx.assertNoLeak();
    }

    @Test
    void aNeighbourWithANewMacGetsItInTheNextPacket() {
        GraphFixture fx = router(true);
        byte[] frame = out("198.51.100.1");
        assertEquals(1, fastAfter(fx, 0, frame, 2));
        fx.tap1.take();
        long moved = Wire.mac("00:00:5e:00:53:99");
        fx.resolve(1, GraphFixture.HOST_B, moved);
        fx.receive(0, frame);
        assertEquals(moved, FlowFastPathTest.destinationMac(only(fx.tap1)));
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
    void forwardingSwitchedOffStopsTheNextPacket() {
        GraphFixture fx = router(true);
        byte[] frame = out("198.51.100.1");
        assertEquals(1, fastAfter(fx, 0, frame, 2));
        fx.tap1.take();
        fx.settings.forwarding(false);
        fx.receive(0, frame);
        assertEquals(0, fx.tap1.take().size());
        assertEquals(1, fx.counter("drop.forwarding_disabled"));
        fx.assertNoLeak();
    }

    @Test
    void aNatRuleWakesConntrackAndItsFlowsLeaveTheRouteFastPath() {
        GraphFixture fx = router(true);
        byte[] frame = out("198.51.100.1");
        assertEquals(1, fastAfter(fx, 0, frame, 2));
        assertEquals(Wire.ip("192.0.2.1"), Wire.u32(only2(fx.tap1), 26), "not translated yet");
        fx.worker.startConntrack();
        fx.context.conntrack.config().rules(new NatRuleSet(List.of(NatRule.masquerade(1, Wire.ip("192.0.2.0"), 24, 1))));
        assertEquals(0, fastAfter(fx, 0, frame, 3), "tracked now: the route fast path is not theirs");
        for (byte[] sent : fx.tap1.take()) {
            assertEquals(GraphFixture.ROUTER1, Wire.u32(sent, 26), "masqueraded");
        }
        assertEquals(2, fx.counter("event.flow_fast_path"), "the flow fast path instead, after the flow's first packet");
        fx.assertNoLeak();
    }

    private static byte[] only2(MemoryFrameIo io) {
        List<byte[]> frames = io.take();
        assertEquals(2, frames.size());
        return frames.get(1);
    }

    @Test
    void aStageAtPostroutingKeepsEveryPacketOnTheWholeWay() {
        List<String> seen = new ArrayList<>();
        GraphFixture fx = router(true, Hooks.NONE.with(Hook.POSTROUTING, (context, graph) -> Stage.of(packet -> {
            seen.add("post");
            return HookStage.ACCEPT;
        })));
        for (int i = 0; i < 3; i++) {
            fx.receive(0, out("198.51.100.1"));
        }
        assertEquals(3, fx.tap1.take().size());
        assertEquals(List.of("post", "post", "post"), seen);
        assertEquals(0, fx.counter("event.route_fast_path"));
        fx.assertNoLeak();
    }

    @Test
    void twoDestinationsInOneEntryTakeTurnsEachToItsOwnNeighbour() {
        GraphFixture fx = router(true);
        int first = Wire.ip("198.51.100.1");
        int second = Wire.ip("198.18.0.1"); // a benchmark-range address (198.18.0.0/15) in the same entry
        while (FlowRoutes.routeEntry(second) != FlowRoutes.routeEntry(first) || (second & 0xFF) == 0 || (second & 0xFF) == 0xFF) {
            second++;
        }
        assertTrue(second < Wire.ip("198.20.0.0"), "found in 198.18.0.0/15");
        // a /32 route for the second via the gateway, so both are on port 1 with other neighbours
        fx.addRoute(second, 32, fx.nextHops.acquire(NextHops.TYPE_GATEWAY, 1, GraphFixture.GATEWAY));
        String secondText = (second >>> 24) + "." + (second >>> 16 & 0xFF) + "." + (second >>> 8 & 0xFF) + "." + (second & 0xFF);
        for (int i = 0; i < 3; i++) {
            fx.receive(0, out("198.51.100.1"));
            assertEquals(B_MAC, FlowFastPathTest.destinationMac(only(fx.tap1)), "to B, " + i);
            fx.receive(0, out(secondText));
            assertEquals(GW_MAC, FlowFastPathTest.destinationMac(only(fx.tap1)), "to " + secondText + " via the gateway, " + i);
        }
        assertEquals(0, fx.counter("event.route_fast_path"), "each packet found the other's decision there");
        assertEquals(2, fastAfter(fx, 0, out(secondText), 2), "the same destination again: taken");
        assertNotEquals(first, second);
        fx.tap1.take();
        fx.assertNoLeak();
    }

    /**
     * A scan of more destinations than the table holds finds other destinations' decisions in it:
     * after a window of such lookups the route fast path rests (a repeated destination goes the
     * whole way), then comes back; what is written stays right throughout.
     */
    @Test
    void aScanOfManyDestinationsRestsTheRouteFastPathUntilItComesBack() {
        GraphFixture fx = router(true);
        fx.addRoute(Wire.ip("198.18.0.0"), 15, fx.nextHops.acquire(NextHops.TYPE_GATEWAY, 1, GraphFixture.GATEWAY));
        for (int i = 0; i < 3 * FlowRoutes.SIZE; i++) {
            fx.receive(0, out("198.18." + (i >>> 8) + "." + (i & 0xFF)));
            if ((i & 1023) == 0) {
                fx.tap1.take();
            }
        }
        fx.tap1.take();
        assertTrue(fx.context.flowRoutes.routeResting(), "a scan");
        assertEquals(0, fastAfter(fx, 0, out("198.51.100.1"), 3), "resting: the whole way");
        assertEquals(3, fx.tap1.take().size());
        byte[] host = out("198.18.100.7");
        for (int i = 0; fx.context.flowRoutes.routeResting(); i++) {
            assertTrue(i < FastPathRest.REST, "rests no longer than " + FastPathRest.REST + " packets");
            fx.receive(0, host);
            if ((i & 1023) == 0) {
                fx.tap1.take();
            }
        }
        fx.tap1.take();
        assertEquals(0, fx.counter("event.route_fast_path"));
        assertEquals(2, fastAfter(fx, 0, host, 2), "back (the rest's last packet remembered its way)");
        for (byte[] sent : fx.tap1.take()) {
            assertEquals(GW_MAC, FlowFastPathTest.destinationMac(sent));
        }
        fx.assertNoLeak();
    }

    /** Pings to the router itself (never remembered) outnumbering forwarded traffic do not make the route fast path rest. */
    @Test
    void trafficToTheRouterItselfDoesNotRestTheRouteFastPath() {
        GraphFixture fx = router(true);
        byte[] ping = Flows.echo("192.0.2.1", "198.51.100.254", 8, 78, 1, P0, A_MAC);
        byte[] frame = out("198.51.100.1");
        long taken = 0;
        for (int i = 0; i < 2 * FastPathRest.WINDOW; i++) {
            for (int j = 0; j < 3; j++) {
                fx.receive(0, ping);
            }
            taken += fastAfter(fx, 0, frame, 1);
            fx.tap0.take();
            fx.tap1.take();
        }
        assertEquals(2 * FastPathRest.WINDOW - 1, taken, "every forwarded packet but the first");
        assertTrue(!fx.context.flowRoutes.routeResting());
        fx.assertNoLeak();
    }

    /**
     * A learned neighbour gone STALE is not the route fast path's: the next packet goes the whole
     * way, where the adjacency stage starts the unicast probe (as without the fast path); once the
     * probe is answered (REACHABLE again) the fast path takes the next packet.
     */
    @Test
    void aStaleNeighbourGoesTheWholeWayAndIsProbed() {
        GraphFixture fx = new GraphFixture(ConntrackHooks.all());
        fixtures.add(fx);
        fx.resolve(0, GraphFixture.HOST_A, A_MAC);
        // B asks for the router: B is learned REACHABLE
        fx.receive(1, Wire.ether(GraphFixture.BROADCAST_MAC, B_MAC, Wire.ETHERTYPE_ARP,
            Wire.arp(1, B_MAC, GraphFixture.HOST_B, 0, GraphFixture.ROUTER1)));
        fx.tap1.take();
        byte[] frame = out("198.51.100.1");
        assertEquals(1, fastAfter(fx, 0, frame, 2));
        fx.tap1.take();
        fx.timer(30 * GraphFixture.SECOND);
        fx.timer(31 * GraphFixture.SECOND); // STALE
        assertEquals(0, fastAfter(fx, 0, frame, 1));
        List<byte[]> sent = fx.tap1.take();
        assertEquals(2, sent.size(), "the unicast probe, then the packet");
        assertEquals(Wire.ETHERTYPE_ARP, Wire.u16(sent.get(0), 12));
        assertEquals(B_MAC, FlowFastPathTest.destinationMac(sent.get(0)), "a unicast probe");
        assertEquals(B_MAC, FlowFastPathTest.destinationMac(sent.get(1)));
        fx.receive(1, Golden.ARP_REPLY_FROM_B); // REACHABLE again
        assertEquals(1, fastAfter(fx, 0, frame, 1), "the fast path again");
        assertEquals(B_MAC, FlowFastPathTest.destinationMac(only(fx.tap1)));
        fx.assertNoLeak();
    }

    /** Routed out of a VLAN sub-interface and out of a bridge: {@link VlanBridgeEgress}. */
    @Test
    void outOfAVlanAndABridgeTheRouteFastPathWritesWhatTheWholeGraphWrites() {
        VlanBridgeEgress.check(router(true), router(false), "event.route_fast_path");
    }

    /**
     * Received on a bridge's member port: a frame to the bridge's MAC is routed (out of tap0, and
     * back into the bridge to another of its hosts) and takes the route fast path after the first;
     * a frame between two of the bridge's hosts is bridged and never reaches route lookup. The same
     * frames come out with and without the fast path, and the same counters.
     */
    @Test
    void receivedOnABridgeTheRouteFastPathWritesWhatTheWholeGraphWrites() {
        long hostOne = Wire.mac("00:00:5e:00:53:a3");
        long hostTwo = Wire.mac("00:00:5e:00:53:a4");
        GraphFixture fast = router(true);
        GraphFixture whole = router(false);
        for (GraphFixture fx : List.of(fast, whole)) {
            fx.addBridge(64, 64, 300_000);
            fx.resolve(2, Wire.ip("198.18.0.7"), hostOne);
            fx.resolve(2, Wire.ip("198.18.0.8"), hostTwo);
            // both hosts speak first, so that the FDB knows their ports (b1, b2)
            fx.receive(2, Flows.udp("198.18.0.7", 7, "198.18.0.254", 9, 30, GraphFixture.BRIDGE_MAC, hostOne));
            fx.receive(3, Flows.udp("198.18.0.8", 7, "198.18.0.254", 9, 30, GraphFixture.BRIDGE_MAC, hostTwo));
        }
        assertEquals(whole.writtenAll(), fast.writtenAll(), "to the router itself");
        long before = fast.counter("event.route_fast_path");
        for (int round = 0; round < 4; round++) {
            byte[] routed = Flows.udp("198.18.0.7", 40000 + round, "192.0.2.1", 9, 30 + round, GraphFixture.BRIDGE_MAC, hostOne);
            for (GraphFixture fx : List.of(fast, whole)) {
                fx.receive(2, routed);
            }
            List<String> sent = fast.writtenAll();
            assertEquals(whole.writtenAll(), sent, "from the bridge to tap0, round " + round);
            assertEquals(1, sent.size());
            assertTrue(sent.get(0).startsWith("tap0 "), sent.toString());

            byte[] back = Flows.udp("198.18.0.7", 40000, "198.18.0.8", 9, 30, GraphFixture.BRIDGE_MAC, hostOne);
            for (GraphFixture fx : List.of(fast, whole)) {
                fx.receive(2, back);
            }
            sent = fast.writtenAll();
            assertEquals(whole.writtenAll(), sent, "routed back into the bridge, round " + round);
            assertEquals(1, sent.size());
            assertTrue(sent.get(0).startsWith("b2 00005e0053a4"), sent.toString());

            byte[] bridged = Flows.udp("198.18.0.7", 40000, "198.18.0.8", 9, 30, hostTwo, hostOne);
            for (GraphFixture fx : List.of(fast, whole)) {
                fx.receive(2, bridged);
            }
            sent = fast.writtenAll();
            assertEquals(whole.writtenAll(), sent, "bridged host to host, round " + round);
            assertEquals(List.of("b2 " + Wire.hex(bridged)), sent, "bridged unchanged");
        }
        assertEquals(counters(whole), counters(fast));
        assertEquals(6, fast.counter("event.route_fast_path") - before, "routed twice a round, each first the whole way");
        assertEquals(0, whole.counter("event.route_fast_path"));
        fast.assertNoLeak();
        whole.assertNoLeak();
    }
}
