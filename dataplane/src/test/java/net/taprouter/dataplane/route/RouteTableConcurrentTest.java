package net.taprouter.dataplane.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Readers look up continuously while the writer adds and removes routes, recycling tbl8 groups through a
 * grace period built on reader epochs.
 *
 * <p>Every address 10.0.k.x (block k, 0 <= k < BLOCKS) is covered by 10.0.0.0/8 -> {@code COVER} at all
 * times; every other route the writer ever installs inside block k has next hop {@code 1000 + k}. So a
 * correct lookup of 10.0.k.x returns COVER or 1000 + k, whatever the timing. A reader that saw a half-built
 * tbl8 group, or a group recycled into another block too early, would see the next hop of another block
 * (or garbage) and fail. With few tbl8 groups and many blocks, groups are constantly unlinked and reused.
 */
class RouteTableConcurrentTest {

    private static final int COVER = 1;
    private static final int BLOCKS = 64;
    private static final int BASE = 0x0A00_0000; // 10.0.0.0
    private static final int READERS = 2;

    /** Grace period from per-reader epochs: odd while a reader is inside a batch of lookups. */
    static final class ReaderEpochs implements GracePeriod {
        private static final int STRIDE = 16; // one 128-byte slot per reader, against false sharing
        private final AtomicLongArray epochs;
        private final int readers;
        final AtomicLong waits = new AtomicLong();

        ReaderEpochs(int readers) {
            this.readers = readers;
            this.epochs = new AtomicLongArray(readers * STRIDE);
        }

        /** Reader enters a read-side section: volatile store, ordered before its following loads. */
        void enter(int reader) {
            epochs.incrementAndGet(reader * STRIDE);
        }

        /** Reader leaves: a quiescent point. */
        void exit(int reader) {
            epochs.incrementAndGet(reader * STRIDE);
        }

        @Override
        public void await() {
            waits.incrementAndGet();
            for (int r = 0; r < readers; r++) {
                long seen = epochs.get(r * STRIDE);
                if ((seen & 1) == 0) {
                    continue; // quiescent now: any later section starts after our unlinking stores
                }
                int spins = 0;
                while (epochs.get(r * STRIDE) == seen) {
                    if (++spins < 100) {
                        Thread.onSpinWait();
                    } else {
                        Thread.yield(); // shared cores: let the reader run
                    }
                }
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void readersOnlyEverSeeOldOrNewRoutes() throws Exception {
        ReaderEpochs epochs = new ReaderEpochs(READERS);
        RouteTable table = new RouteTable(8, epochs);
        table.add(BASE, 8, COVER);

        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong lookups = new AtomicLong();
        AtomicLong specificHits = new AtomicLong();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
        Thread[] readers = new Thread[READERS];
        for (int r = 0; r < READERS; r++) {
            int id = r;
            readers[r] = new Thread(() -> {
                SplittableRandom rnd = new SplittableRandom(100 + id);
                long n = 0;
                long hits = 0;
                while (failure.get() == null && System.nanoTime() < deadline) {
                    epochs.enter(id);
                    for (int k = 0; k < 256; k++) {
                        int block = rnd.nextInt(BLOCKS);
                        int address = BASE | (block << 8) | rnd.nextInt(256);
                        int nextHop = table.lookup(address);
                        if (nextHop != COVER) {
                            if (nextHop != 1000 + block) {
                                failure.compareAndSet(null, "lookup " + PrefixFile.formatAddress(address)
                                        + " returned " + nextHop + ", allowed only " + COVER + " or " + (1000 + block));
                            }
                            hits++;
                        }
                        if (table.lookup(address ^ 0x8000_0000) != RouteTable.NO_ROUTE) {
                            failure.compareAndSet(null, "route outside 10/8");
                        }
                    }
                    epochs.exit(id);
                    n += 256;
                }
                lookups.addAndGet(n);
                specificHits.addAndGet(hits);
            }, "lpm-reader-" + r);
            readers[r].start();
        }

        // writer (this thread)
        SplittableRandom rnd = new SplittableRandom(7);
        BinaryTrie reference = new BinaryTrie();
        reference.add(BASE, 8, COVER);
        List<List<int[]>> installed = new ArrayList<>();
        for (int b = 0; b < BLOCKS; b++) {
            installed.add(new ArrayList<>());
        }
        long adds = 0;
        long removes = 0;
        long full = 0;
        while (failure.get() == null && System.nanoTime() < deadline) {
            int block = rnd.nextInt(BLOCKS);
            List<int[]> routes = installed.get(block);
            if (routes.isEmpty() || (routes.size() < 6 && rnd.nextBoolean())) {
                int length = rnd.nextInt(24, 33);
                int prefix = (BASE | (block << 8) | rnd.nextInt(256)) & RouteTable.mask(length);
                if (table.get(prefix, length) != RouteTable.NO_ROUTE) {
                    continue;
                }
                try {
                    table.add(prefix, length, 1000 + block);
                } catch (IllegalStateException e) {
                    full++;
                    continue;
                }
                reference.add(prefix, length, 1000 + block);
                routes.add(new int[] {prefix, length});
                adds++;
            } else {
                int[] r = routes.remove(rnd.nextInt(routes.size()));
                assertTrue(table.remove(r[0], r[1]));
                reference.remove(r[0], r[1]);
                removes++;
            }
        }
        for (Thread t : readers) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        System.out.printf("concurrent: %d lookups (%d specific), %d adds, %d removes, %d full, %d grace periods%n",
                lookups.get(), specificHits.get(), adds, removes, full, table.gracePeriodsAwaited());
        assertTrue(lookups.get() > 100_000, "readers ran: " + lookups.get());
        assertTrue(specificHits.get() > 0, "readers saw block routes");
        assertTrue(table.gracePeriodsAwaited() > 0, "groups were recycled through grace periods");
        assertEquals(table.gracePeriodsAwaited(), epochs.waits.get());

        // final state agrees with the reference everywhere in the region
        for (int address = BASE; address < BASE + (BLOCKS << 8); address++) {
            assertEquals(reference.lookup(address), table.lookup(address));
        }
        table.checkInvariants();
    }
}
