package net.taprouter.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import net.taprouter.dataplane.route.BinaryTrie;
import net.taprouter.dataplane.route.GracePeriod;
import net.taprouter.dataplane.route.PrefixFile;
import net.taprouter.dataplane.route.RouteTable;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Route lookup over the full BGP table (901,899 prefixes): {@link RouteTable} (DIR-24-8 writer structure,
 * compressed DIR-16 reader structure) against the plain {@link BinaryTrie}, plus the time to build the table
 * from scratch and the cost of single route changes with the full table loaded.
 *
 * <p>Lookup benchmarks run a batch of {@value #ADDRESSES} precomputed addresses per invocation and report
 * lookups per microsecond (= millions of lookups per second). Address sets:
 * <ul>
 *   <li>{@code random}: uniformly random 32-bit addresses (about 71% of them have a route);</li>
 *   <li>{@code table}: a random address inside a random prefix of the table (all have a route);</li>
 *   <li>{@code dependent}: random addresses, each perturbed by the previous result, so lookups cannot
 *       overlap: the latency of one lookup rather than the throughput of independent ones.</li>
 * </ul>
 * Data file: the repository's data/bgp-ipv4-prefixes.txt.gz (or -Dtaprouter.bgp=FILE).
 * <pre>
 * java -jar bench/target/benchmarks.jar LpmBenchmark -f 1 -wi 3 -i 5 -prof gc \
 *     -jvmArgsAppend "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LpmBenchmark {

    static final int ADDRESSES = 1 << 20;
    static final int TBL8_GROUPS = 4096;

    static Path prefixFile() {
        return PrefixFile.bgpTable();
    }

    /** Next hop of the i-th prefix of the file: a few thousand distinct values, as in a real router. */
    static int nextHop(int index) {
        return (index * 40503) & 4095;
    }

    /** The prefix list of the file as flat arrays. */
    @State(Scope.Benchmark)
    public static class Prefixes {
        int[] prefix;
        int[] length;
        int[] nextHop;

        @Setup(Level.Trial)
        public void load() {
            List<int[]> list;
            try {
                list = PrefixFile.load(prefixFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int n = list.size();
            prefix = new int[n];
            length = new int[n];
            nextHop = new int[n];
            for (int i = 0; i < n; i++) {
                prefix[i] = list.get(i)[0];
                length[i] = list.get(i)[1];
                nextHop[i] = nextHop(i);
            }
        }

        RouteTable buildRouteTable() {
            RouteTable table = new RouteTable(TBL8_GROUPS, GracePeriod.NONE);
            for (int i = 0; i < prefix.length; i++) {
                table.add(prefix[i], length[i], nextHop[i]);
            }
            return table;
        }

        BinaryTrie buildBinaryTrie() {
            BinaryTrie trie = new BinaryTrie();
            for (int i = 0; i < prefix.length; i++) {
                trie.add(prefix[i], length[i], nextHop[i]);
            }
            return trie;
        }
    }

    /** Both structures loaded with the full table, and the address batches. */
    @State(Scope.Benchmark)
    public static class Tables {
        RouteTable table;
        BinaryTrie trie;
        int[] random;
        int[] fromTable;

        @Setup(Level.Trial)
        public void build(Prefixes p) {
            table = p.buildRouteTable();
            trie = p.buildBinaryTrie();
            SplittableRandom rnd = new SplittableRandom(2024);
            random = new int[ADDRESSES];
            fromTable = new int[ADDRESSES];
            for (int k = 0; k < ADDRESSES; k++) {
                random[k] = rnd.nextInt();
                int i = rnd.nextInt(p.prefix.length);
                int host = p.length[i] == 0 ? -1 : (int) (0xFFFF_FFFFL >>> p.length[i]);
                fromTable[k] = p.prefix[i] | (rnd.nextInt() & host);
            }
            // the two structures must agree, or the comparison means nothing
            for (int k = 0; k < ADDRESSES; k += 7) {
                check(random[k]);
                check(fromTable[k]);
            }
        }

        private void check(int address) {
            if (table.lookup(address) != trie.lookup(address)) {
                throw new IllegalStateException("RouteTable and BinaryTrie disagree at "
                        + PrefixFile.formatAddress(address));
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(ADDRESSES)
    public int routeTableRandom(Tables s) {
        RouteTable t = s.table;
        int acc = 0;
        for (int address : s.random) {
            acc += t.lookup(address);
        }
        return acc;
    }

    @Benchmark
    @OperationsPerInvocation(ADDRESSES)
    public int binaryTrieRandom(Tables s) {
        BinaryTrie t = s.trie;
        int acc = 0;
        for (int address : s.random) {
            acc += t.lookup(address);
        }
        return acc;
    }

    @Benchmark
    @OperationsPerInvocation(ADDRESSES)
    public int routeTableFromTable(Tables s) {
        RouteTable t = s.table;
        int acc = 0;
        for (int address : s.fromTable) {
            acc += t.lookup(address);
        }
        return acc;
    }

    @Benchmark
    @OperationsPerInvocation(ADDRESSES)
    public int binaryTrieFromTable(Tables s) {
        BinaryTrie t = s.trie;
        int acc = 0;
        for (int address : s.fromTable) {
            acc += t.lookup(address);
        }
        return acc;
    }

    @Benchmark
    @OperationsPerInvocation(ADDRESSES)
    public int routeTableDependent(Tables s) {
        RouteTable t = s.table;
        int result = 0;
        int acc = 0;
        for (int address : s.random) {
            result = t.lookup(address ^ (result & 0xFF));
            acc += result;
        }
        return acc;
    }

    @Benchmark
    @OperationsPerInvocation(ADDRESSES)
    public int binaryTrieDependent(Tables s) {
        BinaryTrie t = s.trie;
        int result = 0;
        int acc = 0;
        for (int address : s.random) {
            result = t.lookup(address ^ (result & 0xFF));
            acc += result;
        }
        return acc;
    }

    /**
     * Full table loaded, then route changes one at a time, as the control plane applies them while traffic
     * flows: prefixes that are not in the table are added and removed again (cycling through
     * {@value #UPDATE_PREFIXES} of them, inside /16s or /8s that already hold routes), or the next hop of an
     * existing /24 changes.
     */
    @State(Scope.Benchmark)
    public static class Updates {
        static final int UPDATE_PREFIXES = 1024;
        RouteTable table;
        int[] new24;
        int[] new16;
        int[] existing24;
        int[] existing24Hop;
        int next;

        @Setup(Level.Trial)
        public void build(Prefixes p) {
            table = p.buildRouteTable();
            SplittableRandom rnd = new SplittableRandom(99);
            new24 = pick(p, rnd, 24);
            new16 = pick(p, rnd, 16);
            existing24 = new int[UPDATE_PREFIXES];
            existing24Hop = new int[UPDATE_PREFIXES];
            for (int k = 0; k < UPDATE_PREFIXES; k++) {
                int i;
                do {
                    i = rnd.nextInt(p.prefix.length);
                } while (p.length[i] != 24);
                existing24[k] = p.prefix[i];
                existing24Hop[k] = p.nextHop[i];
            }
        }

        /** Prefixes of the given length that are not in the table, each inside a table prefix's /8. */
        private int[] pick(Prefixes p, SplittableRandom rnd, int length) {
            int[] out = new int[UPDATE_PREFIXES];
            for (int k = 0; k < UPDATE_PREFIXES; k++) {
                int candidate;
                do {
                    int i = rnd.nextInt(p.prefix.length);
                    candidate = ((p.prefix[i] & 0xFF00_0000) | (rnd.nextInt() & 0x00FF_FFFF)) & (-1 << (32 - length));
                } while (table.get(candidate, length) != RouteTable.NO_ROUTE);
                out[k] = candidate;
            }
            return out;
        }

        int nextIndex() {
            int k = next;
            next = (k + 1) & (UPDATE_PREFIXES - 1);
            return k;
        }
    }

    /** Add a /24 that is not in the full table, then remove it: 2 operations. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @OperationsPerInvocation(2)
    public boolean routeTableAddRemove24(Updates u) {
        int prefix = u.new24[u.nextIndex()];
        u.table.add(prefix, 24, 77);
        return u.table.remove(prefix, 24);
    }

    /** Add a /16 that is not in the full table (over the more-specifics it may hold), then remove it. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @OperationsPerInvocation(2)
    public boolean routeTableAddRemove16(Updates u) {
        int prefix = u.new16[u.nextIndex()];
        u.table.add(prefix, 16, 77);
        return u.table.remove(prefix, 16);
    }

    /** Change the next hop of an existing /24, then change it back: 2 operations. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @OperationsPerInvocation(2)
    public int routeTableReplace24(Updates u) {
        int k = u.nextIndex();
        int prefix = u.existing24[k];
        u.table.add(prefix, 24, 77);
        u.table.add(prefix, 24, u.existing24Hop[k]);
        return k;
    }

    /** Full build: allocating the 64 MiB tbl24 and adding all 901,899 prefixes. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public RouteTable routeTableBuild(Prefixes p) {
        return p.buildRouteTable();
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public BinaryTrie binaryTrieBuild(Prefixes p) {
        return p.buildBinaryTrie();
    }
}
