package net.taprouter.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import net.taprouter.dataplane.agent.DataplaneConfig;
import net.taprouter.dataplane.agent.Worker;
import net.taprouter.dataplane.agent.WorkerSizes;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.conntrack.ConntrackHooks;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.l2.Fdb;
import net.taprouter.dataplane.pipeline.DataplaneSettings;
import net.taprouter.dataplane.pipeline.ForwardingContext;
import net.taprouter.dataplane.pipeline.ForwardingGraph;
import net.taprouter.dataplane.pipeline.Packet;
import net.taprouter.dataplane.pipeline.PublishedTables;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.GracePeriod;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.MacAddress;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The bridging path without system calls (issue 7's target: at most 60 ns per frame, 0 B/op): one
 * received Ethernet frame in on a bridge port, through the real {@link ForwardingGraph} built by
 * {@link Worker#build} (Ethernet input, {@code BridgeInputStage}: FDB learn of the source and
 * lookup of the destination, transmit with the offload output stage) into an in-memory
 * {@link MemoryFrameSink} of the other port. The worker is built as routerd builds it (with the
 * conntrack hooks, which bridged frames do not reach).
 *
 * <p>Topology: bridge br0 (interface 2) over ports p0 (index 0) and p1 (index 1), as {@code link
 * add br0 type bridge} + {@code link set pN master br0}. Every frame comes in on p0 and is
 * addressed to a MAC the FDB has on p1; its source is on p0 already (learn = refresh, as in steady
 * traffic).
 *
 * <p>Parameters:
 * <ul>
 *   <li>{@code frameSize}: 64 or 1514 (the bridge does not touch the payload; the frame is not
 *       copied, only its 12 address bytes restored per op).</li>
 *   <li>{@code macs}: 2 = one host on each side (the FDB's two entries stay in L1); 65536 = the
 *       FDB holds 65,536 entries (its default bound: 32,768 sources on p0, 32,768 destinations
 *       on p1) and each frame takes the next of 65,536 random (source, destination) pairs, so the
 *       FDB's 2 MiB array is read as a busy switch reads it.</li>
 * </ul>
 *
 * <p>{@code bridge}: the path (Agrona's bounds checks on); {@code bridgeNoBoundsChecks}: the same
 * as routerd runs it (bounds checks off); {@code harnessOnly}: what the benchmark does around the
 * graph (slot allocation, address restore, release), to subtract. Setup checks that a frame comes out of p1
 * unchanged and nothing out of p0; teardown that every frame was forwarded (event and port
 * counter), none flooded, nothing dropped, nothing newly learned. Either fails the run.
 * <pre>
 * java -jar bench/target/benchmarks.jar BridgeBenchmark -f 3 -wi 3 -w 2 -i 5 -r 2 -prof gc \
 *     -jvmArgsAppend "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class BridgeBenchmark {
    static final int P0 = 0;
    static final int P1 = 1;
    static final int BRIDGE = 2;
    static final long BRIDGE_MAC = 0x00005e0053b0L;
    static final long HOST_A = 0x00005e005301L;
    static final long HOST_B = 0x00005e005302L;
    /** As routerd: queued frames are written after each RX batch of 32. */
    static final int FLUSH_EVERY = 32;

    @Param({"64", "1514"})
    public int frameSize;

    @Param({"2", "65536"})
    public int macs;

    private FramePool pool;
    private UnsafeBuffer frames;
    private SlotReturnRing slotReturns;
    private ForwardingGraph graph;
    private ForwardingContext context;
    private DataplaneCounters counters;
    private Fdb fdb;
    private Port p0;
    private MemoryFrameSink sink0;
    private MemoryFrameSink sink1;
    private final Packet packet = new Packet();
    /** Per pair: the first 8 bytes of the frame (destination + 2 bytes of source) and the last 4 source bytes. */
    private long[] word0;
    private int[] word1;
    private long[] destinations;
    private int mask;
    private int next;
    private int sinceFlush;
    private long received;
    private long harnessOps;
    private int learnedAtStart;

    @Setup(Level.Trial)
    public void setup() {
        if (frameSize < 64 || frameSize > 1514) {
            throw new IllegalArgumentException("frameSize must be 64..1514: " + frameSize);
        }
        if (macs < 2 || Integer.bitCount(macs) != 1 || macs > 65_536) {
            throw new IllegalArgumentException("macs must be a power of two 2..65536: " + macs);
        }
        DataplaneConfig defaults = DataplaneConfig.defaults(null);
        pool = new FramePool(1024, defaults.slotSize());
        frames = pool.buffer();
        slotReturns = new SlotReturnRing(pool);
        CounterFile counterFile = CounterFile.create(null, defaults.maxCounters());
        PortTable ports = new PortTable();
        InterfaceTable interfaces = new InterfaceTable();
        Worker worker = Worker.build(new PublishedTables(ports, interfaces,
            new RouteTable(defaults.tbl8Groups(), GracePeriod.NONE), new NextHops(defaults.nextHops(), GracePeriod.NONE),
            new DataplaneSettings()), pool, slotReturns, counterFile, WorkerSizes.of(defaults), ConntrackHooks.all());
        counters = worker.counters();
        context = worker.context();
        context.nowNanos = System.nanoTime();
        context.releaseToPool(true);
        graph = worker.graph();

        // link add br0 type bridge; link add p0/p1 type tap; link set p0/p1 master br0
        Interface br0 = Interface.bridge(BRIDGE, "br0", BRIDGE_MAC, 1500);
        context.fdbs.create(BRIDGE, 65_536, 65_536, 300_000);
        fdb = context.fdbs.get(BRIDGE);
        interfaces.put(br0);
        sink0 = new MemoryFrameSink("p0");
        sink1 = new MemoryFrameSink("p1");
        p0 = new Port(P0, "p0", sink0, new PortCounters(counterFile, "p0"));
        Port p1 = new Port(P1, "p1", sink1, new PortCounters(counterFile, "p1"));
        interfaces.put(Interface.forPort(3, p0, 0x02_00_00_00_0b_00L, 1500));
        interfaces.put(Interface.forPort(4, p1, 0x02_00_00_00_0b_01L, 1500));
        for (Port p : new Port[] {p0, p1}) {
            p.counters().enableBridge();
            p.upper(br0);
            ports.put(p);
        }
        br0.members(new Port[] {p0, p1});

        // the hosts, learned as traffic would teach them (a frame from each destination first)
        int pairs = macs == 2 ? 1 : 65_536;
        int hostsPerSide = macs / 2;
        long[] sources = new long[hostsPerSide];
        long[] targets = new long[hostsPerSide];
        if (macs == 2) {
            sources[0] = HOST_A;
            targets[0] = HOST_B;
        } else {
            // random locally administered unicast MACs: 02:xx.. on p0, 06:xx.. on p1, all different
            SplittableRandom random = new SplittableRandom(77);
            java.util.Set<Long> seen = new java.util.HashSet<>();
            for (int i = 0; i < hostsPerSide; i++) {
                long low;
                do {
                    low = random.nextLong() & 0x00FF_FFFF_FFFFL;
                } while (!seen.add(low));
                sources[i] = 0x0200_0000_0000L | low;
                targets[i] = 0x0600_0000_0000L | low;
            }
        }
        long nowMillis = context.nowNanos / 1_000_000;
        for (int i = 0; i < hostsPerSide; i++) {
            fdb.learn(0, sources[i], P0, nowMillis);
            fdb.learn(0, targets[i], P1, nowMillis);
        }
        if (fdb.size() != macs) {
            throw new IllegalStateException("BridgeBenchmark: the FDB holds " + fdb.size() + " entries, not " + macs);
        }
        learnedAtStart = fdb.size();
        word0 = new long[pairs];
        word1 = new int[pairs];
        destinations = new long[pairs];
        UnsafeBuffer scratch = new UnsafeBuffer(new byte[frameSize]);
        SplittableRandom pick = new SplittableRandom(1812);
        for (int i = 0; i < pairs; i++) {
            long source = sources[pairs == 1 ? 0 : pick.nextInt(hostsPerSide)];
            long destination = targets[pairs == 1 ? 0 : pick.nextInt(hostsPerSide)];
            MacAddress.put(scratch, 0, destination);
            MacAddress.put(scratch, 6, source);
            word0[i] = scratch.getLong(0);
            word1[i] = scratch.getInt(8);
            destinations[i] = destination;
        }
        mask = pairs - 1;
        // every slot holds an IPv4/UDP-typed frame; each op restores only its 12 address bytes
        UnsafeBuffer template = new UnsafeBuffer(new byte[frameSize]);
        ForwardingBenchmark.buildFrame(template, frameSize, 0xC6336401); // IPv4 + UDP, as a host would send
        for (int s = 0; s < 1024; s++) {
            frames.putBytes(pool.frameOffset(s), template, 0, frameSize);
        }
        verify();
    }

    /** Runs a few frames with capture on and checks them; throws if anything is off. */
    private void verify() {
        sink1.capture = true;
        for (int i = 0; i < Math.min(64, destinations.length); i++) {
            long before = sink1.frames;
            long destination = destinations[next];
            bridge();
            context.flushTransmit();
            if (sink1.frames != before + 1 || sink1.lastLength != frameSize
                || MacAddress.get(new UnsafeBuffer(sink1.lastFrame), 0) != destination) {
                throw new IllegalStateException("BridgeBenchmark: frame " + i + " to " + MacAddress.format(destination)
                    + " not bridged to p1 (out " + (sink1.frames - before) + ", length " + sink1.lastLength
                    + "); drops: " + drops());
            }
        }
        sink1.capture = false;
        if (sink0.frames != 0) {
            throw new IllegalStateException("BridgeBenchmark: " + sink0.frames + " frames went back out of p0");
        }
    }

    @TearDown(Level.Trial)
    public void check() {
        context.flushTransmit();
        long in = received - harnessOps;
        long forwarded = counters.events(Event.FORWARDED);
        long portForwarded = p0.counters().bridgeSum(1);
        long flooded = p0.counters().bridgeSum(0);
        if (sink1.frames != in || forwarded != in || portForwarded != in || flooded != 0 || sink0.frames != 0
            || fdb.size() != learnedAtStart || !drops().isEmpty() || in == 0) {
            throw new IllegalStateException("BridgeBenchmark: " + in + " frames in, " + sink1.frames + " out of p1, "
                + sink0.frames + " out of p0, event forwarded " + forwarded + ", p0 forwarded " + portForwarded
                + " flooded " + flooded + ", fdb " + fdb.size() + " (was " + learnedAtStart + "); drops: " + drops());
        }
        System.out.println();
        System.out.println("BridgeBenchmark check: " + in + " frames in, " + sink1.frames
            + " bridged out of p1, none flooded, no drops, FDB " + fdb.size() + " entries");
    }

    private String drops() {
        StringBuilder text = new StringBuilder();
        for (DropReason reason : DropReason.values()) {
            long n = counters.drops(reason);
            if (n != 0) {
                text.append(reason.counterName()).append('=').append(n).append(' ');
            }
        }
        return text.toString().trim();
    }

    /** A slot that holds the frame, its addresses restored, the packet reset to it (as RX leaves it). */
    private void prepare() {
        if (++sinceFlush >= FLUSH_EVERY) {
            sinceFlush = 0;
            context.flushTransmit();
        }
        int slot = pool.allocate();
        if (slot < 0) {
            throw new IllegalStateException("frame pool exhausted: slots are not coming back");
        }
        int offset = pool.frameOffset(slot);
        int i = next;
        frames.putLong(offset, word0[i]);
        frames.putInt(offset + 8, word1[i]);
        next = (i + 1) & mask;
        packet.reset(slot, offset, frameSize, P0);
    }

    /** One frame in on p0: learn its source, look up its destination, out of p1. */
    @Benchmark
    public void bridge() {
        prepare();
        graph.receive(packet);
        received++;
    }

    /**
     * {@link #bridge} in a JVM started with {@code -Dagrona.disable.bounds.checks=true}, as
     * {@code bin/routerd} runs: the figure to hold against the target.
     */
    @Benchmark
    @Fork(value = 1, jvmArgsPrepend = "-Dagrona.disable.bounds.checks=true")
    public void bridgeNoBoundsChecks() {
        bridge();
    }

    /** Control: {@link #prepare} and the slot's release without the graph. */
    @Benchmark
    public void harnessOnly() {
        prepare();
        pool.free(packet.slot);
        received++;
        harnessOps++;
    }
}
