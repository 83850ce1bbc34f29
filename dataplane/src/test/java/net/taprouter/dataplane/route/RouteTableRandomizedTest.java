package net.taprouter.dataplane.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random adds, replaces and removes, then lookups compared with {@link BinaryTrie}, which is itself checked
 * against a brute-force scan of all prefixes.
 */
class RouteTableRandomizedTest {

    /** Regions where prefixes pile up, so that they overlap and share /24s. */
    private static final int[] HOT = {0x0A00_0000, 0xC0A8_0000, 0x8000_0000, 0x7FFF_0000, 0xFFFF_0000, 0x0000_0000};

    /** Key for a prefix in the reference map: orders by unsigned prefix, then length. */
    static long key(int prefix, int length) {
        return ((long) (prefix ^ 0x8000_0000) << 8) | length;
    }

    static int randomLength(SplittableRandom rnd) {
        int r = rnd.nextInt(1000);
        if (r < 4) {
            return rnd.nextInt(0, 9);      // rare: rewrites up to all of tbl24
        } else if (r < 150) {
            return rnd.nextInt(9, 21);
        } else if (r < 600) {
            return rnd.nextInt(21, 25);
        } else {
            return rnd.nextInt(25, 33);
        }
    }

    static int randomPrefix(SplittableRandom rnd, int length) {
        int base = rnd.nextInt(10) == 0 ? rnd.nextInt() : HOT[rnd.nextInt(HOT.length)] | (rnd.nextInt() & 0x3FFF);
        return base & RouteTable.mask(length);
    }

