package net.taprouter.dataplane.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.neigh.NeighbourLimits;
import net.taprouter.dataplane.pipeline.DataplaneSettings;
import net.taprouter.dataplane.pipeline.PublishedTables;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.GracePeriod;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.tap.TapDevice;
import net.taprouter.dataplane.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

/**
 * Workers built from one set of published tables read those tables (what the control thread
 * writes is seen by every worker) and own the rest: neighbour table, counters, ICMP limiter.
 */
class WorkerTest {
    private static final int HOST = Ipv4Address.parse("192.0.2.1");

    private final PublishedTables tables = new PublishedTables(new PortTable(), new InterfaceTable(), new RouteTable(4, GracePeriod.NONE),
        new NextHops(16, GracePeriod.NONE), new DataplaneSettings());

    @Test
    void workersShareThePublishedTablesAndOwnTheirState() throws Exception {
        FramePool pool = new FramePool(16, 2048);
        SlotReturnRing returns = new SlotReturnRing(pool);
        WorkerSizes sizes = new WorkerSizes(NeighbourLimits.of(8, 2, pool.slotCount()));
        try (CounterFile fileA = CounterFile.create(null, 4096); CounterFile fileB = CounterFile.create(null, 4096);
             TapDevice sink = TapDevice.discarding()) {
            Worker a = Worker.build(tables, pool, returns, fileA, sizes);
            Worker b = Worker.build(tables, pool, returns, fileB, sizes);
            for (Worker w : new Worker[] {a, b}) {
                assertSame(tables.ports(), w.context().ports);
                assertSame(tables.interfaces(), w.context().interfaces);
                assertSame(tables.routes(), w.context().routes);
                assertSame(tables.nextHops(), w.context().nextHops);
                assertSame(tables.settings(), w.context().settings);
                assertSame(w.neighbours(), w.context().neighbours);
                assertSame(w.counters(), w.context().counters);
                assertSame(w.context(), w.graph().context());
                assertEquals(sizes.neighbours(), w.neighbours().limits());
            }
            assertNotSame(a.neighbours(), b.neighbours());
            assertNotSame(a.counters(), b.counters());
            assertNotSame(a.context().icmpLimiter, b.context().icmpLimiter);

            // a port the control thread publishes after the workers exist is seen by both
            Port port = new Port(0, "p0", sink, new PortCounters(fileA, "p0"));
            tables.interfaces().put(Interface.forPort(0, port, 0x0200_0000_00FEL, 1500));
            tables.ports().put(port);
            a.graph().resolver().addPermanent(0, HOST, 0x0200_0000_0001L);
            assertTrue(a.neighbours().find(0, HOST) >= 0, "worker a learned its neighbour");
            assertEquals(-1, b.neighbours().find(0, HOST), "worker b's neighbour table is its own");
        }
    }

    @Test
    void theSizesRouterdUsesComeFromItsConfig() {
        DataplaneConfig config = DataplaneConfig.defaults(null);
        assertEquals(NeighbourLimits.of(config.neighbours(), config.arpQueue(), config.frameSlots()),
            WorkerSizes.of(config).neighbours());
    }

    @Test
    void aMissingTableIsRefused() {
        assertThrows(IllegalArgumentException.class,
            () -> new PublishedTables(tables.ports(), tables.interfaces(), null, tables.nextHops(), tables.settings()));
        assertThrows(IllegalArgumentException.class,
            () -> new PublishedTables(tables.ports(), null, tables.routes(), tables.nextHops(), tables.settings()));
    }
}
