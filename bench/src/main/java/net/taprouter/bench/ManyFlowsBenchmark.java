package net.taprouter.bench;

import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import net.taprouter.dataplane.agent.DataplaneConfig;
import net.taprouter.dataplane.agent.Worker;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.pipeline.ForwardingContext;
import net.taprouter.dataplane.pipeline.ForwardingGraph;
import net.taprouter.dataplane.pipeline.Packet;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.Ipv4View;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The forwarding path with connection tracking on and many flows (issue 8: lookups at 1,000,000
 * flows), fed as routerd's forwarding agent feeds it: batches of 32 received frames, each of a
 * random one of {@code flows} UDP flows (192.0.2.1-250, source ports from 1024, to
 * 198.51.100.1:5201) that setup created (one packet each), then each frame through the graph
 * ({@code conntrack} tracked: no NAT rule; every frame looks its flow up and refreshes it). With
 * {@code prefetch=on} the batch first goes through the context's {@code FlowPrefetch}, as the
 * agent does; {@code off} skips it (the path before it). ns per frame, the frame's slot write
 * included (the same in both).
 * <pre>
 * java -jar bench/target/benchmarks.jar ManyFlowsBenchmark -f 1 -wi 3 -i 5 -prof gc \
 *     -jvmArgsAppend "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx3g")
@State(Scope.Thread)
public class ManyFlowsBenchmark {
    static final int BATCH = 32;
    static final int FRAME = 64;
    static final int HOSTS = 250;

    @Param({"1000000"})
    public int flows;

    @Param({"on", "off"})
    public String prefetch;

    private FramePool pool;
    private UnsafeBuffer buffer;
    private ForwardingGraph graph;
    private ForwardingContext context;
    private MemoryFrameSink sinkOut;
    private UnsafeBuffer template;
    private final Packet packet = new Packet();
    private final Ipv4View ip = new Ipv4View();
    private final int[] slots = new int[BATCH];
    private final int[] offsets = new int[BATCH];
    private final int[] lengths = new int[BATCH];
    /** The flows frames belong to, in a random order (cycled). */
    private int[] order;
    private int next;
    private boolean prefetching;
    private long sent;

    @Setup(Level.Trial)
    public void setup() {
        DataplaneConfig defaults = DataplaneConfig.defaults(null);
        pool = new FramePool(1024, defaults.slotSize());
        buffer = pool.buffer();
        SlotReturnRing slotReturns = new SlotReturnRing(pool);
        sinkOut = new MemoryFrameSink("ns2-veth0");
        BenchRouter router = new BenchRouter(defaults, pool, slotReturns, new MemoryFrameSink("ns1-veth0"), sinkOut);
        Worker worker = router.worker;
        context = worker.context();
        context.conntrack.maxFlows(flows + flows / 4 + 1024);
        worker.startConntrack();
        context.releaseToPool(true);
        context.nowNanos = System.nanoTime();
        graph = worker.graph();
        graph.resolver().addPermanent(ForwardingBenchmark.PORT_OUT, ForwardingBenchmark.HOST2, ForwardingBenchmark.MAC_HOST2);
        template = new UnsafeBuffer(BufferUtil.allocateDirectAligned(2048, 64));
        ForwardingBenchmark.buildFrame(template, FRAME, ForwardingBenchmark.HOST2);
        prefetching = false;
        for (int f = 0; f < flows; f++) { // one packet each makes the flows
            receive(f);
            if ((f & (BATCH - 1)) == BATCH - 1) {
                context.flushTransmit();
            }
        }
        context.flushTransmit();
        if (context.conntrack.size() != flows || sinkOut.frames != flows) {
            throw new IllegalStateException("ManyFlowsBenchmark: " + context.conntrack.size() + " flows, " + sinkOut.frames
                + " frames forwarded, of " + flows);
        }
        order = new int[1 << 20];
        SplittableRandom random = new SplittableRandom(8);
        for (int i = 0; i < order.length; i++) {
            order[i] = random.nextInt(flows);
        }
        prefetching = "on".equals(prefetch);
        sent = sinkOut.frames;
    }

    @TearDown(Level.Trial)
    public void check() {
        if (sinkOut.frames - sent != sentSince) {
            throw new IllegalStateException("ManyFlowsBenchmark: " + sentSince + " frames received, "
                + (sinkOut.frames - sent) + " forwarded");
        }
    }

    private long sentSince;

    /** Writes flow {@code f}'s frame into a new slot: batch entry {@code k}. */
    private void write(int f, int k) {
        int slot = pool.allocate();
        int offset = pool.frameOffset(slot);
        buffer.putBytes(offset, template, 0, FRAME);
        ip.wrap(buffer, offset + EthernetView.HEADER_LENGTH, FRAME - EthernetView.HEADER_LENGTH);
        ip.source(ForwardingBenchmark.HOST1 + f % HOSTS);
        ip.updateHeaderChecksum();
        buffer.putShort(offset + EthernetView.HEADER_LENGTH + Ipv4View.MIN_HEADER_LENGTH, (short) (1024 + f / HOSTS),
            ByteOrder.BIG_ENDIAN);
        slots[k] = slot;
        offsets[k] = offset;
        lengths[k] = FRAME;
    }

    private void receive(int f) {
        write(f, 0);
        packet.reset(slots[0], offsets[0], FRAME, ForwardingBenchmark.PORT_IN);
        graph.receive(packet);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void batch() {
        for (int k = 0; k < BATCH; k++) {
            write(order[next++ & (order.length - 1)], k);
        }
        if (prefetching) {
            context.flowPrefetch.frames(offsets, lengths, BATCH);
        }
        for (int k = 0; k < BATCH; k++) {
            packet.reset(slots[k], offsets[k], FRAME, ForwardingBenchmark.PORT_IN);
            graph.receive(packet);
        }
        context.flushTransmit();
        sentSince += BATCH;
    }
}
