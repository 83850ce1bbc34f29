package net.taprouter.dataplane.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

/**
 * {@code nat portlimit}: one inside address holds at most that many outside ports (source-NAT
 * mappings, every protocol together), answered flows or not, so that no one host can take the
 * mapping table from the others (RFC 6888 REQ-4).
 */
class NatPortLimitTest {
    static final int UDP = NatRewrite.PROTO_UDP;
    static final int TCP = NatRewrite.PROTO_TCP;
    static final int HOG = Ipv4Address.parse("192.0.2.66");
    static final int OTHER = Ipv4Address.parse("192.0.2.1");
    static final int SERVER = Ipv4Address.parse("203.0.113.1");
    static final int SERVER2 = Ipv4Address.parse("203.0.113.2");
    static final int OUTSIDE = Ipv4Address.parse("203.0.113.254");
    static final int NOW = 100;

    private static int create(ConntrackTable table, int protocol, int source, int sourcePort, int server) {
        int ports = FlowTable.packPorts(sourcePort, 53);
        return table.create(protocol, source, server, ports, server, ports, OUTSIDE, 0, protocol == TCP ? 0x02 : 0, 60, NOW);
    }

    /** Every flow answered (SEEN_REPLY): nothing the mapping early_drop would take. */
    private static void answerAll(FlowTable flows) {
        for (int flow = flows.nextInUse(0); flow != FlowTable.NONE; flow = flows.nextInUse(flow + 1)) {
            flows.addFlags(flow, FlowTable.SEEN_REPLY);
        }
    }

    @Test
    void aHostStopsAtItsLimitOverEveryProtocolWhileOthersGoOn() {
        ConntrackConfig config = new ConntrackConfig();
        config.portLimit(100);
        ConntrackTable table = new ConntrackTable(4096, config, new InterfaceTable());
        table.start(new FlowTable(4096), ConntrackTable.mappingsFor(4096));
        for (int i = 0; i < 100; i++) {
            assertTrue(create(table, i < 50 ? UDP : TCP, HOG, 20000 + i, SERVER) >= 0, "flow " + i);
        }
        answerAll(table.flows());
        long failed = table.stats().insertFailed;
        assertEquals(ConntrackTable.PORT_LIMIT, create(table, UDP, HOG, 30000, SERVER));
        assertEquals(ConntrackTable.PORT_LIMIT, create(table, TCP, HOG, 30001, SERVER));
        assertEquals(failed + 2, table.stats().insertFailed);
        assertEquals(100, table.size(), "nothing evicted, nothing made");
        // a flow sharing a port it holds (endpoint-independent: another server) is not a new port
        assertTrue(create(table, UDP, HOG, 20000, SERVER2) >= 0);
        assertEquals(100, table.mappings().heldBy(HOG));
        // another host is not limited by it
        for (int i = 0; i < 100; i++) {
            assertTrue(create(table, UDP, OTHER, 20000 + i, SERVER) >= 0, "other host's flow " + i);
        }
        // a flow gone gives its port back to the host's budget
        int ref = table.lookup(UDP, HOG, SERVER, FlowTable.packPorts(20049, 53), NOW);
        assertTrue(ref >= 0);
        table.remove(ref >>> 1);
        assertEquals(99, table.mappings().heldBy(HOG));
        assertTrue(create(table, UDP, HOG, 30000, SERVER) >= 0);
        assertEquals(ConntrackTable.PORT_LIMIT, create(table, UDP, HOG, 30002, SERVER));
    }

    /** The default (auto) lets one host take a quarter of a full-size mapping table; the rest stays for the others. */
    @Test
    void theDefaultKeepsThreeQuartersOfTheMappingsFromOneHost() {
        ConntrackConfig config = new ConntrackConfig();
        config.hostLimit(ConntrackConfig.MAX_HOST_LIMIT); // the port limit alone (conntrack hostlimit's auto is as large here)
        ConntrackTable table = new ConntrackTable(65_536, config, new InterfaceTable());
        table.start(new FlowTable(65_536), ConntrackTable.mappingsFor(65_536));
        int made = 0;
        for (int port = 1024; port < 65536; port++) {
            int ref = create(table, UDP, HOG, port, SERVER);
            if (ref < 0) {
                assertEquals(ConntrackTable.PORT_LIMIT, ref);
                break;
            }
            table.flows().addFlags(ref >>> 1, FlowTable.SEEN_REPLY);
            made++;
        }
        assertEquals(65_536 / 4, made);
        for (int i = 0; i < 1000; i++) {
            assertTrue(create(table, TCP, OTHER, 1024 + i, SERVER) >= 0, "other host's flow " + i);
        }
    }

    /** auto follows the worker's mapping table: a smaller conntrack max, a smaller share. */
    @Test
    void autoIsAQuarterOfASmallerMappingTableToo() {
        ConntrackTable table = new ConntrackTable(8192, new ConntrackConfig(), new InterfaceTable());
        table.start(new FlowTable(8192), ConntrackTable.mappingsFor(4096)); // 4096 mappings
        int made = 0;
        while (create(table, UDP, HOG, 1024 + made, SERVER) >= 0) {
            made++;
        }
        assertEquals(1024, made);
        assertEquals(ConntrackTable.PORT_LIMIT, create(table, UDP, HOG, 1024 + made, SERVER));
    }

