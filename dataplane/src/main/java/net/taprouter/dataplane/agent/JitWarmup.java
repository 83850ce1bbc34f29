package net.taprouter.dataplane.agent;

import java.io.IOException;
import net.taprouter.dataplane.buffer.DescriptorRing;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.neigh.NeighbourLimits;
import net.taprouter.dataplane.pipeline.DataplaneSettings;
import net.taprouter.dataplane.pipeline.PublishedTables;
import net.taprouter.dataplane.iface.InterfaceAddress;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.GracePeriod;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.ForwardingLatency;
import net.taprouter.dataplane.tap.TapDevice;
import net.taprouter.dataplane.wire.ArpView;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.IcmpView;
import net.taprouter.dataplane.wire.Ipv4Address;
import net.taprouter.dataplane.wire.Ipv4View;
import net.taprouter.dataplane.wire.UdpView;
import net.taprouter.dataplane.trace.TraceBuffer;
import net.taprouter.dataplane.match.FrameMatch;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Compiles the forwarding path before the first real packet. Without it the first pings through
 * a fresh routerd run interpreted and take ~4x their warm time. A private copy of the dataplane
 * (its own pool, ring, tables, counters; two ports writing to /dev/null through the real
 * {@link TapDevice} write path, and two more as the ports of a bridge) forwards synthetic frames of
 * each common kind: forwarded UDP, an echo request to the router, an ARP request for it, a
 * TTL-expired packet, bridged unicast to a known and to an unknown MAC (some of them traced, so
 * the trace's path is compiled too). Nothing reaches any
 * network, nothing of the real dataplane is touched.
 */
public final class JitWarmup {
    private static final long PORT0_MAC = 0x0274_0000_0001L;
    private static final long PORT1_MAC = 0x0274_0000_0002L;
    private static final long HOST_A_MAC = 0x0274_0000_00A1L;
    private static final long HOST_B_MAC = 0x0274_0000_00B1L;
    private static final int ROUTER0 = Ipv4Address.parse("192.0.2.254");
    private static final int ROUTER1 = Ipv4Address.parse("198.51.100.254");
    private static final int HOST_A = Ipv4Address.parse("192.0.2.1");
    private static final int HOST_B = Ipv4Address.parse("198.51.100.1");
    private static final int FRAME = 98;
    /** Frames of each trace the warm-up arms: one in {@link #TRACE_EVERY} frames starts one (~7% traced). */
    private static final int TRACED = 400;
    private static final int TRACE_EVERY = 4_000;
    /** Counters of one port (PortCounters), with room to spare. */
    private static final int PORT_COUNTERS = 16;

    private JitWarmup() {
    }

    /** Forwards {@code frames} synthetic frames; returns the milliseconds it took. */
    public static long run(int frames) throws IOException {
        long start = System.nanoTime();
        FramePool pool = new FramePool(64, 2048);
        DescriptorRing ring = new DescriptorRing(64);
        SlotReturnRing slotReturns = new SlotReturnRing(pool);
        try (CounterFile counterFile = CounterFile.create(null, DataplaneCounters.COUNTERS + 4 * PORT_COUNTERS);
             TapDevice sink0 = TapDevice.discarding();
             TapDevice sink1 = TapDevice.discarding();
             TapDevice sink2 = TapDevice.discarding();
             TapDevice sink3 = TapDevice.discarding()) {
            PortTable ports = new PortTable();
            InterfaceTable interfaces = new InterfaceTable();
            RouteTable routes = new RouteTable(4, GracePeriod.NONE);
            NextHops nextHops = new NextHops(16, GracePeriod.NONE);
            DataplaneSettings settings = new DataplaneSettings();
            settings.icmpRateLimit(1_000_000, 1_000_000);
            // the worker (its counter shard) before the ports' counters
            Worker worker = Worker.build(new PublishedTables(ports, interfaces, routes, nextHops, settings), pool, slotReturns, counterFile,
                new WorkerSizes(NeighbourLimits.of(16, 4, pool.slotCount())), net.taprouter.dataplane.conntrack.ConntrackHooks.all());
            Port port0 = new Port(0, "warm0", sink0, new PortCounters(counterFile, "warm0"));
            Port port1 = new Port(1, "warm1", sink1, new PortCounters(counterFile, "warm1"));
            Interface iface0 = Interface.forPort(0, port0, PORT0_MAC, 1500);
            Interface iface1 = Interface.forPort(1, port1, PORT1_MAC, 1500);
            iface0.addresses(new InterfaceAddress[] {new InterfaceAddress(ROUTER0, 24)});
            iface1.addresses(new InterfaceAddress[] {new InterfaceAddress(ROUTER1, 24)});
            interfaces.put(iface0);
            interfaces.put(iface1);
            ports.put(port0);
            ports.put(port1);
            // a bridge (interface 2) over ports 2 and 3, HOST_A_MAC learned on port 3
            Interface bridge = Interface.bridge(2, "warmbr", PORT0_MAC + 2, 1500);
            worker.context().fdbs.create(2, 64, 64, 300_000);
            interfaces.put(bridge);
            Port[] members = new Port[2];
            TapDevice[] bridgeSinks = {sink2, sink3};
            for (int i = 0; i < 2; i++) {
                PortCounters counters = new PortCounters(counterFile, "warmb" + i);
                counters.enableBridge();
                members[i] = new Port(2 + i, "warmb" + i, bridgeSinks[i], counters);
                interfaces.put(Interface.forPort(3 + i, members[i], PORT0_MAC + 3 + i, 1500));
                members[i].upper(bridge);
                ports.put(members[i]);
            }
            bridge.members(members);
            routes.add(ROUTER0 & 0xFFFF_FF00, 24, nextHops.acquire(NextHops.TYPE_CONNECTED, 0, 0));
            routes.add(ROUTER1 & 0xFFFF_FF00, 24, nextHops.acquire(NextHops.TYPE_CONNECTED, 1, 0));
            routes.add(ROUTER0, 32, nextHops.acquire(NextHops.TYPE_LOCAL, 0, 0));
            routes.add(ROUTER1, 32, nextHops.acquire(NextHops.TYPE_LOCAL, 1, 0));
            worker.context().releaseToPool(true);
            worker.context().nowNanos = System.nanoTime();
            worker.graph().resolver().addPermanent(0, HOST_A, HOST_A_MAC);
            worker.graph().resolver().addPermanent(1, HOST_B, HOST_B_MAC);
            ForwardingAgent agent = worker.agent(ring, new ReaderEpochs(1, () -> { }), 0, new ForwardingLatency());
            UnsafeBuffer[] templates = templates();
            // the traced path too, so a first trace's timestamps are not the interpreter's: one small
            // buffer (TRACED frames, ~1.4 MiB) rewound for each trace. Three buffers of 1000 frames
            // were 11 MiB of start-up garbage (4 MiB heap pages each), enough for ZGC's warm-up
            // rule to run a cycle while routerd starts, which on the benchmark VM left 16 MiB of
            // ZGC page table resident for good (bench/RESULTS.md "Footprint", NOTES)
            TraceBuffer trace = new TraceBuffer(TRACED, -1, FrameMatch.ANY, 0);
            for (int i = 0; i < frames; i++) {
                if (i % TRACE_EVERY == TRACE_EVERY / 2) {
                    worker.context().tracer.clear();
                    trace.rewind();
                    worker.context().tracer.arm(trace);
                }
                int kind = i % templates.length;
                UnsafeBuffer template = templates[kind];
                int slot = pool.allocate();
                int offset = pool.frameOffset(slot);
                pool.buffer().putBytes(offset, template, 0, template.capacity());
                ring.offer(slot, kind < 4 ? 0 : kind == 4 ? 3 : 2, template.capacity(), System.nanoTime());
                if ((i & 15) == 15) {
                    agent.doWork();
                }
            }
            agent.doWork();
            worker.context().tracer.clear();
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /**
     * On port 0: forwarded UDP, echo request to the router, ARP request for it, UDP with TTL 1; on
     * the bridge: from A on port 3 (learned there), from B on port 2 to A (known) and to an unknown MAC.
     */
    private static UnsafeBuffer[] templates() {
        UnsafeBuffer udp = ipv4Frame(HOST_B, 64, Ipv4View.PROTO_UDP);
        UnsafeBuffer expiring = ipv4Frame(HOST_B, 1, Ipv4View.PROTO_UDP);
        UnsafeBuffer echo = ipv4Frame(ROUTER0, 64, Ipv4View.PROTO_ICMP);
        IcmpView icmp = new IcmpView();
        icmp.wrap(echo, EthernetView.HEADER_LENGTH + Ipv4View.MIN_HEADER_LENGTH, FRAME - 34);
        icmp.type(IcmpView.TYPE_ECHO_REQUEST);
        icmp.code(0);
        icmp.restOfHeader(0x1234_0001);
        icmp.updateChecksum();
        UnsafeBuffer arp = new UnsafeBuffer(new byte[EthernetView.HEADER_LENGTH + ArpView.LENGTH]);
        EthernetView ethernet = new EthernetView();
        ethernet.wrap(arp, 0, arp.capacity());
        ethernet.destination(0xFFFF_FFFF_FFFFL);
        ethernet.source(HOST_A_MAC);
        ethernet.etherType(EthernetView.ETHERTYPE_ARP);
        ArpView view = new ArpView();
        view.wrap(arp, EthernetView.HEADER_LENGTH, ArpView.LENGTH);
        view.build(ArpView.OP_REQUEST, HOST_A_MAC, HOST_A, 0, ROUTER0);
        UnsafeBuffer fromA = ipv4Frame(HOST_B, 64, Ipv4View.PROTO_UDP);
        ethernet.wrap(fromA, 0, FRAME);
        ethernet.destination(HOST_B_MAC);
        UnsafeBuffer toA = ipv4Frame(HOST_A, 64, Ipv4View.PROTO_UDP);
        ethernet.wrap(toA, 0, FRAME);
        ethernet.destination(HOST_A_MAC);
        ethernet.source(HOST_B_MAC);
        UnsafeBuffer toUnknown = ipv4Frame(HOST_A, 64, Ipv4View.PROTO_UDP);
        ethernet.wrap(toUnknown, 0, FRAME);
        ethernet.destination(HOST_A_MAC + 0x100);
        ethernet.source(HOST_B_MAC);
        return new UnsafeBuffer[] {udp, echo, arp, expiring, fromA, toA, toUnknown};
    }

    private static UnsafeBuffer ipv4Frame(int destination, int ttl, int protocol) {
        UnsafeBuffer frame = new UnsafeBuffer(new byte[FRAME]);
        EthernetView ethernet = new EthernetView();
        ethernet.wrap(frame, 0, FRAME);
        ethernet.destination(PORT0_MAC);
        ethernet.source(HOST_A_MAC);
        ethernet.etherType(EthernetView.ETHERTYPE_IPV4);
        Ipv4View ip = new Ipv4View();
        ip.wrapNew(frame, EthernetView.HEADER_LENGTH, FRAME - EthernetView.HEADER_LENGTH);
        ip.totalLength(FRAME - EthernetView.HEADER_LENGTH);
        ip.ttl(ttl);
        ip.protocol(protocol);
        ip.source(HOST_A);
        ip.destination(destination);
        ip.updateHeaderChecksum();
        if (protocol == Ipv4View.PROTO_UDP) {
            UdpView udp = new UdpView();
            udp.wrap(frame, EthernetView.HEADER_LENGTH + Ipv4View.MIN_HEADER_LENGTH, FRAME - 34);
            udp.sourcePort(40000);
            udp.destinationPort(9);
            udp.length(FRAME - 34);
        }
        return frame;
    }
}
