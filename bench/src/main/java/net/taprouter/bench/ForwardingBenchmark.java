package net.taprouter.bench;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import net.taprouter.dataplane.agent.DataplaneConfig;
import net.taprouter.dataplane.agent.Worker;
import net.taprouter.dataplane.conntrack.NatRule;
import net.taprouter.dataplane.conntrack.NatRuleSet;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.pipeline.ForwardingContext;
import net.taprouter.dataplane.pipeline.ForwardingGraph;
import net.taprouter.dataplane.pipeline.Packet;
import net.taprouter.dataplane.route.PrefixFile;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.Ipv4Address;
import net.taprouter.dataplane.wire.Ipv4View;
import net.taprouter.dataplane.wire.MacAddress;

import org.agrona.BufferUtil;
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
 * The per-packet forwarding path without system calls: one received Ethernet+IPv4+UDP frame in,
 * one forwarded frame out, through the real {@link ForwardingGraph} (Ethernet input, IPv4 checks,
 * LPM lookup, TTL decrement, adjacency, MTU, transmit) into an in-memory {@link MemoryFrameSink}.
 *
 * <p>Topology (the book's): port 0 "gw0" 192.0.2.254/24, port 1 "gw1" 198.51.100.254/24, connected
 * routes and LOCAL/BROADCAST /32s as routerd installs them, a PERMANENT neighbour 198.51.100.1 on
 * port 1. The frame goes 192.0.2.1 to 198.51.100.1, in on port 0, addressed to port 0's MAC.
 *
 * <p>Parameters:
 * <ul>
 *   <li>{@code frameSize}: 64 (minimum frame) or 1514 (a 1500-byte IP packet: full MTU).</li>
 *   <li>{@code table}: {@code connected} = only the routes above, one destination;
 *       {@code bgp} = also the full BGP table (901,899 prefixes, each via one of 8 gateways
 *       198.51.100.1..8 on port 1, all PERMANENT neighbours), and every packet goes to the next
 *       of 65,536 destinations drawn at random from the table, so the lookup misses caches as a
 *       real one does.</li>
 *   <li>{@code slots}: frame pool slots (routerd's default geometry: 1024 slots of 16 KiB).</li>
 *   <li>{@code release}: {@code pool} (shared-thread routerd: slots go straight back) or
 *       {@code ring} (dedicated threads: through the slot return ring).</li>
 *   <li>{@code drainEvery}: the slot return ring is drained every N packets: 32 = once per RX
 *       batch as routerd's RX agent does, so a few dozen hot slots are reused; 1023 = only when
 *       the pool is about to run dry, so each packet lands in a slot untouched for 1023 packets
 *       (cold cache lines; the pessimistic case).</li>
 *   <li>{@code conntrack}: {@code dormant} = routerd without NAT rules (the conntrack stages are
 *       registered but not woken: nothing tracked); {@code tracked} = connection tracking started
 *       (as after a first NAT rule), no rule matching: every packet looks its flow up and
 *       refreshes it; {@code masquerade} = a MASQUERADE rule for 192.0.2.0/24 out of gw1, so every
 *       packet is also source-translated (the flow is made by the first packet, the rest find it).</li>
 * </ul>
 *
 * <p>Benchmarks (one op = one packet):
 * <ul>
 *   <li>{@code forwardCopy}: copies the whole template frame into the slot, then forwards it: the
 *       cost of the path plus a frame-sized memcpy (as if RX had just written the frame).</li>
 *   <li>{@code forwardRewrite}: every slot holds the frame already (written in setup); each op
 *       only restores what forwarding changed (Ethernet addresses, TTL, checksum; destination
 *       for {@code bgp}), so the copy is kept out of the measurement: the forwarding path proper.</li>
 * </ul>
 *
 * <p>Setup checks that a forwarded frame comes out of port 1 with TTL 63, a valid checksum and the
 * neighbour's MAC; teardown checks that every packet was forwarded and nothing dropped. Either
 * fails the run loudly.
 * <pre>
 * java -jar bench/target/benchmarks.jar ForwardingBenchmark -f 1 -wi 3 -w 2 -i 5 -r 2 -prof gc \
 *     -jvmArgsAppend "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class ForwardingBenchmark {

    static final int PORT_IN = 0;
    static final int PORT_OUT = 1;
    static final long MAC_GW0 = 0x00005e005312L;
    static final long MAC_GW1 = 0x00005e005321L;
    static final long MAC_HOST1 = 0x00005e005311L;
    static final long MAC_HOST2 = 0x00005e005322L;
    static final int HOST1 = Ipv4Address.parse("192.0.2.1");
    static final int HOST2 = Ipv4Address.parse("198.51.100.1");
    static final int GW0 = Ipv4Address.parse("192.0.2.254");
    static final int GW1 = Ipv4Address.parse("198.51.100.254");
    static final int GATEWAYS = 8;
    static final int DESTINATIONS = 1 << 16;
    static final int TTL = 64;
    static final int IP_TTL = EthernetView.HEADER_LENGTH + 8;
    static final int IP_CHECKSUM = EthernetView.HEADER_LENGTH + 10;
    static final int IP_SOURCE = EthernetView.HEADER_LENGTH + 12;
    static final int IP_DESTINATION = EthernetView.HEADER_LENGTH + 16;
    /**
     * Forwarded frames are queued and written in batches (the worker's Transmitter); routerd
     * writes them after each batch it takes from the RX ring, here every 32 packets (one RX batch).
     */
    static final int FLUSH_EVERY = 32;

    @Param({"64", "1514"})
    public int frameSize;

    @Param({"connected", "bgp"})
    public String table;

    @Param({"1024"})
    public int slots;

    @Param({"32", "1023"})
    public int drainEvery;

    /**
     * Where released slots go: {@code pool} = straight back to the free list, as in routerd's
     * default shared-thread mode; {@code ring} = through the slot return ring, as with
     * {@code --threads dedicated}.
     */
    @Param({"pool", "ring"})
    public String release;

    @Param({"dormant", "tracked", "masquerade"})
    public String conntrack;

    private FramePool pool;
    private boolean releaseToPool;
    private UnsafeBuffer frames;
    private SlotReturnRing slotReturns;
    private ForwardingGraph graph;
    private ForwardingContext context;
    private int sinceFlush;
    private DataplaneCounters counters;
    private MemoryFrameSink sinkIn;
    private MemoryFrameSink sinkOut;
    private final Packet packet = new Packet();
    private UnsafeBuffer template;
    /** Destination and matching header checksum (TTL 64) of the i-th packet; one entry for connected. */
    private int[] destination;
    /** The same destinations as stored in the frame (network byte order read as a native int). */
    private int[] destinationRaw;
    private short[] checksum;
    private int destinationMask;
    private int next;
    /** masquerade: the source address (network byte order read as a native int) to put back. */
    private int sourceRaw;
    private boolean restoreSource;
    private long ethernetWord0;
    private int ethernetWord1;
    private long received;
    private int sinceDrain;
    /** harnessOnly ops: they forward nothing, so teardown does not expect frames for them. */
    private long harnessOps;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        DataplaneConfig defaults = DataplaneConfig.defaults(null);
        if (frameSize < 64 || frameSize > 1514) {
            throw new IllegalArgumentException("frameSize must be 64..1514: " + frameSize);
        }
        if (drainEvery < 1 || drainEvery >= slots) {
            // the slot return ring holds at most slots - 1 returned slots (see allocate())
            throw new IllegalArgumentException("drainEvery must be 1.." + (slots - 1) + ": " + drainEvery);
        }
        pool = new FramePool(slots, defaults.slotSize());
        frames = pool.buffer();
        slotReturns = new SlotReturnRing(pool);
        sinkIn = new MemoryFrameSink("ns1-veth0");
        sinkOut = new MemoryFrameSink("ns2-veth0");
        BenchRouter router = new BenchRouter(defaults, pool, slotReturns, sinkIn, sinkOut);
        Worker worker = router.worker;
        RouteTable routes = router.routes;
        NextHops nextHops = router.nextHops;

        counters = worker.counters();
        context = worker.context();
        switch (conntrack) {
            case "dormant" -> { }
            case "tracked" -> worker.startConntrack();
            case "masquerade" -> {
                worker.startConntrack();
                context.conntrack.config().rules(new NatRuleSet(List.of(NatRule.masquerade(1, HOST1 & Ipv4Address.mask(24), 24, PORT_OUT))));
                restoreSource = true;
            }
            default -> throw new IllegalArgumentException("conntrack must be dormant, tracked or masquerade: " + conntrack);
        }
        context.nowNanos = System.nanoTime();
        releaseToPool = "pool".equals(release);
        context.releaseToPool(releaseToPool);
        graph = worker.graph();

        int[] gateway = new int[GATEWAYS];
        int[] gatewayHop = new int[GATEWAYS];
        for (int g = 0; g < GATEWAYS; g++) {
            gateway[g] = HOST2 + g;
            gatewayHop[g] = nextHops.acquire(NextHops.TYPE_GATEWAY, PORT_OUT, gateway[g]);
            graph.resolver().addPermanent(PORT_OUT, gateway[g], MAC_HOST2 + g);
        }
        if ("bgp".equals(table)) {
            List<int[]> prefixes = PrefixFile.load(bgpFile());
            for (int i = 0; i < prefixes.size(); i++) {
                int[] p = prefixes.get(i);
                routes.add(p[0], p[1], gatewayHop[i % GATEWAYS]);
            }
            SplittableRandom random = new SplittableRandom(1812);
            destination = new int[DESTINATIONS];
            int n = 0;
            while (n < DESTINATIONS) {
                int[] p = prefixes.get(random.nextInt(prefixes.size()));
                int host = p[1] == 0 ? -1 : (int) (0xFFFF_FFFFL >>> p[1]);
                int address = p[0] | (random.nextInt() & host);
                int hop = routes.lookup(address);
                if (hop != RouteTable.NO_ROUTE && nextHops.type(hop) == NextHops.TYPE_GATEWAY
                    && !Ipv4Address.isMulticast(address) && !Ipv4Address.isLoopback(address)
                    && !Ipv4Address.isThisNetwork(address) && !Ipv4Address.isReservedClassE(address)
                    && !Ipv4Address.isLimitedBroadcast(address)) {
                    destination[n++] = address;
                }
            }
        } else {
            destination = new int[]{HOST2};
        }
        destinationMask = destination.length - 1;

        template = new UnsafeBuffer(BufferUtil.allocateDirectAligned(2048, 64));
        buildFrame(template, frameSize, destination[0]);
        checksum = new short[destination.length];
        destinationRaw = new int[destination.length];
        Ipv4View ip = new Ipv4View();
        ip.wrap(template, EthernetView.HEADER_LENGTH, frameSize - EthernetView.HEADER_LENGTH);
        for (int i = 0; i < destination.length; i++) {
            ip.destination(destination[i]);
            ip.updateHeaderChecksum();
            checksum[i] = template.getShort(IP_CHECKSUM);
            destinationRaw[i] = template.getInt(IP_DESTINATION);
        }
        ip.destination(destination[0]);
        ip.updateHeaderChecksum();
        sourceRaw = template.getInt(IP_SOURCE);
        ethernetWord0 = template.getLong(0);
        ethernetWord1 = template.getInt(8);
        // forwardRewrite expects every slot to hold the frame already
        for (int s = 0; s < slots; s++) {
            frames.putBytes(pool.frameOffset(s), template, 0, frameSize);
        }

        verifyForwarding(false);
    }

    static Path bgpFile() {
        return PrefixFile.bgpTable();
    }

    /** Ethernet (host 1 to gw0) + IPv4 (192.0.2.1 to dst, TTL 64, DF) + UDP 40000 to 5201 + zero payload. */
    static void buildFrame(UnsafeBuffer frame, int length, int dst) {
        frame.setMemory(0, length, (byte) 0);
        EthernetView ethernet = new EthernetView();
        ethernet.wrap(frame, 0, length);
        ethernet.destination(MAC_GW0);
        ethernet.source(MAC_HOST1);
        ethernet.etherType(EthernetView.ETHERTYPE_IPV4);
        int ipLength = length - EthernetView.HEADER_LENGTH;
        Ipv4View ip = new Ipv4View();
        ip.wrapNew(frame, EthernetView.HEADER_LENGTH, ipLength);
        ip.totalLength(ipLength);
        ip.identification(0x1234);
        ip.flagsFragment(Ipv4View.FLAG_DONT_FRAGMENT);
        ip.ttl(TTL);
        ip.protocol(Ipv4View.PROTO_UDP);
        ip.source(HOST1);
        ip.destination(dst);
        ip.updateHeaderChecksum();
        int udp = EthernetView.HEADER_LENGTH + Ipv4View.MIN_HEADER_LENGTH;
        frame.putShort(udp, (short) 40000, ByteOrder.BIG_ENDIAN);
        frame.putShort(udp + 2, (short) 5201, ByteOrder.BIG_ENDIAN);
        frame.putShort(udp + 4, (short) (ipLength - Ipv4View.MIN_HEADER_LENGTH), ByteOrder.BIG_ENDIAN);
        frame.putShort(udp + 6, (short) 0, ByteOrder.BIG_ENDIAN); // no UDP checksum (allowed in IPv4)
    }

    /** Sends a few packets with capture on and checks what came out; throws if anything is off. */
    private void verifyForwarding(boolean rewrite) {
        sinkOut.capture = true;
        int checks = Math.min(destination.length, 64);
        for (int i = 0; i < checks; i++) {
            long before = sinkOut.frames;
            int expectedDestination = destination[next];
            if (rewrite) {
                forwardRewrite();
            } else {
                forwardCopy();
            }
            context.flushTransmit();
            if (sinkOut.frames != before + 1) {
                throw new IllegalStateException("ForwardingBenchmark: packet " + i + " to "
                    + Ipv4Address.format(expectedDestination) + " was not forwarded; drops: " + dropSummary());
            }
            UnsafeBuffer out = new UnsafeBuffer(sinkOut.lastFrame, 0, sinkOut.lastLength);
            Ipv4View ip = new Ipv4View();
            if (sinkOut.lastLength != frameSize
                || !ip.wrap(out, EthernetView.HEADER_LENGTH, frameSize - EthernetView.HEADER_LENGTH)
                || ip.ttl() != TTL - 1 || !ip.isHeaderChecksumValid()
                || ip.destination() != expectedDestination || ip.source() != (restoreSource ? GW1 : HOST1)
                || MacAddress.get(out, 6) != MAC_GW1
                || (MacAddress.get(out, 0) - MAC_HOST2) < 0 || (MacAddress.get(out, 0) - MAC_HOST2) >= GATEWAYS) {
                throw new IllegalStateException("ForwardingBenchmark: bad forwarded frame: length " + sinkOut.lastLength
                    + " ttl " + ip.ttl() + " dst " + Ipv4Address.format(ip.destination())
                    + " eth dst " + MacAddress.format(MacAddress.get(out, 0))
                    + " eth src " + MacAddress.format(MacAddress.get(out, 6)));
            }
        }
        sinkOut.capture = false;
        if (sinkIn.frames != 0) {
            throw new IllegalStateException("ForwardingBenchmark: " + sinkIn.frames + " frames went back out of the ingress port");
        }
    }

    @TearDown(Level.Trial)
    public void verifyAll() {
        context.flushTransmit();
        verifyForwarding(true); // the in-place variant must still produce correct frames after the run
        received -= harnessOps;
        long forwarded = counters.events(Event.FORWARDED);
        if (sinkOut.frames != received || forwarded != received || sinkIn.frames != 0 || received == 0) {
            throw new IllegalStateException("ForwardingBenchmark: " + received + " packets in, " + sinkOut.frames
                + " out of port 1, " + sinkIn.frames + " out of port 0, event forwarded " + forwarded
                + "; drops: " + dropSummary());
        }
        String drops = dropSummary();
        if (!drops.isEmpty()) {
            throw new IllegalStateException("ForwardingBenchmark: unexpected drops: " + drops);
        }
        System.out.println();
        System.out.println("ForwardingBenchmark check: " + received + " packets in, " + sinkOut.frames
            + " forwarded out of port 1 (" + sinkOut.bytes + " bytes), no drops");
    }

    private String dropSummary() {
        StringBuilder text = new StringBuilder();
        for (DropReason reason : DropReason.values()) {
            long n = counters.drops(reason);
            if (n != 0) {
                text.append(reason.counterName()).append('=').append(n).append(' ');
            }
            long origin = counters.originDrops(reason);
            if (origin != 0) {
                text.append("origin.").append(reason.counterName()).append('=').append(origin).append(' ');
            }
        }
        return text.toString().trim();
    }

    /**
     * A free slot. Every {@code drainEvery} packets the slot return ring is drained first, as the
     * RX agent does at the start of each duty cycle (32: one RX batch; 1023: only when the pool is
     * about to run dry, so packets rotate through every slot). Not 1024: the ring (Agrona
     * OneToOneRingBuffer of slots * 16 bytes) holds only slots - 1 returned slots, and one read()
     * stops at the end of the buffer, hence the loop.
     */
    private int allocate() {
        if (++sinceFlush >= FLUSH_EVERY) {
            sinceFlush = 0;
            context.flushTransmit();
        }
        if (++sinceDrain >= drainEvery) {
            sinceDrain = 0;
            context.flushTransmit(); // the slots of queued frames come back with the others

            while (slotReturns.drain() > 0) {
                // until empty
            }
        }
        int slot = pool.allocate();
        if (slot < 0) {
            throw new IllegalStateException("frame pool exhausted: slots are not coming back");
        }
        return slot;
    }

    /** Whole frame copied into the slot, then forwarded. */
    @Benchmark
    public void forwardCopy() {
        int slot = allocate();
        int offset = pool.frameOffset(slot);
        UnsafeBuffer buffer = frames;
        buffer.putBytes(offset, template, 0, frameSize);
        int i = next;
        if (destinationMask != 0) {
            buffer.putInt(offset + IP_DESTINATION, destinationRaw[i]);
            buffer.putShort(offset + IP_CHECKSUM, checksum[i]);
            next = (i + 1) & destinationMask;
        }
        packet.reset(slot, offset, frameSize, PORT_IN);
        graph.receive(packet);
        received++;
    }

    /**
     * forwardRewrite in a JVM started with {@code -Dagrona.disable.bounds.checks=true}: how much of
     * the path is Agrona's per-access bounds checking (every DirectBuffer get/put checks its index).
     */
    @Benchmark
    @Fork(value = 1, jvmArgsPrepend = "-Dagrona.disable.bounds.checks=true")
    public void forwardRewriteNoBoundsChecks() {
        forwardRewrite();
    }

    /**
     * forwardRewrite in routerd's own JVM configuration ({@code bin/routerd}): bounds checks off and
     * ZGC, whose barriers differ from G1's (JMH's default: a reference store pays G1's post-write
     * barrier, a reference load pays ZGC's load barrier).
     */
    @Benchmark
    @Fork(value = 1, jvmArgsPrepend = {"-Dagrona.disable.bounds.checks=true", "-XX:+UseZGC"})
    public void forwardRewriteRouterd() {
        forwardRewrite();
    }

    /**
     * Control: what forwardRewrite does around the graph (slot allocation with the periodic drain,
     * header restore, slot release to the return ring) without the graph. forwardRewrite minus
     * this is the cost of the stages themselves.
     */
    @Benchmark
    public void harnessOnly() {
        prepareRewritten();
        if (releaseToPool) {
            pool.free(packet.slot);
        } else {
            slotReturns.release(packet.slot);
        }
        received++;
        harnessOps++;
    }

    /** The slot holds the frame already; only what forwarding changed is put back. */
    @Benchmark
    public void forwardRewrite() {
        prepareRewritten();
        graph.receive(packet);
        received++;
    }

    /**
     * A slot that holds the frame already, with only what forwarding changed put back (Ethernet
     * addresses, TTL, destination, checksum), and the packet reset to it.
     */
    private void prepareRewritten() {
        int slot = allocate();
        int offset = pool.frameOffset(slot);
        UnsafeBuffer buffer = frames;
        int i = next;
        buffer.putLong(offset, ethernetWord0);
        buffer.putInt(offset + 8, ethernetWord1);
        buffer.putByte(offset + IP_TTL, (byte) TTL);
        buffer.putInt(offset + IP_DESTINATION, destinationRaw[i]);
        if (restoreSource) {
            buffer.putInt(offset + IP_SOURCE, sourceRaw);
        }
        buffer.putShort(offset + IP_CHECKSUM, checksum[i]);
        next = (i + 1) & destinationMask;
        packet.reset(slot, offset, frameSize, PORT_IN);
    }
}