    /**
     * A host at its limit while the port class is full gets PORT_LIMIT at once: it must not make
     * another host's unreplied flow give way (the mapping early_drop) for a port it may not have.
     */
    @Test
    void aHostAtItsLimitEvictsNobody() {
        ConntrackConfig config = new ConntrackConfig();
        config.portLimit(11);
        ConntrackTable table = new ConntrackTable(4096, config, new InterfaceTable());
        table.start(new FlowTable(4096), ConntrackTable.mappingsFor(4096));
        int others = 0;
        for (int host = 100; others < 500; host++) { // the class 1-511 taken by many hosts (not HOG), unreplied
            for (int i = 0; i < 10 && others < 500; i++) {
                assertTrue(create(table, UDP, Ipv4Address.parse("192.0.2." + host), 1 + others, SERVER) >= 0);
                others++;
            }
        }
        for (int port = 501; port <= 511; port++) {
            assertTrue(create(table, UDP, HOG, port, SERVER) >= 0, "port " + port);
        }
        assertEquals(511, table.size());
        long earlyDrops = table.stats().earlyDrop;
        assertEquals(ConntrackTable.PORT_LIMIT, create(table, UDP, HOG, 100, SERVER));
        assertEquals(earlyDrops, table.stats().earlyDrop, "nobody's flow gave way");
        assertEquals(511, table.size());
    }

    /** The same with the whole mapping table in use (other hosts' unreplied flows, and the host's own). */
    @Test
    void aHostAtItsLimitEvictsNobodyWhenTheMappingTableIsFull() {
        ConntrackConfig config = new ConntrackConfig();
        config.portLimit(11);
        ConntrackTable table = new ConntrackTable(4096, config, new InterfaceTable());
        table.start(new FlowTable(4096), ConntrackTable.mappingsFor(1024)); // 1024 mappings
        int others = 0;
        for (int host = 100; others < 1013; host++) { // 192.0.2.100-201: not HOG, not OTHER
            for (int i = 0; i < 10 && others < 1013; i++) {
                assertTrue(create(table, UDP, Ipv4Address.parse("192.0.2." + host), 2000 + others, SERVER) >= 0);
                others++;
            }
        }
        for (int i = 0; i < 11; i++) {
            assertTrue(create(table, UDP, HOG, 40000 + i, SERVER) >= 0, "flow " + i);
        }
        assertEquals(1024, table.size());
        long earlyDrops = table.stats().earlyDrop;
        assertEquals(ConntrackTable.PORT_LIMIT, create(table, UDP, HOG, 50000, SERVER));
        assertEquals(earlyDrops, table.stats().earlyDrop, "nobody's flow gave way");
        assertEquals(1024, table.size());
        assertTrue(create(table, UDP, OTHER, 50000, SERVER) >= 0, "another host's new flow still gets a port (reclaim)");
    }

    @Test
    void theLimitIsBounded() {
        ConntrackConfig config = new ConntrackConfig();
        assertEquals(ConntrackConfig.AUTO, config.portLimit());
        assertThrows(IllegalArgumentException.class, () -> config.portLimit(-1));
        assertThrows(IllegalArgumentException.class, () -> config.portLimit(ConntrackConfig.MAX_PORT_LIMIT + 1));
        assertEquals(16_384, ConntrackConfig.effectivePortLimit(ConntrackConfig.AUTO, 65_536));
        assertEquals(1, ConntrackConfig.effectivePortLimit(ConntrackConfig.AUTO, 1));
        assertEquals(7, ConntrackConfig.effectivePortLimit(7, 65_536));
    }

    @Test
    void mappingsCountPerInsideAddressAndRestoredOnesToo() {
        NatMappings m = new NatMappings(64, 2);
        int a = m.acquire(UDP, HOG, 1000, OUTSIDE, 2);
        int b = m.acquire(UDP, HOG, 1001, OUTSIDE, 2);
        assertTrue(a >= 0 && b >= 0);
        assertEquals(NatMappings.PORT_LIMIT, m.acquire(UDP, HOG, 1002, OUTSIDE, 2));
        assertEquals(a, m.acquire(UDP, HOG, 1000, OUTSIDE, 2), "shared, not new");
        assertEquals(NatMappings.PORT_LIMIT, m.acquire(TCP, HOG, 1000, OUTSIDE, 2), "another protocol is a port too");
        int restored = m.acquireExact(TCP, HOG, 5000, OUTSIDE, 5000);
        assertTrue(restored >= 0, "a state file's flow keeps its port");
        assertEquals(3, m.heldBy(HOG));
        m.release(a); // shared by two flows: still held
        assertEquals(3, m.heldBy(HOG));
        m.release(a);
        m.release(b);
        m.release(restored);
        assertEquals(0, m.heldBy(HOG));
        assertTrue(m.acquire(UDP, HOG, 1002, OUTSIDE, 2) >= 0);
    }
}
