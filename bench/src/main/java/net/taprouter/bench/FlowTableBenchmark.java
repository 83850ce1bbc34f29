package net.taprouter.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import net.taprouter.dataplane.conntrack.FlowTable;
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
 * The conntrack flow table with 1,000,000 flows (issue 8's targets: lookup ≥ 20 M/s on one core,
 * new-flow insert ≥ 2 M/s, ≤ 128 bytes per flow, 0 B/op): lookups of random existing tuples
 * (half original, half reply direction), and insert + remove of a new flow (the table stays
 * full minus one, so every insert lands in a loaded index). Operations per microsecond.
 * <pre>
 * java -jar bench/target/benchmarks.jar FlowTableBenchmark -f 1 -wi 3 -i 5 -prof gc \
 *     -jvmArgsAppend "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@State(Scope.Thread)
public class FlowTableBenchmark {
    static final int FLOWS = 1_000_000;
    static final int BATCH = 1 << 16;
    static final int UDP = 17;

    private FlowTable table;
    private int[] src;
    private int[] dst;
    private int[] ports;
    private final int[] protocols = new int[BATCH];
    private final int[] refs = new int[BATCH];
    private int cursor;

    /** Tuples per call of the batch lookup. */
    @Param({"32"})
    public int batch;

    @Setup
    public void setUp() {
        table = new FlowTable(FLOWS);
        SplittableRandom random = new SplittableRandom(11);
        int[] os = new int[FLOWS - 1];
        int[] od = new int[FLOWS - 1];
        int[] op = new int[FLOWS - 1];
        for (int i = 0; i < FLOWS - 1; i++) {
            os[i] = 0xC0000200 | random.nextInt(256);           // 192.0.2.x
            od[i] = random.nextInt();
            op[i] = FlowTable.packPorts(1024 + random.nextInt(64512), 1 + random.nextInt(65535));
            table.insert(os[i], od[i], op[i], od[i], os[i], swap(op[i]), UDP, Integer.MAX_VALUE);
        }
        src = new int[BATCH];
        dst = new int[BATCH];
        ports = new int[BATCH];
        java.util.Arrays.fill(protocols, UDP);
        for (int i = 0; i < BATCH; i++) {
            int at = random.nextInt(FLOWS - 1);
            boolean reply = (i & 1) == 1;
            src[i] = reply ? od[at] : os[at];
            dst[i] = reply ? os[at] : od[at];
            ports[i] = reply ? swap(op[at]) : op[at];
        }
    }

    private static int swap(int ports) {
        return ports << 16 | ports >>> 16;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int lookup() {
        int sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += table.lookup(src[i], dst[i], ports[i], UDP, 0);
        }
        return sum;
    }

    /**
     * The same lookups {@value FlowTable#BATCH} at a time through the batch lookup (index slots of
     * the whole batch first, then the flows), as a caller holding an RX batch would do.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int lookupBatch() {
        int sum = 0;
        for (int i = 0; i < BATCH; i += batch) {
            table.lookup(i, batch, src, dst, ports, protocols, 0, refs);
            sum += refs[i];
        }
        return sum;
    }

    private final int[] batchSrc = new int[FlowTable.PREFETCH_TUPLES];
    private final int[] batchDst = new int[FlowTable.PREFETCH_TUPLES];
    private final int[] batchPorts = new int[FlowTable.PREFETCH_TUPLES];

    /**
     * The lookups as routerd's data path makes them: a batch's tuples gathered ({@code batch} at a
     * time, as {@code FlowPrefetch} gathers an RX batch's), {@link FlowTable#prefetch} over them,
     * then one {@link FlowTable#lookup} per tuple.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int lookupPrefetched() {
        int sum = 0;
        int n = Math.min(batch, FlowTable.PREFETCH_TUPLES);
        for (int i = 0; i < BATCH; i += n) {
            System.arraycopy(src, i, batchSrc, 0, n);
            System.arraycopy(dst, i, batchDst, 0, n);
            System.arraycopy(ports, i, batchPorts, 0, n);
            table.prefetch(n, batchSrc, batchDst, batchPorts, protocols);
            for (int k = 0; k < n; k++) {
                sum += table.lookup(batchSrc[k], batchDst[k], batchPorts[k], UDP, 0);
            }
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int insertAndRemove() {
        int sum = 0;
        for (int i = 0; i < BATCH; i++) {
            int c = cursor++;
            int flow = table.insert(0x64400000 | (c & 0x3FFFFF), dst[i], ports[i], dst[i], 0x64400000 | (c & 0x3FFFFF),
                swap(ports[i]), UDP, Integer.MAX_VALUE);
            table.remove(flow);
            sum += flow;
        }
        return sum;
    }
}
