package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.taprouter.dataplane.conntrack.ConntrackHooks;
import net.taprouter.dataplane.conntrack.NatRule;
import net.taprouter.dataplane.conntrack.NatRuleSet;
import net.taprouter.dataplane.trace.TraceBuffer;
import net.taprouter.dataplane.trace.TraceDecoder;
import net.taprouter.dataplane.match.FrameMatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The packet trace in the real graph: the steps recorded at the dispatch point, decoded as
 * {@code trace show} prints them (stage: decision), for a forwarded ping, a frame without a route
 * (drop + ICMP error), a frame parked for ARP and resumed, a bridged frame (known and unknown
 * destination), a NATed frame; the filters; and no allocation per traced frame.
 */
class TraceGraphTest {
    static final long A_MAC = GraphFixture.HOST_A_MAC;
    static final long P0 = GraphFixture.PORT0_MAC;
    static final long P1 = GraphFixture.PORT1_MAC;

    GraphFixture fx;

    @AfterEach
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
    }

    void arm(int frames, int port, String match) {
        fx.context.tracer.arm(new TraceBuffer(frames, port, match == null ? FrameMatch.ANY : FrameMatch.parse(match), 0));
    }

    List<TraceDecoder.Frame> frames() {
        return new TraceDecoder(TraceDecoder.names(fx.ports, fx.interfaces, fx.routes)).decode(0, fx.context.tracer.snapshot());
    }

    static byte[] ping(String src, String dst, int ttl, long to, long from) {
        return Wire.ipv4(src, dst).ttl(ttl).icmp(8, 0, 7 << 16 | 1, Wire.pattern(56, 3)).frame(to, from);
    }

    static String csum(byte[] frame) {
        return String.format("0x%04x", Wire.u16(frame, 24));
    }

    @Test
    void aForwardedPingGoesThroughEveryStageToTransmit() {
        fx = new GraphFixture();
        fx.resolve(1, GraphFixture.GATEWAY, GraphFixture.GATEWAY_MAC);
        arm(1, -1, null);
        byte[] in = ping("192.0.2.1", "203.0.113.7", 64, P0, A_MAC);
        fx.receive(0, in);
        byte[] out = GraphFixture.only(fx.tap1);
        List<TraceDecoder.Frame> frames = frames();
        assertEquals(1, frames.size());
        TraceDecoder.Frame f = frames.get(0);
        assertEquals(List.of(
            "ethernet-input: dev tap0, IPv4",
            "ipv4-input: ok",
            "route-lookup: 203.0.113.0/24 via 198.51.100.2 dev tap1",
            "forward: ttl 64→63 csum " + csum(in) + "→" + csum(out),
            "adjacency: resolved 00:00:5e:00:53:03 (198.51.100.2)",
            "mtu: 84 fits mtu 1500",
            "transmit: dev tap1"), f.lines());
        assertEquals("tap0", f.port());
        assertEquals(in.length, f.length());
        assertEquals("00:00:5e:00:53:01 > 00:00:5e:00:53:12, IP 192.0.2.1 > 203.0.113.7: ICMP echo request, id 7, seq 1,"
            + " ttl 64, length 84", f.summary());
        long last = -1;
        for (TraceDecoder.Step s : f.steps()) {
            assertTrue(s.nanos() >= last, "steps in time order: " + f.steps());
            last = s.nanos();
        }
        assertFalse(fx.context.tracer.armed, "one frame asked: disarmed after it");
        fx.receive(0, in);
        GraphFixture.only(fx.tap1);
        assertEquals(1, frames().size(), "the second frame is not traced");
        fx.assertNoLeak();
    }

    @Test
    void noRouteEndsInTheDropAndTheIcmpErrorGoingBack() {
        fx = new GraphFixture();
        fx.resolve(0, GraphFixture.HOST_A, A_MAC);
        arm(1, -1, null);
        fx.receive(0, ping("192.0.2.1", "100.64.0.1", 64, P0, A_MAC));
        byte[] error = GraphFixture.only(fx.tap0);
        assertEquals(3, Wire.u8(error, 34), "destination unreachable");
        List<String> lines = frames().get(0).lines();
        assertEquals(List.of(
            "ethernet-input: dev tap0, IPv4",
            "ipv4-input: ok",
            "route-lookup: no route to 100.64.0.1",
            "drop: no_route",
            "icmp-error: net unreachable 192.0.2.254 > 192.0.2.1",
            "route-output: 192.0.2.0/24 dev tap0",
            "adjacency: resolved 00:00:5e:00:53:01 (192.0.2.1)",
            "mtu: 112 fits mtu 1500",
            "transmit: dev tap0"), lines);
        fx.assertNoLeak();
    }

    @Test
    void ttlOneIsTimeExceeded() {
        fx = new GraphFixture();
        fx.resolve(0, GraphFixture.HOST_A, A_MAC);
        arm(1, -1, null);
        fx.receive(0, ping("192.0.2.1", "198.51.100.1", 1, P0, A_MAC));
        GraphFixture.only(fx.tap0);
        List<String> lines = frames().get(0).lines();
        assertEquals("forward: ttl 1: expires here", lines.get(3));
        assertEquals("drop: ttl_exceeded", lines.get(4));
        assertEquals("icmp-error: time exceeded 192.0.2.254 > 192.0.2.1", lines.get(5));
        fx.assertNoLeak();
    }

    @Test
    void aRewoundBufferTakesANewTraceOfOnlyTheNewFrames() {
        fx = new GraphFixture(); // JitWarmup arms one buffer several times (start-up garbage)
        fx.resolve(0, GraphFixture.HOST_A, A_MAC);
        fx.resolve(1, GraphFixture.GATEWAY, GraphFixture.GATEWAY_MAC);
        TraceBuffer records = new TraceBuffer(1, -1, FrameMatch.ANY, 0);
        fx.context.tracer.arm(records);
        fx.receive(0, ping("192.0.2.1", "198.51.100.1", 1, P0, A_MAC)); // TTL 1: time exceeded
        fx.receive(0, ping("192.0.2.1", "203.0.113.7", 64, P0, A_MAC)); // past the limit: not traced
        assertEquals(1, records.frameCount());
        int expiredSteps = records.stepCount();
        assertTrue(frames().get(0).lines().contains("drop: ttl_exceeded"), frames().get(0).lines().toString());
        fx.context.tracer.clear();
        records.rewind();
        assertEquals(0, records.frameCount());
        assertEquals(0, records.stepCount());
        assertEquals(0, records.lostSteps());
        fx.context.tracer.arm(records);
        assertTrue(fx.context.tracer.armed, "a rewound buffer wants frames again");
        fx.receive(0, ping("192.0.2.1", "203.0.113.7", 64, P0, A_MAC));
        List<TraceDecoder.Frame> frames = frames();
        assertEquals(1, frames.size());
        assertEquals(1, records.frameCount());
        assertEquals("transmit: dev tap1", frames.get(0).lines().get(frames.get(0).lines().size() - 1));
        assertFalse(frames.get(0).lines().contains("drop: ttl_exceeded"));
        assertTrue(records.stepCount() > 0 && records.stepCount() != expiredSteps, "only the new frame's steps: " + records.stepCount());
        assertEquals(1, fx.tap0.take().size()); // the time exceeded error
        assertEquals(2, fx.tap1.take().size());
        fx.assertNoLeak();
    }

    @Test
    void aFrameParkedForArpIsTracedWhenItResumes() {
        fx = new GraphFixture();
        arm(2, 0, null); // frames of tap0 only: the ARP reply on tap1 is not traced
        fx.receive(0, ping("192.0.2.1", "198.51.100.1", 64, P0, A_MAC));
        List<byte[]> requests = fx.tap1.take();
        assertEquals(1, requests.size(), "an ARP request");
        assertEquals(List.of("adjacency: parked for ARP (who-has 198.51.100.1 on tap1)"),
            frames().get(0).lines().subList(4, 5));
        fx.receive(1, Wire.ether(P1, GraphFixture.HOST_B_MAC, Wire.ETHERTYPE_ARP,
            Wire.arp(2, GraphFixture.HOST_B_MAC, GraphFixture.HOST_B, P1, GraphFixture.ROUTER1)));
        GraphFixture.only(fx.tap1);
        List<TraceDecoder.Frame> frames = frames();
        assertEquals(1, frames.size(), "the ARP reply came in on tap1");
        List<String> lines = frames.get(0).lines();
        assertTrue(lines.get(5).startsWith("resumed: ARP resolved 00:00:5e:00:53:02 after "), lines.toString());
        assertEquals(List.of("mtu: 84 fits mtu 1500", "transmit: dev tap1"), lines.subList(6, 8));
        assertEquals(8, lines.size());
        fx.assertNoLeak();
    }

    @Test
    void aBridgedFrameShowsTheFdbDecision() {
        fx = new GraphFixture();
        fx.addBridge(64, 64, 300_000);
        long h1 = Wire.mac("00:00:5e:00:53:01");
        long h2 = Wire.mac("00:00:5e:00:53:02");
        byte[] toH2 = Wire.ipv4("198.18.0.1", "198.18.0.2").udp(40000, 9, Wire.pattern(40, 7)).frame(h2, h1);
        byte[] toH1 = Wire.ipv4("198.18.0.2", "198.18.0.1").udp(9, 40000, Wire.pattern(40, 7)).frame(h1, h2);
        arm(3, -1, null);
        fx.receive(2, toH2); // unknown: flooded to b2 and b3
        fx.receive(3, toH1); // H1 known on b1
        fx.receive(3, Wire.ipv4("198.18.0.2", "198.18.0.1").udp(9, 40000, Wire.pattern(40, 7)).frame(h2, h2)); // filtered
        fx.b1.take();
        fx.b2.take();
        fx.b3.take();
        List<TraceDecoder.Frame> frames = frames();
        assertEquals(List.of("ethernet-input: dev b1, bridge br0", "bridge: flood 00:00:5e:00:53:02 (unknown) to 2 ports"),
            frames.get(0).lines());
        assertEquals(List.of("ethernet-input: dev b2, bridge br0", "bridge: fdb 00:00:5e:00:53:01 dev b1", "offload-output",
            "transmit: dev b1 (br0)"), frames.get(1).lines());
        assertEquals(List.of("ethernet-input: dev b2, bridge br0",
            "bridge: fdb 00:00:5e:00:53:02 on the port it came in on: filtered", "drop: bridge_filtered"), frames.get(2).lines());
        fx.assertNoLeak();
    }

    @Test
    void aNatedFrameShowsTheConntrackDecisionAndTheTranslation() {
        fx = new GraphFixture(ConntrackHooks.all());
        fx.worker.startConntrack();
        fx.context.conntrack.config().rules(new NatRuleSet(List.of(NatRule.masquerade(1, Wire.ip("192.0.2.0"), 24, 1))));
        fx.resolve(1, GraphFixture.HOST_B, GraphFixture.HOST_B_MAC);
        fx.resolve(0, GraphFixture.HOST_A, A_MAC);
        arm(2, -1, "proto udp and port 9");
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 30, P0, A_MAC));
        GraphFixture.only(fx.tap1);
        fx.receive(1, Flows.udp("198.51.100.1", 9, "198.51.100.254", 40000, 30, P1, GraphFixture.HOST_B_MAC));
        GraphFixture.only(fx.tap0);
        List<String> lines = frames().get(0).lines();
        assertEquals("prerouting: conntrack new", lines.get(2));
        assertEquals("route-lookup: 198.51.100.0/24 dev tap1", lines.get(3));
        assertEquals("postrouting: conntrack new flow 0 original", lines.get(5));
        assertEquals("nat: src 192.0.2.1:40000 → 198.51.100.254:40000", lines.get(6));
        assertEquals("transmit: dev tap1", lines.get(lines.size() - 1));
        List<String> reply = frames().get(1).lines();
        assertEquals("prerouting: conntrack flow 0 reply", reply.get(2), reply.toString());
        assertEquals("nat: dst 198.51.100.254:40000 → 192.0.2.1:40000", reply.get(3), reply.toString());
        assertEquals("route-lookup: 192.0.2.0/24 dev tap0", reply.get(4), reply.toString());
        assertEquals("transmit: dev tap0", reply.get(reply.size() - 1));
        fx.assertNoLeak();
    }

    @Test
    void theMatchAndThePortChooseTheFrames() {
        fx = new GraphFixture();
        fx.resolve(1, GraphFixture.HOST_B, GraphFixture.HOST_B_MAC);
        fx.resolve(0, GraphFixture.HOST_A, A_MAC);
        arm(2, 0, "dst 198.51.100.0/24 and proto icmp");
        fx.receive(0, Flows.udp("192.0.2.1", 1, "198.51.100.1", 9, 30, P0, A_MAC)); // udp: no
        fx.receive(1, ping("198.51.100.1", "192.0.2.1", 64, P1, GraphFixture.HOST_B_MAC)); // tap1: no
        fx.receive(0, ping("192.0.2.1", "198.51.100.1", 64, P0, A_MAC)); // yes
        fx.receive(0, Wire.ether(P0, A_MAC, Wire.ETHERTYPE_ARP, Wire.arp(1, A_MAC, GraphFixture.HOST_A, 0, GraphFixture.ROUTER0))); // not IPv4: no
        fx.receive(0, ping("192.0.2.1", "198.51.100.7", 64, P0, A_MAC)); // yes
        fx.tap0.take();
        fx.tap1.take();
        List<TraceDecoder.Frame> frames = frames();
        assertEquals(2, frames.size());
        assertTrue(frames.get(0).summary().contains("192.0.2.1 > 198.51.100.1: ICMP echo request"), frames.get(0).summary());
        assertTrue(frames.get(1).summary().contains("192.0.2.1 > 198.51.100.7: ICMP echo request"), frames.get(1).summary());
        assertFalse(fx.context.tracer.armed);
        fx.context.tracer.clear();
        assertEquals(List.of(), frames());
        fx.assertNoLeak(1); // 198.51.100.7 waits for ARP
    }

    @Test
    void aTracedFrameAllocatesNothing() {
        fx = new GraphFixture();
        fx.resolve(1, GraphFixture.GATEWAY, GraphFixture.GATEWAY_MAC);
        fx.resolve(0, GraphFixture.HOST_A, A_MAC);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        byte[] forwarded = ping("192.0.2.1", "203.0.113.7", 64, P0, A_MAC);
        byte[] noRoute = ping("192.0.2.1", "100.64.0.1", 64, P0, A_MAC);
        fx.tap0.keep(false);
        fx.tap1.keep(false);
        long quietest = Long.MAX_VALUE;
        for (int round = 0; round < 4; round++) { // the first rounds warm up (JIT), the quietest counts
            TraceBuffer records = new TraceBuffer(TraceBuffer.MAX_FRAMES, -1, FrameMatch.parse("src 192.0.2.0/24"), 0);
            fx.context.tracer.arm(records);
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < TraceBuffer.MAX_FRAMES / 2; i++) {
                fx.receive(0, forwarded);
                fx.receive(0, noRoute);
            }
            quietest = Math.min(quietest, threads.getCurrentThreadAllocatedBytes() - before);
            assertEquals(TraceBuffer.MAX_FRAMES, records.frameCount());
            assertEquals(0, records.lostSteps(), "room for every step");
        }
        assertTrue(quietest < 1024, TraceBuffer.MAX_FRAMES + " traced frames allocated " + quietest + " bytes");
        fx.assertNoLeak();
    }
}
