package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Fuzzing through the real stage graph (Agrona bounds checks on, as in every unit test): random
 * frames and golden frames with bytes flipped, cut or extended, from either port, with the clock
 * moving. No stage may throw (internal_error stays 0), no slot may leak or be freed twice
 * ({@link GraphFixture#close}), and every frame must end in at least one terminal counter: a drop
 * reason, a port's tx_packets (forwarded, answered, or an ICMP error), a wait in an ARP queue, or a
 * consumed ARP reply. CI runs jqwik's default of 1000 tries (up to 30 frames each); a long run:
 * {@code mvn -pl dataplane test -Dtest=GraphFuzzTest -Djqwik.tries.default=1000000} (see README).
 */
class GraphFuzzTest {

    private static final String[] GOLDEN = {Golden.ARP_REQUEST_FROM_A, Golden.ARP_REPLY_FROM_B, Golden.ECHO_REQUEST,
        Golden.ECHO_REQUEST_R1, Golden.UDP_A_TO_B, Golden.UDP_A_TO_REMOTE, Golden.UDP_TTL1, Golden.UDP_NO_ROUTE,
        Golden.UDP_TO_ROUTER};

    record Input(int port, byte[] frame, long advanceMillis) {
    }

    @Provide
    Arbitrary<Input> inputs() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(200);
        Arbitrary<byte[]> mutated = Combinators.combine(
                Arbitraries.of(GOLDEN),
                Arbitraries.integers().between(0, 200).list().ofMaxSize(4),
                Arbitraries.bytes().list().ofSize(4),
                Arbitraries.integers().between(-40, 40))
            .as((golden, positions, values, resize) -> mutate(Wire.unhex(golden), positions, values, resize));
        Arbitrary<byte[]> frame = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, random), net.jqwik.api.Tuple.of(4, mutated));
        return Combinators.combine(Arbitraries.integers().between(0, 1), frame,
                Arbitraries.longs().between(0, 1500)).as(Input::new);
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

    private static boolean terminal(String name) {
        return name.startsWith("drop.") || (name.startsWith("port.") && name.endsWith(".tx_packets"))
            || name.equals("event.neighbour_queued") || name.equals("event.arp_replies_received");
    }

    @Property
    void everyFrameIsHandledAccountedForAndReturned(@ForAll @Size(max = 30) List<@From("inputs") Input> inputs) {
        try (GraphFixture fx = new GraphFixture()) {
            fx.resolve(0, GraphFixture.HOST_A, GraphFixture.HOST_A_MAC);
            long clock = 0;
            for (Input in : inputs) {
                clock += in.advanceMillis() * 1_000_000L;
                fx.timer(clock);
                long before = fx.sum(GraphFuzzTest::terminal);
                fx.receive(in.port(), in.frame());
                long after = fx.sum(GraphFuzzTest::terminal);
                assertTrue(after > before, "a frame left no trace: " + Wire.hex(in.frame()));
                fx.tap0.take();
                fx.tap1.take();
            }
            assertEquals(0, fx.counter("drop.internal_error"), "a stage threw");
        }
    }
}
