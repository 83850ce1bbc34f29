package net.taprouter.dataplane.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The flow table against a map model: random inserts (with NAT-style reply tuples), removals,
 * reply rewrites, evictions and sweeps on a small table, so that index probe runs collide, wrap
 * and shift back; afterwards every tuple of the key space is looked up in both.
 */
class FlowTablePropertiesTest {
    private static final int MAX = 12;

    record Op(int kind, int a, int b, int c, int time) {
    }

    record Tuple(int src, int dst, int ports) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 9), Arbitraries.integers().between(0, 5),
            Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, 7), Arbitraries.integers().between(0, 3))
            .as(Op::new);
        return op.list().ofMaxSize(200);
    }

    @Property(tries = 400)
    void agreesWithAMap(@ForAll("ops") List<Op> ops) {
        FlowTable table = new FlowTable(MAX);
        Map<Tuple, Integer> model = new HashMap<>(); // tuple -> flow << 1 | direction
        Map<Integer, Tuple[]> flows = new HashMap<>();
        Map<Integer, Integer> expiry = new HashMap<>();
        int now = 0;
        for (Op op : ops) {
            now += op.time();
            Tuple orig = new Tuple(op.a(), op.b(), op.c());
            Tuple reply = new Tuple(op.b() + 100, op.a(), op.c() + (op.kind() % 2) * 1000);
            switch (op.kind()) {
                case 0, 1, 2, 3 -> {
                    if (model.containsKey(orig) || model.containsKey(reply)) {
                        break;
                    }
                    int flow = table.insert(orig.src(), orig.dst(), orig.ports(), reply.src(), reply.dst(), reply.ports(), 17,
                        now + 2 + op.c());
                    if (flows.size() == MAX) {
                        assertEquals(FlowTable.NONE, flow);
                        break;
                    }
                    model.put(orig, flow << 1);
                    model.put(reply, flow << 1 | 1);
                    flows.put(flow, new Tuple[] {orig, reply});
                    expiry.put(flow, now + 2 + op.c());
                }
                case 4, 5 -> {
                    Integer ref = model.get(orig);
                    if (ref != null) {
                        forget(model, flows, expiry, ref >>> 1);
                        table.remove(ref >>> 1);
                    }
                }
                case 6 -> {
                    Integer ref = model.get(orig);
                    Tuple moved = new Tuple(op.c() + 200, op.a(), op.b());
                    if (ref != null && !model.containsKey(moved)) {
                        int flow = ref >>> 1;
                        model.remove(flows.get(flow)[1]);
                        flows.get(flow)[1] = moved;
                        model.put(moved, flow << 1 | 1);
                        table.replyTuple(flow, moved.src(), moved.dst(), moved.ports());
                    }
                }
                case 7 -> {
                    int evicted = table.evictNear(orig.src(), orig.dst(), orig.ports(), 17, now, 1 << 6);
                    if (evicted != FlowTable.NONE) {
                        forget(model, flows, expiry, evicted);
                    }
                }
                default -> {
                    List<Integer> gone = new ArrayList<>();
                    table.sweep(now, MAX, gone::add);
                    for (int flow : gone) {
                        assertEquals(true, expiry.get(flow) <= now, "swept before its time");
                        forget(model, flows, expiry, flow);
                    }
                    final int at = now;
                    assertEquals(0, expiry.values().stream().filter(e -> e <= at).count(), "a full sweep leaves no dead flow");
                }
            }
            assertEquals(flows.size(), table.size());
            assertEquals(0, table.misstatedDistances(), "stored distances after " + op);
            for (int source = 0; source <= 5; source++) { // the per-source counts (conntrack hostlimit) follow every way in and out
                final int s = source;
                assertEquals(flows.values().stream().filter(t -> t[0].src() == s).count(), table.flowsFrom(source),
                    "flows from " + source + " after " + op);
            }
            assertEquals(flows.values().stream().map(t -> t[0].src()).distinct().count(), table.sources());
        }
        int[] sources = {0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105, 200, 201, 202, 203, 204, 205, 206, 207};
        for (int a : sources) {
            for (int b = 0; b <= 5; b++) {
                for (int c = 0; c <= 1007; c += (c == 7 ? 993 : 1)) {
                    {
                        Tuple t = new Tuple(a, b, c);
                        Integer ref = model.get(t);
                        int expected = ref == null || expiry.get(ref >>> 1) - now <= 0 ? FlowTable.NONE : ref;
                        assertEquals(expected, table.lookup(t.src(), t.dst(), t.ports(), 17, now), t.toString());
                    }
                }
            }
        }
    }

    /** A flow as the per-source model sees it. */
    static final class Modelled {
        final int source;
        final int protocol;
        int state;
        boolean assured;
        int expires;

        Modelled(int source, int protocol, int expires) {
            this.source = source;
            this.protocol = protocol;
            this.expires = expires;
        }

        /** Counted toward its source: all but a closed TCP connection (connlimit's rule). */
        boolean counted() {
            return protocol != NatRewrite.PROTO_TCP || state != TcpStates.TIME_WAIT && state != TcpStates.CLOSE;
        }

        /** What early_drop may take: dead, not ASSURED, or a TCP connection on its way out. */
        boolean evictable(int now) {
            return expires - now <= 0 || !assured
                || protocol == NatRewrite.PROTO_TCP && state >= TcpStates.FIN_WAIT && state <= TcpStates.CLOSE;
        }
    }

    /**
     * The per-source flow counts ({@code conntrack hostlimit}) against a model, with TCP and UDP
     * flows whose states change (closed TCP connections do not count), flows made ASSURED,
     * removals, early_drop (which takes only what the model allows), sweeps and copies into a
     * new table (a resize).
     */
    @Property(tries = 400)
    void perSourceCountsFollowStatesAndEveryWayOut(@ForAll("ops") List<Op> ops) {
        FlowTable table = new FlowTable(MAX);
        Map<Integer, Modelled> flows = new HashMap<>();
        int now = 0;
        int serial = 0;
        for (Op op : ops) {
            now += op.time();
            switch (op.kind()) {
                case 0, 1, 2 -> {
                    int protocol = op.b() % 2 == 0 ? NatRewrite.PROTO_TCP : NatRewrite.PROTO_UDP;
                    serial++;
                    int flow = table.insert(op.a(), 1000, serial, 1000, op.a(), serial, protocol, now + 2 + op.c());
                    if (flows.size() == MAX) {
                        assertEquals(FlowTable.NONE, flow);
                        break;
                    }
                    flows.put(flow, new Modelled(op.a(), protocol, now + 2 + op.c()));
                }
                case 3, 4 -> { // a state change (on a UDP flow it is a word nobody reads: nothing changes)
                    Integer flow = pick(flows, op.a() * 8 + op.c());
                    if (flow != null) {
                        int state = (op.b() * 2 + op.time()) % 10;
                        table.state(flow, state);
                        flows.get(flow).state = state;
                    }
                }
                case 5 -> {
                    Integer flow = pick(flows, op.a() * 8 + op.c());
                    if (flow != null) {
                        table.addFlags(flow, FlowTable.ASSURED | FlowTable.SEEN_REPLY);
                        flows.get(flow).assured = true;
                    }
                }
                case 6 -> {
                    Integer flow = pick(flows, op.a() * 8 + op.c());
                    if (flow != null) {
                        table.remove(flow);
                        flows.remove(flow);
                    }
                }
                case 7 -> {
                    int evicted = table.evictNear(op.a(), 1000, op.c(), NatRewrite.PROTO_TCP, now, 1 << 6);
                    if (evicted != FlowTable.NONE) {
                        assertEquals(true, flows.get(evicted).evictable(now), "early_drop took a flow it must not");
                        flows.remove(evicted);
                    }
                }
                case 8 -> {
                    List<Integer> gone = new ArrayList<>();
                    table.sweep(now, MAX, gone::add);
                    for (int flow : gone) {
                        flows.remove(flow);
                    }
                }
                default -> { // a resize: every flow copied into a new table, its number may change
                    FlowTable bigger = new FlowTable(MAX);
                    Map<Integer, Modelled> moved = new HashMap<>();
                    for (int f = table.nextInUse(0); f != FlowTable.NONE; f = table.nextInUse(f + 1)) {
                        moved.put(bigger.copyOf(table, f), flows.get(f));
                    }
                    table = bigger;
                    flows = moved;
                }
            }
            assertEquals(flows.size(), table.size());
            for (int source = 0; source <= 5; source++) {
                final int s = source;
                assertEquals(flows.values().stream().filter(m -> m.source == s && m.counted()).count(), table.flowsFrom(source),
                    "flows counted from " + source + " after " + op);
            }
            assertEquals(flows.values().stream().filter(Modelled::counted).map(m -> m.source).distinct().count(), table.sources());
        }
    }

    /** The {@code i}-th (mod size) flow number in use in the model, or null if none. */
    private static Integer pick(Map<Integer, Modelled> flows, int i) {
        if (flows.isEmpty()) {
            return null;
        }
        return flows.keySet().stream().sorted().skip(i % flows.size()).findFirst().orElse(null);
    }

    private static void forget(Map<Tuple, Integer> model, Map<Integer, Tuple[]> flows, Map<Integer, Integer> expiry, int flow) {
        Tuple[] tuples = flows.remove(flow);
        model.remove(tuples[0]);
        model.remove(tuples[1]);
        expiry.remove(flow);
    }
}
