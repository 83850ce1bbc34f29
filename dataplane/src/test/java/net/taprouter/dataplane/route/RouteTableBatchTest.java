package net.taprouter.dataplane.route;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import org.junit.jupiter.api.Test;

/**
 * The batch lookup {@link RouteTable#lookup(int, int, int[], int[])} against the single lookup and
 * {@link BinaryTrie}: random tables whose prefixes pile up in a few regions (so that /16s split into chunks,
 * /24s get tbl8 groups and uniform /16s stay direct), random batches at random offsets, batches with every
 * share of addresses that need a chunk, and the argument checks.
 * The full BGP table is covered by {@link RouteTableScaleTest}, concurrent writers by
 * {@link RouteTableConcurrentTest}.
 */
class RouteTableBatchTest {

    /** Regions where prefixes and addresses pile up. */
    private static final int[] HOT = {0x0A00_0000, 0xC0A8_0000, 0x8000_0000, 0xFFFF_0000, 0x0000_0000};

    record Route(int prefix, int length, int nextHop, boolean remove) {
    }

    @Provide
    Arbitrary<List<Route>> routes() {
        Arbitrary<Integer> length = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 8)),
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(9, 24)),
                net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(25, 32)));
        Arbitrary<Route> route = Combinators.combine(address(), length, Arbitraries.integers().between(0, 20),
                Arbitraries.integers().between(0, 9))
                .as((a, l, hop, r) -> new Route(a & RouteTable.mask(l), l, hop, r == 0));
        return route.list().ofMaxSize(300);
    }

    @Provide
    Arbitrary<Integer> address() {
        return Arbitraries.oneOf(Arbitraries.integers(),
                Combinators.combine(Arbitraries.of(HOT[0], HOT[1], HOT[2], HOT[3], HOT[4]),
                        Arbitraries.integers().between(0, 0x3_FFFF)).as((base, low) -> base | low));
    }

    @Property(tries = 300)
    void batchAgreesWithSingleLookupAndTrie(@ForAll("routes") List<Route> routes,
                                            @ForAll("addresses") List<Integer> addressList,
                                            @ForAll @IntRange(min = 0, max = 7) int from) {
        RouteTable table = new RouteTable(16, GracePeriod.NONE);
        BinaryTrie trie = new BinaryTrie();
        for (Route r : routes) {
            if (r.remove()) {
                table.remove(r.prefix(), r.length());
                trie.remove(r.prefix(), r.length());
                continue;
            }
            try {
                table.add(r.prefix(), r.length(), r.nextHop());
            } catch (IllegalStateException full) {
                continue; // no tbl8 group left: the table is unchanged
            }
            trie.add(r.prefix(), r.length(), r.nextHop());
        }
        int count = addressList.size();
        int[] addresses = new int[from + count + 3];
        int[] nextHops = new int[from + count + 3];
        java.util.Arrays.fill(nextHops, 0x5A5A_5A5A);
        for (int k = 0; k < count; k++) {
            addresses[from + k] = addressList.get(k);
        }
        table.lookup(from, count, addresses, nextHops);
        for (int k = 0; k < count; k++) {
            int address = addresses[from + k];
            assertEquals(table.lookup(address), nextHops[from + k], () -> "batch vs single at " + PrefixFile.formatAddress(address));
            assertEquals(trie.lookup(address), nextHops[from + k], () -> "batch vs trie at " + PrefixFile.formatAddress(address));
        }
        for (int k = 0; k < from; k++) {
            assertEquals(0x5A5A_5A5A, nextHops[k], "before the batch: untouched");
        }
        for (int k = from + count; k < nextHops.length; k++) {
            assertEquals(0x5A5A_5A5A, nextHops[k], "after the batch: untouched");
        }
    }

    @Provide
    Arbitrary<List<Integer>> addresses() {
        return address().list().ofMaxSize(200);
    }

    /** Every kind of answer in one batch: direct value, no route, chunk run, tbl8 entry, the same /16 twice. */
    @Test
    void everyPathInOneBatch() {
        RouteTable table = new RouteTable(4, GracePeriod.NONE);
        table.add(0x0A00_0000, 8, 1);             // 10/8: /16s stay direct
        table.add(0xC633_6400, 24, 2);            // 198.51.100/24: its /16 gets a chunk
        table.add(0xC633_6480, 25, 3);            // 198.51.100.128/25: tbl8 group
        table.add(0xC000_0200, 24, 4);            // 192.0.2/24
        int[] addresses = {0x0A01_0203, 0x0B00_0001, 0xC633_6401, 0xC633_64FF, 0xC633_6501, 0xC000_0201,
                0xC633_6480, 0x0A00_0000, 0xFFFF_FFFF, 0};
        int[] expected = {1, -1, 2, 3, -1, 4, 3, 1, -1, -1};
        int[] nextHops = new int[addresses.length];
        table.lookup(0, addresses.length, addresses, nextHops);
        assertArrayEquals(expected, nextHops);
        for (int k = 0; k < addresses.length; k++) {
            assertEquals(expected[k], table.lookup(addresses[k]));
        }
        // and again after changes that replace chunks and unlink the group
        table.remove(0xC633_6480, 25);
        table.add(0x0B00_0000, 16, 5);
        table.lookup(0, addresses.length, addresses, nextHops);
        assertArrayEquals(new int[] {1, 5, 2, 2, -1, 4, 2, 1, -1, -1}, nextHops);
    }

    @Test
    void emptyBatchAndEmptyTable() {
        RouteTable table = new RouteTable(0, GracePeriod.NONE);
        int[] nextHops = {7, 7};
        table.lookup(2, 0, new int[2], nextHops);
        assertArrayEquals(new int[] {7, 7}, nextHops);
        table.lookup(0, 2, new int[] {1, -1}, nextHops);
        assertArrayEquals(new int[] {RouteTable.NO_ROUTE, RouteTable.NO_ROUTE}, nextHops);
    }

    @Test
    void refusesBadRanges() {
        RouteTable table = new RouteTable(0, GracePeriod.NONE);
        int[] a = new int[8];
        int[] n = new int[8];
        assertThrows(IndexOutOfBoundsException.class, () -> table.lookup(-1, 2, a, n));
        assertThrows(IndexOutOfBoundsException.class, () -> table.lookup(0, -1, a, n));
        assertThrows(IndexOutOfBoundsException.class, () -> table.lookup(4, 5, a, n));
        assertThrows(IndexOutOfBoundsException.class, () -> table.lookup(0, 8, a, new int[7]));
        assertThrows(IndexOutOfBoundsException.class, () -> table.lookup(Integer.MAX_VALUE, 1, a, n));
        table.lookup(0, 8, a, n);
    }

    /**
     * A step of the batch finishes its addresses one by one when most of them have a chunk, phase by phase
     * otherwise: batches with every share of chunk addresses (0 to all of 64, and across a step boundary) agree
     * with the single lookup.
     */
    @Test
    void bothWaysOfFinishingAStep() {
        RouteTable table = new RouteTable(8, GracePeriod.NONE);
        table.add(0x0A00_0000, 8, 1);             // 10/8: direct
        for (int j = 0; j < 256; j += 3) {
            table.add(0xC633_0000 | j << 8, 24, 10 + j); // 198.51/16: a chunk with many runs
        }
        table.add(0xC633_0380, 25, 7);            // and a tbl8 group
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        int n = 3 * RouteTable.BATCH_STEP + 5;
        int[] addresses = new int[n];
        int[] nextHops = new int[n];
        for (int share = 0; share <= n; share += 7) {
            for (int k = 0; k < n; k++) {
                addresses[k] = k < share ? 0xC633_0000 | rnd.nextInt(0x1_0000) : 0x0A00_0000 | rnd.nextInt(0x100_0000);
            }
            table.lookup(0, n, addresses, nextHops);
            for (int k = 0; k < n; k++) {
                assertEquals(table.lookup(addresses[k]), nextHops[k], "share " + share + ", address " + k);
            }
        }
        addresses[0] = 0xC633_0381;
        table.lookup(0, 1, addresses, nextHops);
        assertEquals(7, nextHops[0]);
    }
}