    static int bruteForce(Map<Long, int[]> routes, int address) {
        int bestLength = -1;
        int best = RouteTable.NO_ROUTE;
        for (int[] r : routes.values()) {
            if ((address & RouteTable.mask(r[1])) == r[0] && r[1] > bestLength) {
                bestLength = r[1];
                best = r[2];
            }
        }
        return best;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void matchesBinaryTrieUnderRandomChurn(long seed) {
        churn(seed, false);
    }

    /** The same churn with publication held for each round of 3000 changes (as a control request does). */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void matchesBinaryTrieWhenPublishedAfterEachRound(long seed) {
        churn(seed, true);
    }

    private static void churn(long seed, boolean hold) {
        SplittableRandom rnd = new SplittableRandom(seed);
        RouteTable table = new RouteTable(120, GracePeriod.NONE);
        BinaryTrie trie = new BinaryTrie();
        TreeMap<Long, int[]> reference = new TreeMap<>();
        int fullErrors = 0;
        for (int round = 0; round < 8; round++) {
            int ops = 3000;
            if (hold) {
                table.holdPublication();
            }
            for (int op = 0; op < ops; op++) {
                int kind = rnd.nextInt(100);
                if (kind < 60 || reference.isEmpty()) {
                    int length = randomLength(rnd);
                    int prefix = randomPrefix(rnd, length);
                    int nextHop = rnd.nextInt(0, RouteTable.MAX_NEXT_HOP + 1);
                    try {
                        table.add(prefix, length, nextHop);
                    } catch (IllegalStateException full) {
                        fullErrors++;
                        assertTrue(length > 24);
                        assertEquals(RouteTable.NO_ROUTE, table.get(prefix, length));
                        continue;
                    }
                    trie.add(prefix, length, nextHop);
                    reference.put(key(prefix, length), new int[] {prefix, length, nextHop});
                } else if (kind < 95) {
                    // remove an existing prefix (roughly uniform pick via a random key)
                    Map.Entry<Long, int[]> e = reference.ceilingEntry(key(rnd.nextInt(), 0));
                    if (e == null) {
                        e = reference.firstEntry();
                    }
                    int[] r = e.getValue();
                    assertTrue(table.remove(r[0], r[1]));
                    assertTrue(trie.remove(r[0], r[1]));
                    reference.remove(e.getKey());
                } else {
                    int length = randomLength(rnd);
                    int prefix = randomPrefix(rnd, length);
                    boolean present = reference.remove(key(prefix, length)) != null;
                    assertEquals(present, table.remove(prefix, length));
                    assertEquals(present, trie.remove(prefix, length));
                }
            }
            assertEquals(reference.size(), table.size());
            assertEquals(reference.size(), trie.size());
            if (hold) {
                assertTrue(table.holdingPublication());
                table.publishHeld();
            }
            checkLookups(rnd, table, trie, reference, 50_000);
            if (round % 2 == 0) {
                checkBruteForce(rnd, trie, reference, 2_000);
            }
            checkExact(table, reference);
            table.checkInvariants();
        }
        System.out.printf("seed %d: %d prefixes, %d tbl8 groups in use, %d full errors, %d grace periods%n",
                seed, table.size(), table.tbl8GroupsInUse(), fullErrors, table.gracePeriodsAwaited());

        // drain: the table must end empty with every group back
        for (int[] r : new ArrayList<>(reference.values())) {
            assertTrue(table.remove(r[0], r[1]));
            trie.remove(r[0], r[1]);
        }
        reference.clear();
        assertEquals(0, table.size());
        assertEquals(0, table.tbl8GroupsInUse());
        checkLookups(rnd, table, trie, reference, 10_000);
        table.checkInvariants();
    }

    private static void checkLookups(SplittableRandom rnd, RouteTable table, BinaryTrie trie,
                                     TreeMap<Long, int[]> reference, int count) {
        List<int[]> routes = new ArrayList<>(reference.values());
        for (int k = 0; k < count; k++) {
            int address;
            int mode = rnd.nextInt(4);
            if (mode == 0 || routes.isEmpty()) {
                address = rnd.nextInt();
            } else if (mode == 1) {
                address = HOT[rnd.nextInt(HOT.length)] | (rnd.nextInt() & 0xFFFF);
            } else {
                int[] r = routes.get(rnd.nextInt(routes.size()));
                int host = ~RouteTable.mask(r[1]);
                address = switch (rnd.nextInt(4)) {
                    case 0 -> r[0];                              // first address
                    case 1 -> r[0] | host;                       // last address
                    case 2 -> (r[0] | host) + 1;                 // just past the end
                    default -> r[0] | (rnd.nextInt() & host);
                };
            }
            int expected = trie.lookup(address);
            int actual = table.lookup(address);
            if (expected != actual) {
                throw new AssertionError("lookup " + PrefixFile.formatAddress(address) + ": expected " + expected
                        + " got " + actual);
            }
        }
    }

    private static void checkBruteForce(SplittableRandom rnd, BinaryTrie trie, TreeMap<Long, int[]> reference,
                                        int count) {
        List<int[]> routes = new ArrayList<>(reference.values());
        for (int k = 0; k < count; k++) {
            int address = routes.isEmpty() || rnd.nextBoolean() ? rnd.nextInt()
                    : routes.get(rnd.nextInt(routes.size()))[0] | (rnd.nextInt() & 0xFF);
            assertEquals(bruteForce(reference, address), trie.lookup(address),
                    () -> "trie vs brute force at " + PrefixFile.formatAddress(address));
        }
        for (int[] r : routes) {
            assertEquals(r[2], trie.get(r[0], r[1]));
        }
    }

    private static void checkExact(RouteTable table, TreeMap<Long, int[]> reference) {
        for (int[] r : reference.values()) {
            assertEquals(r[2], table.get(r[0], r[1]));
        }
        List<int[]> visited = new ArrayList<>();
        table.forEach((prefix, length, nextHop) -> visited.add(new int[] {prefix, length, nextHop}));
        List<int[]> expected = new ArrayList<>(reference.values()); // TreeMap order = unsigned prefix, length
        assertEquals(expected.size(), visited.size());
        for (int k = 0; k < expected.size(); k++) {
            int[] e = expected.get(k);
            int[] v = visited.get(k);
            assertTrue(e[0] == v[0] && e[1] == v[1] && e[2] == v[2],
                    "forEach #" + k + ": " + PrefixFile.format(v[0], v[1]) + "=" + v[2]
                            + " expected " + PrefixFile.format(e[0], e[1]) + "=" + e[2]);
        }
    }
}
