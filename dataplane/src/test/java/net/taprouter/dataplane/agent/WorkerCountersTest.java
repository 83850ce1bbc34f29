package net.taprouter.dataplane.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import net.taprouter.dataplane.buffer.DescriptorRing;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.neigh.NeighbourLimits;
import net.taprouter.dataplane.pipeline.DataplaneSettings;
import net.taprouter.dataplane.pipeline.PublishedTables;
import net.taprouter.dataplane.iface.InterfaceAddress;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.GracePeriod;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.stats.ForwardingLatency;
import net.taprouter.dataplane.tap.TapDevice;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.Ipv4Address;
import net.taprouter.dataplane.wire.Ipv4View;
import org.junit.jupiter.api.Test;

/**
 * Counter shards: two workers built through {@link Worker#build} and an RX shard on one counter
 * file register no label twice and share no counter (each writes its own copy), and readers see
 * the sums: {@link CounterFile#totals} and {@link PortCounters}' sums.
 */
class WorkerCountersTest {
    private static final long PORT0_MAC = 0x0200_0000_0010L;
    private static final long PORT1_MAC = 0x0200_0000_0011L;
    private static final long HOST_A_MAC = 0x0200_0000_00A1L;
    private static final long HOST_B_MAC = 0x0200_0000_00B1L;
    private static final int ROUTER0 = Ipv4Address.parse("192.0.2.254");
    private static final int ROUTER1 = Ipv4Address.parse("198.51.100.254");
    private static final int HOST_A = Ipv4Address.parse("192.0.2.1");
    private static final int HOST_B = Ipv4Address.parse("198.51.100.1");
    private static final int FRAME = 60;

    private final PortTable ports = new PortTable();
    private final InterfaceTable interfaces = new InterfaceTable();
    private final RouteTable routes = new RouteTable(4, GracePeriod.NONE);
    private final NextHops nextHops = new NextHops(16, GracePeriod.NONE);
    private final PublishedTables tables = new PublishedTables(ports, interfaces, routes, nextHops, new DataplaneSettings());
    private final FramePool pool = new FramePool(32, 2048);
    private final SlotReturnRing returns = new SlotReturnRing(pool);
    private final WorkerSizes sizes = new WorkerSizes(NeighbourLimits.of(8, 2, pool.slotCount()));

    @Test
    void twoWorkersOnOneCounterFileCountApartAndReadSummed() throws Exception {
        try (CounterFile file = CounterFile.create(null, 4096);
             TapDevice sink0 = TapDevice.discarding();
             TapDevice sink1 = TapDevice.discarding()) {
            Worker a = Worker.build(tables, pool, returns, file, sizes);
            Worker b = Worker.build(tables, pool, returns, file, sizes);
            DataplaneCounters rx = DataplaneCounters.rx(file);
            Port p0 = port(file, 0, "p0", sink0, PORT0_MAC, ROUTER0);
            Port p1 = port(file, 1, "p1", sink1, PORT1_MAC, ROUTER1);

            // no label twice, and each worker's counters are its own records
            List<String> labels = new ArrayList<>();
            file.reader().forEach((long value, int id, String label) -> labels.add(label));
            assertEquals(labels.size(), new HashSet<>(labels).size(), "duplicate labels: " + labels);
            assertTrue(labels.contains("drop.ip_bad_checksum@worker0") && labels.contains("drop.ip_bad_checksum@worker1"), labels.toString());
            assertTrue(labels.contains("drop.rx_no_buffer@rx0") && labels.contains("port.p0.rx_packets@rx0"), labels.toString());
            assertTrue(labels.contains("port.p1.tx_packets@worker0") && labels.contains("port.p1.tx_packets@worker1"), labels.toString());
            // per worker all drops and events, the RX agent its drops; per port 2 RX counters + 6 per worker
            assertEquals(2 * DataplaneCounters.COUNTERS + DataplaneCounters.RX_COUNTERS + 2 * (2 + 2 * 6), labels.size(), labels.toString());

            ForwardingAgent agentA = started(a);
            ForwardingAgent agentB = started(b);
            ring(agentA).forward(3, 1);
            ring(agentB).forward(2, 2);
            rx.drop(DropReason.RX_NO_BUFFER);
            p0.counters().rx(0).packets.getAndAddRelease(8);

            // each worker wrote only its own shard
            assertEquals(3, a.counters().events(Event.FORWARDED));
            assertEquals(2, b.counters().events(Event.FORWARDED));
            assertEquals(1, a.counters().drops(DropReason.IP_BAD_CHECKSUM));
            assertEquals(2, b.counters().drops(DropReason.IP_BAD_CHECKSUM));

            Map<String, Long> totals = file.totals();
            assertEquals(5L, totals.get("event.forwarded"));
            assertEquals(3L, totals.get("drop.ip_bad_checksum"));
            assertEquals(1L, totals.get("drop.rx_no_buffer"));
            assertEquals(5L, totals.get("port.p1.tx_packets"));
            assertEquals(5L * FRAME, totals.get("port.p1.tx_bytes"));
            assertEquals(3L, totals.get("port.p0.rx_drops"));
            assertEquals(8L, totals.get("port.p0.rx_packets"));
            assertEquals(5L, p1.counters().txPackets());
            assertEquals(5L * FRAME, p1.counters().txBytes());
            assertEquals(3L, p0.counters().rxDrops());
            assertEquals(8L, p0.counters().rxPackets());
            assertEquals(0L, p0.counters().txPackets());
            // the names in the order one worker registers them (what stats shows)
            List<String> names = new ArrayList<>(totals.keySet());
            assertEquals("drop." + DropReason.values()[0].counterName(), names.get(0));
            assertEquals(List.of("port.p0.rx_packets", "port.p0.rx_bytes", "port.p0.rx_drops", "port.p0.tx_packets",
                "port.p0.tx_bytes", "port.p0.tx_drops", "port.p0.rx_errors", "port.p0.tx_errors"),
                names.subList(names.indexOf("port.p0.rx_packets"), names.indexOf("port.p0.rx_packets") + 8));
        }
    }

