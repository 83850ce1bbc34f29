package net.taprouter.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * The machine's memory, as a control for the table benchmarks whose figures it decides
 * ({@code FlowTableBenchmark} at 1,000,000 flows: two dependent DRAM round trips per lookup): over
 * an array of 112 MB (the flow table's size), {@code chase} follows a random cycle through its
 * cache lines (each load's address is the previous load's value: the round-trip latency, ns per
 * load) and {@code independent} reads random lines whose addresses are known in advance (how many
 * misses the core keeps in flight: ns per load). On the VMs here the chase moved between ~100 and
 * ~240 ns from one session to another; run it next to a table benchmark to tell the code's
 * change from the machine's.
 * <pre>
 * java -jar bench/target/benchmarks.jar MemoryChaseBenchmark -f 1 -wi 2 -i 3 [-p mb=4,16,32,112]
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@State(Scope.Thread)
public class MemoryChaseBenchmark {
    /** Size of the array in MiB (112: the flow table's; 16: its index's alone). */
    @Param({"112"})
    public int mb;
    static final int LINE = 16; // ints per 64-byte line
    static final int STEPS = 1 << 16;

    private int[] memory;
    private int[] addresses;
    private int at;

    @Setup
    public void setUp() {
        int ints = mb * (1 << 18);
        memory = new int[ints];
        int lines = ints / LINE;
        int[] order = new int[lines];
        for (int i = 0; i < lines; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = lines - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int i = 0; i < lines; i++) { // one cycle through every line, in random order
            memory[order[i] * LINE] = order[(i + 1) % lines] * LINE;
        }
        addresses = new int[STEPS];
        for (int i = 0; i < STEPS; i++) {
            addresses[i] = random.nextInt(lines) * LINE;
        }
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public int chase() {
        int[] m = memory;
        int p = at;
        for (int i = 0; i < STEPS; i++) {
            p = m[p];
        }
        at = p;
        return p;
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public int independent() {
        int[] m = memory;
        int[] a = addresses;
        int sum = 0;
        for (int i = 0; i < STEPS; i++) {
            sum += m[a[i]];
        }
        return sum;
    }
}
