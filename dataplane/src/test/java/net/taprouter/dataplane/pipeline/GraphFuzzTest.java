package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
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
 * DF, a packet for an on-link host nobody answers for) with bytes flipped, cut or extended, from
 * either port, with the clock moving and the ports changing under them (MTU down to 28 bytes, TAP
 * queue full, port down). No stage may throw (internal_error stays 0), no slot may leak or be
 * freed twice ({@link GraphFixture#close}), and the accounting rule of
 * {@link net.taprouter.dataplane.stats.DropReason} must hold exactly:
 * <ul>
 *   <li>each received frame adds exactly one disposition ({@code drop.*} but rx_no_buffer,
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

    /** Per step: the MTU of each port, whether its TAP queue is full, whether it is up. */
    record Ports(int mtu0, int mtu1, boolean full0, boolean full1, boolean down0, boolean down1) {
    }

    record Input(int port, byte[] frame, long advanceMillis, Ports ports) {
    }

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
        Arbitrary<Ports> ports = Combinators.combine(mtu, mtu, rarely, rarely, rarely, rarely).as(Ports::new);
        return Combinators.combine(Arbitraries.integers().between(0, 1), frame,
                Arbitraries.longs().between(0, 1500), ports).as(Input::new);
    }

    private static byte[] mutate(byte[] frame, List<Integer> positions, List<Byte> values, int resize) {
        int length = Math.max(0, Math.min(1600, frame.length + resize));
        byte[] out = java.util.Arrays.copyOf(frame, length);
        for (int i = 0; i < positions.size(); i++) {
            if (length > 0) {
                out[positions.get(i) % length] = values.get(i);
            }
        }
        return out;
    }

    private static final Predicate<String> DISPOSITION = name -> (name.startsWith("drop.") && !name.equals("drop.rx_no_buffer"))
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
            fx.context.conntrack.config().rules(new net.taprouter.dataplane.conntrack.NatRuleSet(List.of(
                net.taprouter.dataplane.conntrack.NatRule.masquerade(1, Wire.ip("192.0.2.0"), 24, 1),
                net.taprouter.dataplane.conntrack.NatRule.dnat(2, 0, GraphFixture.ROUTER1, 8080, GraphFixture.HOST_A, 80))));
            fx.resolve(1, GraphFixture.HOST_B, GraphFixture.HOST_B_MAC);
            run(fx, inputs);
        }
    }

    private static void run(GraphFixture fx, List<Input> inputs) {
        {
            fx.resolve(0, GraphFixture.HOST_A, GraphFixture.HOST_A_MAC);
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
                fx.receive(in.port(), in.frame());
                received++;
                assertEquals(received, receivedAccounted(fx), "not exactly one disposition for " + in.ports() + " "
                    + Wire.hex(in.frame()) + ": " + changes(before, fx.values()));
                assertOriginsAccounted(fx, "after " + Wire.hex(in.frame()));
                fx.tap0.take();
                fx.tap1.take();
            }
            setPorts(fx, new Ports(1500, 1500, false, false, false, false));
            fx.graph.resolver().flush();
            fx.drain();
            assertEquals(received, fx.sum(DISPOSITION), "frames without a disposition after the ARP queues were flushed");
            assertOriginsAccounted(fx, "after the flush");
            assertEquals(0, fx.counter("drop.internal_error"), "a stage threw");
            assertEquals(0, fx.counter("origin.drop.internal_error"), "a stage threw");
        }
    }

    private static void setPorts(GraphFixture fx, Ports p) {
        fx.port0.mtu(p.mtu0());
        fx.port1.mtu(p.mtu1());
        fx.tap0.full(p.full0());
        fx.tap1.full(p.full1());
        fx.port0.adminUp(!p.down0());
        fx.port1.adminUp(!p.down1());
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