    @Test
    void aShardAfterThePortsCountersIsRefused() {
        try (CounterFile file = CounterFile.create(null, 4096)) {
            Worker.build(tables, pool, returns, file, sizes);
            new PortCounters(file, "p0");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Worker.build(tables, pool, returns, file, sizes));
            assertTrue(e.getMessage().contains("build the workers first"), e.getMessage());
        }
    }

    @Test
    void aClosedPortsCountersAreFreedInTheirNameOrder() {
        try (CounterFile file = CounterFile.create(null, 4096)) {
            Worker.build(tables, pool, returns, file, sizes);
            Worker.build(tables, pool, returns, file, sizes);
            DataplaneCounters.rx(file);
            new PortCounters(file, "old").close();
            new PortCounters(file, "new");
            assertEquals(List.of("port.new.rx_packets", "port.new.rx_bytes", "port.new.rx_drops", "port.new.tx_packets",
                "port.new.tx_bytes", "port.new.tx_drops", "port.new.rx_errors", "port.new.tx_errors"),
                new ArrayList<>(file.totals().keySet()).subList(DataplaneCounters.COUNTERS, DataplaneCounters.COUNTERS + 8));
        }
    }

    private Port port(CounterFile file, int index, String name, TapDevice sink, long mac, int address) {
        Port port = new Port(index, name, sink, new PortCounters(file, name));
        Interface iface = Interface.forPort(index, port, mac, 1500);
        iface.addresses(new InterfaceAddress[] {new InterfaceAddress(address, 24)});
        interfaces.put(iface);
        ports.put(port);
        routes.add(address & 0xFFFF_FF00, 24, nextHops.acquire(NextHops.TYPE_CONNECTED, index, 0));
        routes.add(address, 32, nextHops.acquire(NextHops.TYPE_LOCAL, index, 0));
        return port;
    }

    private ForwardingAgent started(Worker worker) {
        worker.context().releaseToPool(true);
        worker.context().nowNanos = System.nanoTime();
        worker.graph().resolver().addPermanent(1, HOST_B, HOST_B_MAC);
        DescriptorRing ring = new DescriptorRing(16);
        ForwardingAgent agent = worker.agent(ring, new ReaderEpochs(1, () -> { }), 0, new ForwardingLatency());
        feeds.put(agent, ring);
        return agent;
    }

    private final Map<ForwardingAgent, DescriptorRing> feeds = new java.util.HashMap<>();

    private Feed ring(ForwardingAgent agent) {
        return new Feed(agent, feeds.get(agent));
    }

    /** Frames into one worker through its ring, as the RX agent hands them over. */
    private final class Feed {
        final ForwardingAgent agent;
        final DescriptorRing ring;

        Feed(ForwardingAgent agent, DescriptorRing ring) {
            this.agent = agent;
            this.ring = ring;
        }

        /** {@code good} frames forwarded to HOST_B, {@code bad} ones with a broken header checksum. */
        void forward(int good, int bad) {
            for (int i = 0; i < good + bad; i++) {
                int slot = pool.allocate();
                int offset = pool.frameOffset(slot);
                frame(pool, offset, i >= good);
                assertTrue(ring.offer(slot, 0, FRAME, System.nanoTime()));
            }
            agent.doWork();
            assertEquals(pool.slotCount(), pool.freeCount(), "every slot back");
        }
    }

    private static void frame(FramePool pool, int offset, boolean badChecksum) {
        EthernetView ethernet = new EthernetView();
        ethernet.wrap(pool.buffer(), offset, FRAME);
        ethernet.destination(PORT0_MAC);
        ethernet.source(HOST_A_MAC);
        ethernet.etherType(EthernetView.ETHERTYPE_IPV4);
        Ipv4View ip = new Ipv4View();
        ip.wrapNew(pool.buffer(), offset + EthernetView.HEADER_LENGTH, FRAME - EthernetView.HEADER_LENGTH);
        ip.totalLength(FRAME - EthernetView.HEADER_LENGTH);
        ip.ttl(64);
        ip.protocol(Ipv4View.PROTO_UDP);
        ip.source(HOST_A);
        ip.destination(HOST_B);
        ip.updateHeaderChecksum();
        if (badChecksum) {
            ip.ttl(63); // the checksum no longer matches
        }
    }
}
