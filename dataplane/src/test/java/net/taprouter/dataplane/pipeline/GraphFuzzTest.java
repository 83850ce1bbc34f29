package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import net.taprouter.dataplane.iface.Interface;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;

/**
 * Fuzzing through the real stage graph (Agrona bounds checks on, as in every unit test): random
 * frames and seed frames (golden captures, a TCP SYN to the router, large UDP with and without
 * DF, a packet for an on-link host nobody answers for; bridged frames: unicast, broadcast, ARP for
 * the bridge's address, a ping to it, a packet routed from the bridge) with bytes flipped, cut or
 * extended, from either routed port or one of the three ports of a bridge (small FDB: full and
 * per-port limits are reached; 802.1Q-tagged and priority-tagged frames for the VLAN
 * sub-interfaces tap0.10 and br0.20 and for bridged VLANs 10 and 20), with the bridge's VLAN
 * filtering and its ports' VLANs (access, trunk, default) changing per frame, with the clock moving and the ports changing under them (MTU
 * down to 28 bytes, TAP queue full, port down, offloads on or off), some with a virtio-net header as
 * a TAP with offloads hands them over (GSO super-packets and partial checksums from kernel-made
 * seeds, headers mutated too). No stage may throw (internal_error stays 0), no slot may leak or be
 * freed twice ({@link GraphFixture#close}), and the accounting rule of
 * {@link net.taprouter.dataplane.stats.DropReason} must hold exactly:
 * <ul>
 *   <li>each received frame adds exactly one disposition ({@code drop.*} but rx_no_buffer and rx_ring_full,
 *       {@code event.forwarded}, {@code event.local_delivered}) or waits in an ARP queue, where
 *       the timers or an ARP reply later give it exactly one;</li>
 *   <li>the packets the router originates (made: echo replies, ICMP errors, TCP resets, ARP
 *       replies and requests; plus ICMP errors owed but not built) equal at every step those sent
 *       ({@code origin.sent}), dropped ({@code origin.drop.*}) and waiting for ARP.</li>
 * </ul>
 * CI runs jqwik's default of 1000 tries (up to 30 frames each, a few seconds); a long run:
 * {@code mvn -pl dataplane test -Dtest=GraphFuzzTest -Djqwik.tries.default=1000000} (see README).
 */
class GraphFuzzTest {

    private static final List<byte[]> SEEDS = seeds();

    /**
     * Per step: the MTU of each port, whether its TAP queue is full, whether it is up (b2: bridge
     * port b2; bridge: br0's MTU); {@code offloads}: bit i set if port i (tap0, tap1, b1, b2, b3)
     * takes a virtio-net header.
     */
    record Ports(int mtu0, int mtu1, boolean full0, boolean full1, boolean down0, boolean down1, boolean fullB2, boolean downB2,
                 int mtuBridge, int offloads, int vlans) {
        Ports(int mtu0, int mtu1, boolean full0, boolean full1, boolean down0, boolean down1, boolean fullB2, boolean downB2,
              int mtuBridge, int offloads) {
            this(mtu0, mtu1, full0, full1, down0, down1, fullB2, downB2, mtuBridge, offloads, 0);
        }
    }

    /**
     * {@link Ports#vlans}: bit 0 br0's VLAN filtering; bits 1-2, 3-4, 5-6 the VLANs of b1, b2, b3
     * (one of these); bit 7 the sub-interface br0.20 down.
     */
    private static final net.taprouter.dataplane.l2.PortVlans[] PORT_VLANS = {
        net.taprouter.dataplane.l2.PortVlans.DEFAULT,
        net.taprouter.dataplane.l2.PortVlans.NONE.with(10, true, true),
        net.taprouter.dataplane.l2.PortVlans.NONE.with(20, true, true),
        net.taprouter.dataplane.l2.PortVlans.DEFAULT.with(10, false, false).with(20, false, false)};

