package net.taprouter.dataplane.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * The FDB against a plain map model: random learn / static add / delete / flush / age sequences
 * on a small table (so probe runs collide, wrap and shift back), then every key agrees.
 */
class FdbPropertiesTest {
    private static final int MAX = 6;
    private static final int PER_PORT = 4;
    private static final int PORTS = 4;
    private static final long AGEING = 50;

    record Op(int kind, int vlan, int mac, int port, int time) {
    }

    record Entry(int port, boolean isStatic, long seen) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 9), Arbitraries.integers().between(0, 2),
            Arbitraries.integers().between(0, 15), Arbitraries.integers().between(0, PORTS - 1),
            Arbitraries.integers().between(0, 20)).as(Op::new);
        return op.list().ofMaxSize(300);
    }

    @Property(tries = 500)
    void agreesWithAMap(@ForAll("ops") List<Op> ops) {
        Fdb fdb = new Fdb(MAX, PER_PORT, PORTS, AGEING);
        Map<Long, Entry> model = new HashMap<>();
        long now = 0;
        for (Op op : ops) {
            now += op.time();
            long key = Fdb.key(op.vlan(), op.mac());
            Entry old = model.get(key);
            switch (op.kind()) {
                case 0, 1, 2, 3, 4 -> {
                    int result = fdb.learn(op.vlan(), op.mac(), op.port(), now);
                    int expected;
                    if (old != null && old.isStatic()) {
                        expected = old.port() == op.port() ? Fdb.KNOWN : Fdb.STATIC_CONFLICT;
                    } else if (old != null && old.port() == op.port()) {
                        expected = Fdb.KNOWN;
                        model.put(key, new Entry(op.port(), false, now));
                    } else if (old == null && model.size() >= MAX) {
                        expected = Fdb.FULL;
                    } else if (learned(model, op.port()) >= PER_PORT) {
                        expected = Fdb.PORT_LIMIT;
                    } else {
                        expected = old == null ? Fdb.LEARNED : Fdb.MOVED;
                        model.put(key, new Entry(op.port(), false, now));
                    }
                    assertEquals(expected, result, op.toString());
                }
                case 5 -> {
                    boolean fits = old != null || model.size() < MAX;
                    assertEquals(fits, fdb.addStatic(op.vlan(), op.mac(), op.port()));
                    if (fits) {
                        model.put(key, new Entry(op.port(), true, 0));
                    }
                }
                case 6 -> assertEquals(model.remove(key) != null, fdb.delete(op.vlan(), op.mac()));
                case 7 -> {
                    boolean all = op.mac() % 2 == 0;
                    int port = op.vlan() == 2 ? Fdb.NONE : op.port();
                    java.util.function.Predicate<Entry> goes = e -> (port == Fdb.NONE || e.port() == port) && (all || !e.isStatic());
                    long expected = model.values().stream().filter(goes).count();
                    model.values().removeIf(goes);
                    assertEquals(expected, fdb.flush(port, all));
                }
                default -> {
                    long at = now;
                    for (int i = 0; i < 64; i++) { // a full sweep of the 16-slot table and more
                        fdb.age(at, 8);
                    }
                    model.values().removeIf(e -> !e.isStatic() && at - e.seen() >= AGEING);
                }
            }
            assertEquals(model.size(), fdb.size());
            for (int port = 0; port < PORTS; port++) {
                assertEquals(learned(model, port), fdb.learned(port));
            }
        }
        for (int vlan = 0; vlan <= 2; vlan++) {
            for (int mac = 0; mac <= 15; mac++) {
                Entry e = model.get(Fdb.key(vlan, mac));
                assertEquals(e == null ? Fdb.NONE : e.port(), fdb.lookup(vlan, mac));
            }
        }
    }

    private static long learned(Map<Long, Entry> model, int port) {
        return model.values().stream().filter(e -> !e.isStatic() && e.port() == port).count();
    }
}
