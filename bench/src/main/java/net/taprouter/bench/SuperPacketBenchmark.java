package net.taprouter.bench;

import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.taprouter.dataplane.agent.DataplaneConfig;
import net.taprouter.dataplane.agent.Worker;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.conntrack.NatRule;
import net.taprouter.dataplane.conntrack.NatRuleSet;
import net.taprouter.dataplane.pipeline.ForwardingContext;
import net.taprouter.dataplane.pipeline.ForwardingGraph;
import net.taprouter.dataplane.pipeline.Packet;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.Ipv4Address;
import net.taprouter.dataplane.wire.Ipv4View;
import net.taprouter.dataplane.wire.VirtioNetHeaderView;
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
 * Issue 9's "per 64 KiB super-packet ≤ 300 ns": a TCP GSO super-packet (virtio-net header
 * NEEDS_CSUM + GSO_TCPV4, gso_size 1448, 65,514-byte frame) forwarded whole from a port with
 * offloads to a port with offloads, as routerd forwards iperf3's TCP between two TAPs with
 * offloads on: TTL and IP checksum once, the partial TCP checksum kept (and, with {@code
 * conntrack=masquerade}, adjusted uncomplemented for the new source address), the virtio-net header
 * written in front. The graph is the one routerd builds ({@code Worker.build}, conntrack hooks
 * registered); ports are in-memory sinks that take a header (headroom 10, TSO accepted). Each
 * operation puts the received headers back into a large slot (the payload stays: nothing reads
 * it) and runs the graph; {@link #harnessOnly} is that without the graph. Teardown checks that
 * every super-packet left whole through the egress port and nothing was segmented or dropped.
 * <pre>
 * java -jar bench/target/benchmarks.jar SuperPacketBenchmark -prof gc \
 *     -jvmArgsAppend "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = "-Dagrona.disable.bounds.checks=true")
@State(Scope.Thread)
public class SuperPacketBenchmark {
    static final int FRAME = 65_514;
    static final int MSS = 1448;
    /** Ethernet + IPv4 + TCP (no options): what each operation restores. */
    static final int HEADERS = EthernetView.HEADER_LENGTH + Ipv4View.MIN_HEADER_LENGTH + 20;
    static final int TCP = EthernetView.HEADER_LENGTH + Ipv4View.MIN_HEADER_LENGTH;
    static final int FLUSH_EVERY = 8;

    @Param({"dormant", "masquerade"})
    public String conntrack;

    private FramePool pool;
    private UnsafeBuffer frames;
    private ForwardingGraph graph;
    private ForwardingContext context;
    private DataplaneCounters counters;
    private MemoryFrameSink sinkIn;
    private MemoryFrameSink sinkOut;
    private final Packet packet = new Packet();
    private final byte[] headers = new byte[HEADERS];
    private int sinceFlush;
    private long received;
    private long harnessOps;

    @Setup(Level.Trial)
    public void setup() {
        DataplaneConfig defaults = DataplaneConfig.defaults(null);
        pool = new FramePool(64, defaults.slotSize(), 16);
        frames = pool.buffer();
        int tso = 0x01 | 0x02; // TUN_F_CSUM | TUN_F_TSO4
        sinkIn = new MemoryFrameSink("ns1-veth0", VirtioNetHeaderView.LENGTH, tso);
        sinkOut = new MemoryFrameSink("ns2-veth0", VirtioNetHeaderView.LENGTH, tso);
        Worker worker = new BenchRouter(defaults, pool, new SlotReturnRing(pool), sinkIn, sinkOut).worker;
        int out = ForwardingBenchmark.PORT_OUT;
        counters = worker.counters();
        context = worker.context();
        context.releaseToPool(true);
        graph = worker.graph();
        graph.resolver().addPermanent(out, ForwardingBenchmark.HOST2, ForwardingBenchmark.MAC_HOST2);
        switch (conntrack) {
            case "dormant" -> { }
            case "masquerade" -> {
                worker.startConntrack();
                context.conntrack.config().rules(new NatRuleSet(List.of(
                    NatRule.masquerade(1, ForwardingBenchmark.HOST1 & Ipv4Address.mask(24), 24, out))));
            }
            default -> throw new IllegalArgumentException("conntrack must be dormant or masquerade: " + conntrack);
        }
        context.nowNanos = System.nanoTime();

        UnsafeBuffer template = new UnsafeBuffer(new byte[FRAME]);
        ForwardingBenchmark.buildFrame(template, FRAME, ForwardingBenchmark.HOST2);
        Ipv4View ip = new Ipv4View();
        ip.wrap(template, EthernetView.HEADER_LENGTH, FRAME - EthernetView.HEADER_LENGTH);
        ip.protocol(Ipv4View.PROTO_TCP);
        ip.updateHeaderChecksum();
        template.setMemory(TCP, 20, (byte) 0);
        template.putShort(TCP, (short) 40000, ByteOrder.BIG_ENDIAN);
        template.putShort(TCP + 2, (short) 5201, ByteOrder.BIG_ENDIAN);
        template.putInt(TCP + 4, 1_000_000, ByteOrder.BIG_ENDIAN);
        template.putInt(TCP + 8, 2_000_000, ByteOrder.BIG_ENDIAN);
        template.putByte(TCP + 12, (byte) 0x50);
        template.putByte(TCP + 13, (byte) 0x10); // ACK
        template.putShort(TCP + 14, (short) 0xFFFF, ByteOrder.BIG_ENDIAN);
        template.putShort(TCP + 16, (short) pseudoHeaderSum(FRAME - TCP), ByteOrder.BIG_ENDIAN); // partial: uncomplemented
        template.getBytes(0, headers, 0, HEADERS);
        for (int s = 0; s < 16; s++) {
            int slot = pool.allocateLarge();
            frames.putBytes(pool.frameOffset(slot), template, 0, FRAME);
            pool.free(slot);
        }
        verify();
    }

    /** The folded pseudo-header sum of 192.0.2.1 → 198.51.100.1, TCP, {@code length}: a partial checksum's start. */
    private static int pseudoHeaderSum(int length) {
        long sum = (ForwardingBenchmark.HOST1 >>> 16) + (ForwardingBenchmark.HOST1 & 0xFFFF)
            + (ForwardingBenchmark.HOST2 >>> 16) + (ForwardingBenchmark.HOST2 & 0xFFFF) + 6 + length;
        while (sum > 0xFFFF) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    private void prepare() {
        if (++sinceFlush >= FLUSH_EVERY) {
            sinceFlush = 0;
            context.flushTransmit();
        }
        int slot = pool.allocateLarge();
        if (slot < 0) {
            throw new IllegalStateException("no large slot: super-packets are not coming back");
        }
        int offset = pool.frameOffset(slot);
        frames.putBytes(offset, headers);
        packet.reset(slot, offset, FRAME, ForwardingBenchmark.PORT_IN);
        packet.offload.flags = VirtioNetHeaderView.FLAG_NEEDS_CSUM;
        packet.offload.gsoType = VirtioNetHeaderView.GSO_TCPV4;
        packet.offload.gsoSize = MSS;
        packet.offload.checksumStart = TCP;
        packet.offload.checksumOffset = 16;
        packet.offload.headerLength = HEADERS;
    }

    /** One super-packet through the graph. */
    @Benchmark
    public void forwardSuperPacket() {
        prepare();
        graph.receive(packet);
        received++;
    }

    /** Control: the header restore and slot handling without the graph. */
    @Benchmark
    public void harnessOnly() {
        prepare();
        pool.free(packet.slot);
        harnessOps++;
    }

    private void verify() {
        sinkOut.capture = true;
        forwardSuperPacket();
        context.flushTransmit();
        sinkOut.capture = false;
        int header = VirtioNetHeaderView.LENGTH;
        UnsafeBuffer out = new UnsafeBuffer(sinkOut.lastFrame);
        VirtioNetHeaderView vnet = new VirtioNetHeaderView();
        vnet.wrap(out, 0, header);
        int ipAt = header + EthernetView.HEADER_LENGTH; // the capture keeps the first 16 KiB: the headers are read from it
        int ttl = out.getByte(ipAt + 8) & 0xFF;
        int source = out.getInt(ipAt + 12, ByteOrder.BIG_ENDIAN);
        int sum = 0;
        for (int i = 0; i < Ipv4View.MIN_HEADER_LENGTH; i += 2) {
            sum += out.getShort(ipAt + i, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        }
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        boolean ok = sinkOut.frames == 1 && sinkOut.lastLength == FRAME && vnet.gsoType() == VirtioNetHeaderView.GSO_TCPV4
            && vnet.gsoSize() == MSS && ttl == ForwardingBenchmark.TTL - 1 && sum == 0xFFFF
            && source == ("masquerade".equals(conntrack) ? ForwardingBenchmark.GW1 : ForwardingBenchmark.HOST1);
        if (!ok) {
            throw new IllegalStateException("SuperPacketBenchmark: not forwarded whole: " + sinkOut.frames + " frames, length "
                + sinkOut.lastLength + ", gso " + vnet.gsoType() + "/" + vnet.gsoSize() + ", ttl " + ttl + ", ip sum " + sum
                + ", source " + Ipv4Address.format(source) + ", segmented " + counters.events(Event.GSO_SEGMENTED)
                + ", drops " + java.util.Arrays.stream(net.taprouter.dataplane.stats.DropReason.values())
                    .filter(r -> counters.drops(r) != 0).map(r -> r.counterName() + "=" + counters.drops(r)).toList());
        }
    }

    @TearDown(Level.Trial)
    public void check() {
        context.flushTransmit();
        long expected = received;
        if (sinkOut.frames != expected || counters.events(Event.GSO_SEGMENTED) != 0 || sinkIn.frames != 0) {
            throw new IllegalStateException("SuperPacketBenchmark: " + expected + " super-packets in, " + sinkOut.frames
                + " out whole, " + counters.events(Event.GSO_SEGMENTED) + " segmented, " + sinkIn.frames + " back out of the ingress");
        }
        System.out.println();
        System.out.println("SuperPacketBenchmark check: " + expected + " super-packets forwarded whole (" + sinkOut.bytes + " bytes), "
            + harnessOps + " harness-only operations");
    }
}
