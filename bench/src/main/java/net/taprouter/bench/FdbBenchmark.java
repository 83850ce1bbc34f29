package net.taprouter.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import net.taprouter.dataplane.l2.Fdb;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The bridge's FDB with 65,536 learned entries (its default bound) on 8 ports: lookups of known
 * MACs in random order, and learn (= refresh) of known MACs, as every bridged frame does one of
 * each. Reported in operations per microsecond (= millions per second); issue 7's target is a
 * lookup rate of at least 50 M/s on one core.
 * <pre>
 * java -jar bench/target/benchmarks.jar FdbBenchmark -f 1 -wi 3 -i 5 -prof gc \
 *     -jvmArgsAppend "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class FdbBenchmark {
    static final int ENTRIES = 65_536;
    static final int BATCH = 1 << 16;

    private Fdb fdb;
    private long[] macs;
    private int[] vlans;
    private int[] ports;

    @Setup
    public void setUp() {
        fdb = new Fdb(ENTRIES, ENTRIES, 8, 300_000);
        SplittableRandom random = new SplittableRandom(7);
        long[] known = new long[ENTRIES];
        for (int i = 0; i < ENTRIES; i++) {
            known[i] = random.nextLong() & 0xFEFF_FFFF_FFFFL; // unicast
            fdb.learn(i % 4, known[i], i % 8, 0);
        }
        macs = new long[BATCH];
        vlans = new int[BATCH];
        ports = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            int at = random.nextInt(ENTRIES);
            macs[i] = known[at];
            vlans[i] = at % 4;
            ports[i] = at % 8;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int lookup() {
        int sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += fdb.lookup(vlans[i], macs[i]);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int learnKnown() {
        int sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += fdb.learn(vlans[i], macs[i], ports[i], 1000);
        }
        return sum;
    }
}
