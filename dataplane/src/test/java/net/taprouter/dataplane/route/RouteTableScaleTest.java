package net.taprouter.dataplane.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The full BGP table (901,899 prefixes): build, then 1,000,000 lookups compared with {@link BinaryTrie}.
 * Data file: the repository's data/bgp-ipv4-prefixes.txt.gz ({@link PrefixFile#bgpTable()}); missing = failure.
 * Needs about 0.5 GiB of heap.
 */
class RouteTableScaleTest {

    static final Path BGP = PrefixFile.bgpTable();

    /** Next hop of the i-th prefix of the file: a few thousand distinct values, as in a real router. */
    static int nextHop(int index) {
        return (index * 40503) & 4095;
    }

    @Test
    void fullBgpTable() throws Exception {
        long t0 = System.nanoTime();
        List<int[]> prefixes = PrefixFile.load(BGP);
        long t1 = System.nanoTime();
        assertEquals(901_899, prefixes.size());

        RouteTable table = new RouteTable(4096, GracePeriod.NONE);
        long t2 = System.nanoTime();
        for (int i = 0; i < prefixes.size(); i++) {
            int[] p = prefixes.get(i);
            table.add(p[0], p[1], nextHop(i));
        }
        long t3 = System.nanoTime();
        BinaryTrie trie = new BinaryTrie();
        for (int i = 0; i < prefixes.size(); i++) {
            int[] p = prefixes.get(i);
            trie.add(p[0], p[1], nextHop(i));
        }
        long t4 = System.nanoTime();
        double buildSeconds = (t3 - t2) / 1e9;
        System.out.printf("BGP: load %.3f s, RouteTable build %.3f s (adds only, table allocated before), "
                        + "BinaryTrie build %.3f s, %d tbl8 groups; reader structure %d chunks, %.2f MiB, "
                        + "%d compactions; writer tbl24 %.1f MiB%n",
                (t1 - t0) / 1e9, buildSeconds, (t4 - t3) / 1e9, table.tbl8GroupsInUse(), table.chunks(),
                table.fibLiveInts() * 4.0 / (1 << 20), table.compactions(), table.writerTableBytes() / (double) (1 << 20));
        assertTrue(buildSeconds < 30, "build took " + buildSeconds + " s");
        assertEquals(901_899, table.size());
        assertEquals(901_899, trie.size());
        assertEquals(451, table.tbl8GroupsInUse()); // 961 prefixes > /24 in 451 distinct /24s

        SplittableRandom rnd = new SplittableRandom(42);
        int routed = compare(table, trie, prefixes, rnd, 1_000_000);
        System.out.printf("BGP: 1,000,000 lookups agree with the trie; %d found a route%n", routed);
        assertTrue(routed > 500_000, "addresses drawn from prefixes all route: " + routed);

        int[] count = {0};
        long[] last = {-1};
        table.forEach((prefix, length, nextHop) -> {
            long key = (Integer.toUnsignedLong(prefix) << 6) | length;
            assertTrue(key > last[0], "forEach order");
            last[0] = key;
            count[0]++;
        });
        assertEquals(901_899, count[0]);
        table.checkInvariants();

        // single route changes on the full table, as the control plane applies them while traffic flows
        churn(table, trie, prefixes, rnd, 24);
        churn(table, trie, prefixes, rnd, 16);
        compare(table, trie, prefixes, rnd, 200_000);
        table.checkInvariants();

        // withdraw a quarter of the table, including every prefix longer than /24, and compare again
        long t5 = System.nanoTime();
        int removed = 0;
        for (int i = 0; i < prefixes.size(); i++) {
            int[] p = prefixes.get(i);
            if (p[1] > 24 || (i & 3) == 0) {
                assertTrue(table.remove(p[0], p[1]));
                assertTrue(trie.remove(p[0], p[1]));
                removed++;
            }
        }
        long t6 = System.nanoTime();
        System.out.printf("BGP: removed %d prefixes in %.3f s%n", removed, (t6 - t5) / 1e9);
        assertEquals(0, table.tbl8GroupsInUse());
        assertEquals(451, table.tbl8GroupsPending());
        compare(table, trie, prefixes, rnd, 200_000);
        table.checkInvariants();
    }

    /**
     * 10,000 add/remove pairs of prefixes of the given length that are not in the table, each inside the /8 of
     * a table prefix; every added prefix is looked up before it is removed again.
     */
    private static void churn(RouteTable table, BinaryTrie trie, List<int[]> prefixes, SplittableRandom rnd,
                              int length) {
        int pairs = 10_000;
        int[] candidates = new int[pairs];
        for (int k = 0; k < pairs; k++) {
            int candidate;
            do {
                int[] p = prefixes.get(rnd.nextInt(prefixes.size()));
                candidate = ((p[0] & 0xFF00_0000) | (rnd.nextInt() & 0x00FF_FFFF)) & RouteTable.mask(length);
            } while (table.get(candidate, length) != RouteTable.NO_ROUTE);
            candidates[k] = candidate;
        }
        long t0 = System.nanoTime();
        for (int k = 0; k < pairs; k++) {
            table.add(candidates[k], length, 4097);
            assertTrue(table.remove(candidates[k], length));
        }
        long t1 = System.nanoTime();
        System.out.printf("BGP: %,d add/remove pairs of new /%d prefixes: %.2f us per operation%n",
                pairs, length, (t1 - t0) / 1e3 / (2 * pairs));
        // the same changes again, checked against the trie while each prefix is in
        for (int k = 0; k < pairs; k += 10) {
            int prefix = candidates[k];
            table.add(prefix, length, 4097);
            trie.add(prefix, length, 4097);
            int host = ~RouteTable.mask(length);
            for (int address : new int[] {prefix, prefix | host, prefix | (rnd.nextInt() & host), prefix - 1,
                    (prefix | host) + 1}) {
                assertEquals(trie.lookup(address), table.lookup(address));
            }
            assertTrue(table.remove(prefix, length));
            assertTrue(trie.remove(prefix, length));
            assertEquals(trie.lookup(prefix), table.lookup(prefix));
        }
        assertEquals(901_899, table.size());
    }

    /**
     * Half the addresses inside file prefixes, half uniformly random, looked up one by one against the trie;
     * returns how many had a route.
     */
    private static int compare(RouteTable table, BinaryTrie trie, List<int[]> prefixes, SplittableRandom rnd, int n) {
        int routed = 0;
        for (int k = 0; k < n; k++) {
            int address;
            if ((k & 1) == 0) {
                int[] p = prefixes.get(rnd.nextInt(prefixes.size()));
                address = p[0] | (rnd.nextInt() & ~RouteTable.mask(p[1]));
            } else {
                address = rnd.nextInt();
            }
            int expected = trie.lookup(address);
            int actual = table.lookup(address);
            if (expected != actual) {
                throw new AssertionError("lookup " + PrefixFile.formatAddress(address) + ": trie " + expected
                        + ", table " + actual);
            }
            if (actual != RouteTable.NO_ROUTE) {
                routed++;
            }
        }
        return routed;
    }
}
