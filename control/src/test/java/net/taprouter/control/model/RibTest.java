package net.taprouter.control.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.SplittableRandom;
import java.util.TreeMap;
import net.taprouter.control.command.Prefix;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.port.Port;
import org.junit.jupiter.api.Test;

/** {@link Rib} against a TreeMap of records under random adds, overwrites and removes (backward-shift deletion, growth). */
class RibTest {
    /** Interfaces are compared by identity; null stands for "no interface" in some routes. */
    private static final Interface[] PORTS = {null, iface("p0", 0), iface("p1", 1)};

    private static Interface iface(String name, int index) {
        return Interface.forPort(index, new Port(index, name, null, null), 0x00005e005301L + index, 1500);
    }

    @Test
    void matchesATreeMapUnderRandomChurn() {
        for (long seed = 1; seed <= 4; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            Rib rib = new Rib();
            TreeMap<Long, Route> reference = new TreeMap<>();
            for (int op = 0; op < 60_000; op++) {
                // few distinct networks so that probe runs collide, wrap and shift
                int length = rnd.nextInt(33);
                int network = (rnd.nextInt(4096) << 20) & (length == 0 ? 0 : -1 << (32 - length));
                long key = Rib.key(network, length);
                if (rnd.nextInt(3) > 0) {
                    boolean kernel = rnd.nextBoolean(); // a connected route has a source, a static one a gateway
                    Route route = new Route(new Prefix(network, length), kernel, kernel ? 0 : rnd.nextInt(), PORTS[rnd.nextInt(3)],
                        kernel ? rnd.nextInt() : 0, rnd.nextInt(1 << 24));
                    rib.put(route);
                    reference.put(key, route);
                } else {
                    assertEquals(reference.remove(key) != null, rib.remove(key));
                }
                if (op % 5000 == 0) {
                    check(rib, reference);
                }
            }
            check(rib, reference);
            for (Long key : reference.keySet()) {
                rib.remove(key);
            }
            assertEquals(0, rib.size());
            assertEquals(0, rib.sortedKeys().length);
        }
    }

    private static void check(Rib rib, TreeMap<Long, Route> reference) {
        assertEquals(reference.size(), rib.size());
        long[] expected = reference.keySet().stream().mapToLong(Long::longValue).toArray();
        assertArrayEquals(expected, rib.sortedKeys());
        for (var e : reference.entrySet()) {
            assertEquals(e.getValue(), rib.get(e.getKey()));
            assertEquals(e.getValue().nextHop(), rib.nextHop(e.getKey()));
        }
        assertNull(rib.get(Rib.key(0x0A0B0C00, 31)));
        for (Interface port : PORTS) {
            if (port != null) {
                assertEquals(reference.values().stream().filter(r -> r.iface() == port).toList(), rib.routesVia(port));
            }
        }
        assertEquals(reference.values().stream().toList(), rib.routes());
        if (!reference.isEmpty()) {
            long some = expected[expected.length / 2];
            assertEquals(expected.length / 2 + 1, Rib.after(expected, some));
            assertEquals(0, Rib.after(expected, -1));
        }
    }
}