    /** A frame from a port; {@code vnet} its virtio-net header (null: from a TAP without offloads). */
    record Input(int port, byte[] frame, byte[] vnet, long advanceMillis, Ports ports) {
    }

    private static final List<byte[]> VNET_SEEDS = List.of(
        Wire.unhex(net.taprouter.dataplane.offload.OffloadGolden.TCP_SUPER_VNET),
        Wire.unhex(net.taprouter.dataplane.offload.OffloadGolden.UDP_SUPER_VNET),
        Wire.unhex("01000000000022001000"), Wire.unhex("01000000000022000600"), new byte[10]);

    private static List<byte[]> seeds() {
        List<byte[]> seeds = new ArrayList<>();
        for (String golden : new String[] {Golden.ARP_REQUEST_FROM_A, Golden.ARP_REPLY_FROM_B, Golden.ECHO_REQUEST,
            Golden.ECHO_REQUEST_R1, Golden.UDP_A_TO_B, Golden.UDP_A_TO_REMOTE, Golden.UDP_TTL1, Golden.UDP_NO_ROUTE,
            Golden.UDP_TO_ROUTER}) {
            seeds.add(Wire.unhex(golden));
        }
        byte[] syn = Wire.tcpSyn(40000, 22);
        byte[] pseudo = new byte[12 + syn.length];
        Wire.put32(pseudo, 0, GraphFixture.HOST_A);
        Wire.put32(pseudo, 4, GraphFixture.ROUTER0);
        pseudo[9] = (byte) Wire.PROTO_TCP;
        Wire.put16(pseudo, 10, syn.length);
        System.arraycopy(syn, 0, pseudo, 12, syn.length);
        Wire.put16(syn, 16, Wire.checksum(pseudo, 0, pseudo.length));
        seeds.add(Wire.ipv4("192.0.2.1", "192.0.2.254").payload(Wire.PROTO_TCP, syn)
            .frame(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC));
        seeds.add(Wire.ipv4("192.0.2.1", "198.51.100.1").udp(40000, 9, Wire.pattern(1200, 1))
            .frame(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC));
        seeds.add(Wire.ipv4("192.0.2.1", "198.51.100.1").flagsFragment(0x4000).udp(40000, 9, Wire.pattern(1200, 2))
            .frame(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC));
        seeds.add(Wire.ipv4("192.0.2.1", "198.51.100.77").udp(40000, 9, Wire.pattern(100, 3))
            .frame(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC));
        seeds.add(Wire.ipv4("198.51.100.1", "192.0.2.254").icmp(8, 0, 0x1234_0001, Wire.pattern(1000, 4))
            .frame(GraphFixture.PORT1_MAC, GraphFixture.HOST_B_MAC));
        long h1 = Wire.mac("00:00:5e:00:53:a1");
        long h2 = Wire.mac("00:00:5e:00:53:a2");
        seeds.add(Wire.ipv4("198.18.0.1", "198.18.0.2").udp(40000, 9, Wire.pattern(60, 5)).frame(h2, h1));
        seeds.add(Wire.ipv4("198.18.0.2", "198.18.0.1").udp(40000, 9, Wire.pattern(60, 6)).frame(h1, h2));
        seeds.add(Wire.ether(GraphFixture.BROADCAST_MAC, h1, Wire.ETHERTYPE_ARP,
            Wire.arp(1, h1, Wire.ip("198.18.0.1"), 0, Wire.ip("198.18.0.2"))));
        seeds.add(Wire.ether(GraphFixture.BROADCAST_MAC, h1, Wire.ETHERTYPE_ARP,
            Wire.arp(1, h1, Wire.ip("198.18.0.1"), 0, GraphFixture.BRIDGE_ADDRESS)));
        seeds.add(Wire.ether(GraphFixture.BRIDGE_MAC, h2, Wire.ETHERTYPE_ARP,
            Wire.arp(2, h2, Wire.ip("198.18.0.2"), GraphFixture.BRIDGE_MAC, GraphFixture.BRIDGE_ADDRESS)));
        seeds.add(Wire.ipv4("198.18.0.1", "198.18.0.254").icmp(8, 0, 0x1234_0001, Wire.pattern(100, 7))
            .frame(GraphFixture.BRIDGE_MAC, h1));
        seeds.add(Wire.ipv4("198.18.0.1", "198.51.100.1").udp(40000, 9, Wire.pattern(1200, 8))
            .frame(GraphFixture.BRIDGE_MAC, h1));
        seeds.add(Wire.ipv4("192.0.2.1", "198.18.0.2").udp(40000, 9, Wire.pattern(1200, 9))
            .frame(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC));
        // VLANs: tap0.10 (100.64.10.254/24) on port 0, br0.20 (198.18.20.254/24) on the bridge
        seeds.add(BridgeVlanTest.tag(Wire.ipv4("100.64.10.1", "100.64.10.254").icmp(8, 0, 0x1234_0001, Wire.pattern(60, 1))
            .frame(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC), 10));
        seeds.add(BridgeVlanTest.tag(Wire.ipv4("100.64.10.1", "198.18.20.2").udp(40000, 9, Wire.pattern(300, 2))
            .frame(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC), 10));
        seeds.add(BridgeVlanTest.tag(Wire.ipv4("100.64.10.1", "198.51.100.1").ttl(1).udp(40000, 9, Wire.pattern(30, 2))
            .frame(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC), 10));
        seeds.add(BridgeVlanTest.tag(Wire.ether(GraphFixture.BROADCAST_MAC, GraphFixture.HOST_A_MAC, Wire.ETHERTYPE_ARP,
            Wire.arp(1, GraphFixture.HOST_A_MAC, Wire.ip("100.64.10.1"), 0, Wire.ip("100.64.10.254"))), 10));
        seeds.add(BridgeVlanTest.tag(Wire.ipv4("192.0.2.1", "192.0.2.254").icmp(8, 0, 0x1234_0001, Wire.pattern(20, 3))
            .frame(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC), 0));
        seeds.add(BridgeVlanTest.tag(Wire.ipv4("198.18.0.1", "198.18.0.2").udp(40000, 9, Wire.pattern(60, 5)).frame(h2, h1), 10));
        seeds.add(BridgeVlanTest.tag(Wire.ipv4("198.18.0.2", "198.18.0.1").udp(40000, 9, Wire.pattern(60, 5)).frame(h1, h2), 20));
        seeds.add(BridgeVlanTest.tag(Wire.ether(GraphFixture.BROADCAST_MAC, h1, Wire.ETHERTYPE_ARP,
            Wire.arp(1, h1, Wire.ip("198.18.20.1"), 0, Wire.ip("198.18.20.254"))), 20));
        seeds.add(Wire.ether(GraphFixture.BROADCAST_MAC, h2, Wire.ETHERTYPE_ARP,
            Wire.arp(1, h2, Wire.ip("198.18.20.2"), 0, Wire.ip("198.18.20.254"))));
        seeds.add(BridgeVlanTest.tag(Wire.ipv4("198.18.20.1", "100.64.10.1").udp(40000, 9, Wire.pattern(200, 6))
            .frame(GraphFixture.BRIDGE_MAC, h1), 20));
        seeds.add(Wire.ipv4("198.18.20.2", "192.0.2.1").udp(40000, 9, Wire.pattern(200, 7)).frame(GraphFixture.BRIDGE_MAC, h2));
        seeds.add(BridgeVlanTest.tag(Wire.ipv4("198.18.0.1", "198.18.0.2").udp(40000, 9, Wire.pattern(60, 5)).frame(h2, h1), 0));
        for (String golden : new String[] {net.taprouter.dataplane.offload.OffloadGolden.TCP_SUPER,
            net.taprouter.dataplane.offload.OffloadGolden.UDP_SUPER, net.taprouter.dataplane.offload.OffloadGolden.TCP_PARTIAL,
            net.taprouter.dataplane.offload.OffloadGolden.UDP_PARTIAL}) {
            byte[] frame = Wire.unhex(golden);
            Wire.putMac(frame, 0, GraphFixture.PORT0_MAC);
            Wire.putMac(frame, 6, GraphFixture.HOST_A_MAC);
            seeds.add(frame);
            byte[] bridged = frame.clone(); // the same between two hosts on the bridge
            Wire.putMac(bridged, 0, h2);
            Wire.putMac(bridged, 6, h1);
            seeds.add(bridged);
        }
        // conntrack and NAT (the second property has MASQUERADE out port 1 and a DNAT of R1:8080 to A:80)
        long p0 = GraphFixture.PORT0_MAC;
        long p1 = GraphFixture.PORT1_MAC;
        long a = GraphFixture.HOST_A_MAC;
        long b = GraphFixture.HOST_B_MAC;
        seeds.add(Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 80, Flows.SYN, 1, 0, 0, p0, a));
        seeds.add(Flows.tcp("198.51.100.1", 80, "198.51.100.254", 40000, Flows.SYN | Flows.ACK, 1, 2, 0, p1, b));
        seeds.add(Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 80, Flows.ACK, 2, 2, 20, p0, a));
        seeds.add(Flows.tcp("198.51.100.1", 80, "198.51.100.254", 40000, Flows.FIN | Flows.ACK, 2, 22, 0, p1, b));
        seeds.add(Flows.tcp("198.51.100.1", 50000, "198.51.100.254", 8080, Flows.SYN, 1, 0, 0, p1, b));
        seeds.add(Flows.tcp("192.0.2.1", 80, "198.51.100.1", 50000, Flows.SYN | Flows.ACK, 1, 2, 0, p0, a));
        seeds.add(Flows.udp("198.51.100.1", 9, "198.51.100.254", 40000, 40, p1, b));
        seeds.add(Flows.udp("198.51.100.1", 9, "198.51.100.254", 53, 40, p1, b));
        seeds.add(Flows.echo("192.0.2.1", "198.51.100.1", 8, 9, 1, p0, a));
        seeds.add(Flows.echo("198.51.100.1", "198.51.100.254", 0, 9, 1, p1, b));
        seeds.add(Wire.ipv4("192.0.2.1", "198.51.100.1").flagsFragment(0x2000).udp(40000, 9, Wire.pattern(64, 5))
            .frame(p0, a));
        return seeds;
    }

    @Provide
    Arbitrary<Input> inputs() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(200);
        Arbitrary<byte[]> mutated = Combinators.combine(
                Arbitraries.of(SEEDS),
                Arbitraries.integers().between(0, 200).list().ofMaxSize(4),
                Arbitraries.bytes().list().ofSize(4),
                Arbitraries.integers().between(-40, 40))
            .as((seed, positions, values, resize) -> mutate(seed, positions, values, resize));
        Arbitrary<byte[]> frame = Arbitraries.frequencyOf(Tuple.of(1, random), Tuple.of(4, mutated));
        Arbitrary<Integer> mtu = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just(1500)),
            Tuple.of(1, Arbitraries.of(576, 68, 28)));
        Arbitrary<Boolean> rarely = Arbitraries.frequencyOf(Tuple.of(12, Arbitraries.just(false)),
            Tuple.of(1, Arbitraries.just(true)));
        Arbitrary<Ports> ports = Combinators.combine(mtu, mtu, rarely, rarely, rarely, rarely, rarely, rarely)
            .as((m0, m1, f0, f1, d0, d1, fb, db) -> new Ports(m0, m1, f0, f1, d0, d1, fb, db, 1500, 0));
        ports = Combinators.combine(ports, mtu, Arbitraries.integers().between(0, 31), Arbitraries.integers().between(0, 255))
            .as((p, mb, offloads, vlans) -> new Ports(p.mtu0(), p.mtu1(), p.full0(), p.full1(), p.down0(),
            p.down1(), p.fullB2(), p.downB2(), mb, offloads, vlans));
        Arbitrary<byte[]> vnet = Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.just((byte[]) null)),
            Tuple.of(3, Arbitraries.of(VNET_SEEDS)),
            Tuple.of(1, Combinators.combine(Arbitraries.of(VNET_SEEDS), Arbitraries.integers().between(0, 9).list().ofMaxSize(2),
                Arbitraries.bytes().list().ofSize(2)).as((seed, positions, values) -> mutate(seed, positions, values, 0))));
        return Combinators.combine(Arbitraries.integers().between(0, 4), frame, vnet,
                Arbitraries.longs().between(0, 1500), ports).as(Input::new);
    }

    private static byte[] mutate(byte[] frame, List<Integer> positions, List<Byte> values, int resize) {
        int length = Math.max(0, Math.min(Math.max(1600, frame.length), frame.length + resize));
        byte[] out = java.util.Arrays.copyOf(frame, length);
        for (int i = 0; i < positions.size(); i++) {
            if (length > 0) {
                out[positions.get(i) % length] = values.get(i);
            }
        }
        return out;
    }

    private static final Predicate<String> DISPOSITION = name -> (name.startsWith("drop.") && !name.equals("drop.rx_no_buffer") && !name.equals("drop.rx_ring_full"))
        || name.equals("event.forwarded") || name.equals("event.local_delivered");
    private static final Predicate<String> MADE = name -> name.equals("event.icmp_errors_sent")
        || name.equals("event.icmp_echo_replies_sent") || name.equals("event.tcp_resets_sent")
        || name.equals("event.arp_requests_sent") || name.equals("event.arp_replies_sent")
        || name.equals("origin.drop.icmp_error_suppressed") || name.equals("origin.drop.icmp_rate_limited")
        || name.equals("origin.drop.icmp_no_source");
    private static final Predicate<String> ORIGIN_END = name -> name.equals("origin.sent") || name.startsWith("origin.drop.");

    /** Received frames ended, plus those waiting for ARP. */
    private static long receivedAccounted(GraphFixture fx) {
        return fx.sum(DISPOSITION) + fx.neighbours.queuedTotal() - fx.neighbours.queuedFrom(-1);
    }

    @Property
    void everyFrameHasExactlyOneDispositionAndNothingLeaks(@ForAll @Size(max = 30) List<@From("inputs") Input> inputs) {
        try (GraphFixture fx = new GraphFixture()) {
            run(fx, inputs);
        }
    }

    /** The same with connection tracking and NAT at the hooks (MASQUERADE out port 1, a DNAT to host A). */
    @Property
    void everyFrameHasExactlyOneDispositionWithConntrackAndNat(@ForAll @Size(max = 30) List<@From("inputs") Input> inputs) {
        try (GraphFixture fx = new GraphFixture(net.taprouter.dataplane.conntrack.ConntrackHooks.all())) {
            fx.worker.startConntrack();
            fx.context.conntrack.config().rules(new net.taprouter.dataplane.conntrack.NatRuleSet(List.of(
                net.taprouter.dataplane.conntrack.NatRule.masquerade(1, Wire.ip("192.0.2.0"), 24, 1),
                net.taprouter.dataplane.conntrack.NatRule.dnat(2, 0, GraphFixture.ROUTER1, 8080, GraphFixture.HOST_A, 80))));
            fx.resolve(1, GraphFixture.HOST_B, GraphFixture.HOST_B_MAC);
            run(fx, inputs);
        }
    }

    private static void run(GraphFixture fx, List<Input> inputs) {
        {
            fx.addBridge(16, 6, 2_000);
            fx.addVlanInterface(6, "br0.20", fx.bridge, 20, "198.18.20.254");
            fx.addVlanInterface(7, "tap0.10", fx.iface0, 10, "100.64.10.254");
            fx.resolve(0, GraphFixture.HOST_A, GraphFixture.HOST_A_MAC);
            fx.resolve(7, Wire.ip("100.64.10.1"), GraphFixture.HOST_A_MAC);
            long clock = 0;
            long received = 0;
            for (Input in : inputs) {
                clock += in.advanceMillis() * 1_000_000L;
                Map<String, Long> before = fx.values();
                fx.timer(clock);
                assertEquals(received, receivedAccounted(fx), "the timers gave a frame a second disposition (or none): "
                    + changes(before, fx.values()));
                assertOriginsAccounted(fx, "after the timers");
                setPorts(fx, in.ports());
                before = fx.values();
                if (in.vnet() == null) { // a plain TAP is read into a small slot: a longer frame is cut
                    byte[] frame = in.frame();
                    fx.receive(in.port(), frame.length < fx.pool.frameCapacity() ? frame
                        : java.util.Arrays.copyOf(frame, fx.pool.frameCapacity() - 1));
                } else if (in.frame().length < fx.pool.frameCapacity() || fx.pool.freeLargeCount() > 0) {
                    fx.receiveOffload(in.port(), in.frame(), in.vnet());
                } else {
                    continue; // every large slot waits for ARP: routerd would not read the TAP now
                }
                received++;
                assertEquals(received, receivedAccounted(fx), "not exactly one disposition for " + in.ports() + " "
                    + Wire.hex(in.frame()) + ": " + changes(before, fx.values()));
                assertOriginsAccounted(fx, "after " + Wire.hex(in.frame()));
                fx.tap0.take();
                fx.tap1.take();
                fx.b1.take();
                fx.b2.take();
                fx.b3.take();
            }
            setPorts(fx, new Ports(1500, 1500, false, false, false, false, false, false, 1500, 0));
            fx.graph.resolver().flush();
            fx.drain();
            assertEquals(received, fx.sum(DISPOSITION), "frames without a disposition after the ARP queues were flushed");
            assertOriginsAccounted(fx, "after the flush");
            assertEquals(0, fx.counter("drop.internal_error"), "a stage threw");
            assertEquals(0, fx.counter("origin.drop.internal_error"), "a stage threw");
        }
    }

    private static void setPorts(GraphFixture fx, Ports p) {
        fx.iface0.mtu(p.mtu0());
        fx.iface1.mtu(p.mtu1());
        fx.tap0.full(p.full0());
        fx.tap1.full(p.full1());
        fx.port0.adminUp(!p.down0());
        fx.port1.adminUp(!p.down1());
        fx.b2.full(p.fullB2());
        fx.bridgePorts[1].adminUp(!p.downB2());
        fx.bridge.mtu(p.mtuBridge());
        fx.bridge.vlanFiltering((p.vlans() & 1) != 0);
        for (int i = 0; i < 3; i++) {
            fx.bridgePorts[i].vlans(PORT_VLANS[p.vlans() >>> (1 + 2 * i) & 3]);
        }
        Interface sub = fx.interfaces.get(6);
        if (sub != null) {
            sub.adminUp((p.vlans() & 0x80) == 0);
        }
        MemoryFrameIo[] devices = {fx.tap0, fx.tap1, fx.b1, fx.b2, fx.b3};
        for (int i = 0; i < devices.length; i++) {
            devices[i].headroom((p.offloads() & 1 << i) != 0 ? 10 : 0);
        }
    }

    private static void assertOriginsAccounted(GraphFixture fx, String when) {
        assertEquals(fx.sum(MADE), fx.sum(ORIGIN_END) + fx.neighbours.queuedFrom(-1),
            "originated packets made (or owed) vs sent, dropped and waiting, " + when);
    }

    private static Map<String, Long> changes(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> delta = new LinkedHashMap<>();
        after.forEach((name, value) -> {
            long d = value - before.getOrDefault(name, 0L);
            if (d != 0) {
                delta.put(name, d);
            }
        });
        return delta;
    }
}
