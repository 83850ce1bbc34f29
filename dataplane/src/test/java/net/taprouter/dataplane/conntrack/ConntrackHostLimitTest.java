package net.taprouter.dataplane.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

/**
 * {@code conntrack hostlimit}: one address has at most that many flows in the table as their
 * original source, answered (ASSURED, which early_drop never takes) or not, so that no one host
 * can fill the table and leave the others' new flows nothing but {@code conntrack_table_full}.
 */
class ConntrackHostLimitTest {
    static final int UDP = NatRewrite.PROTO_UDP;
    static final int TCP = NatRewrite.PROTO_TCP;
    static final int HOG = Ipv4Address.parse("192.0.2.66");
    static final int OTHER = Ipv4Address.parse("192.0.2.1");
    static final int SERVER = Ipv4Address.parse("203.0.113.1");
    /** Other hosts: 198.51.100.0 and up (none of them is HOG). */
    static final int OTHERS = Ipv4Address.parse("198.51.100.0");
    static final int NOW = 100;

    /** A routed (not NATed) flow from {@code source}:{@code sourcePort} to SERVER:53. */
    private static int create(ConntrackTable table, int protocol, int source, int sourcePort) {
        int ports = FlowTable.packPorts(sourcePort, 53);
        return table.create(protocol, source, SERVER, ports, SERVER, ports, 0, 0, protocol == TCP ? 0x02 : 0, 60, NOW);
    }

    private static ConntrackTable started(int max, ConntrackConfig config) {
        ConntrackTable table = new ConntrackTable(max, config, new InterfaceTable());
        table.start(new FlowTable(max), ConntrackTable.mappingsFor(max));
        return table;
    }

    @Test
    void aHostStopsAtItsLimitOverEveryProtocolWhileOthersGoOn() {
        ConntrackConfig config = new ConntrackConfig();
        config.hostLimit(100);
        ConntrackTable table = started(4096, config);
        for (int i = 0; i < 100; i++) {
            assertTrue(create(table, i < 50 ? UDP : TCP, HOG, 20000 + i) >= 0, "flow " + i);
        }
        long failed = table.stats().insertFailed;
        assertEquals(ConntrackTable.HOST_LIMIT, create(table, UDP, HOG, 30000));
        assertEquals(ConntrackTable.HOST_LIMIT, create(table, TCP, HOG, 30001));
        assertEquals(failed + 2, table.stats().insertFailed);
        assertEquals(100, table.size(), "nothing made");
        for (int i = 0; i < 100; i++) {
            assertTrue(create(table, UDP, OTHER, 20000 + i) >= 0, "other host's flow " + i);
        }
        // a flow gone gives its place back to its host
        int ref = table.lookup(UDP, HOG, SERVER, FlowTable.packPorts(20049, 53), NOW);
        assertTrue(ref >= 0);
        table.remove(ref >>> 1);
        assertEquals(99, table.flows().flowsFrom(HOG));
        assertTrue(create(table, UDP, HOG, 30000) >= 0);
        assertEquals(ConntrackTable.HOST_LIMIT, create(table, UDP, HOG, 30002));
        // raised at run time: the next first packet reads it
        config.hostLimit(101);
        assertTrue(create(table, UDP, HOG, 30002) >= 0);
    }

    /**
     * The default (auto): a quarter of the table. One host with answered flows (which early_drop
     * never takes) fills its quarter; three quarters stay for the others. Without the limit it
     * fills the table, and the other host's new flow finds nothing (the defect this closes).
     */
    @Test
    void theDefaultKeepsThreeQuartersOfTheTableFromOneHost() {
        ConntrackTable table = started(1024, new ConntrackConfig());
        int made = fill(table, HOG);
        assertEquals(256, made, "auto = conntrack max / 4");
        for (int i = 0; i < 768; i++) {
            assertTrue(create(table, UDP, OTHERS + i, 40000) >= 0, "other hosts' flow " + i);
        }
        assertEquals(1024, table.size());

        ConntrackConfig unlimited = new ConntrackConfig();
        unlimited.hostLimit(ConntrackConfig.MAX_HOST_LIMIT);
        ConntrackTable open = started(1024, unlimited);
        assertEquals(1024, fill(open, HOG));
        assertEquals(ConntrackTable.FULL, create(open, UDP, OTHER, 40000), "the table is the hog's");
    }

    /** Answered UDP flows from {@code source}'s ports 1024 up until one is refused: how many were made. */
    private static int fill(ConntrackTable table, int source) {
        int made = 0;
        for (int port = 1024; port < 65536; port++) {
            int ref = create(table, UDP, source, port);
            if (ref < 0) {
                assertTrue(ref == ConntrackTable.HOST_LIMIT || ref == ConntrackTable.FULL, "refused with " + ref);
                return made;
            }
            table.flows().addFlags(ref >>> 1, FlowTable.SEEN_REPLY | FlowTable.ASSURED);
            made++;
        }
        return made;
    }

    /**
     * A capped host's new flow is refused before the table-full case: it does not make early_drop
     * evict another host's unanswered flow.
     */
    @Test
    void aCappedHostDoesNotEvictAnotherHostsFlowFromAFullTable() {
        ConntrackConfig config = new ConntrackConfig();
        config.hostLimit(8);
        ConntrackTable table = started(16, config);
        for (int i = 0; i < 8; i++) {
            assertTrue(create(table, UDP, HOG, 20000 + i) >= 0);
            assertTrue(create(table, UDP, OTHERS + i, 20000) >= 0);
        }
        assertEquals(16, table.size());
        long earlyDrop = table.stats().earlyDrop;
        assertEquals(ConntrackTable.HOST_LIMIT, create(table, UDP, HOG, 30000));
        assertEquals(earlyDrop, table.stats().earlyDrop, "nobody evicted for a capped host");
        assertEquals(16, table.size());
    }

    /**
     * A closed TCP connection (TIME_WAIT, CLOSE) gives its place back at once, as Linux's connlimit
     * does not count it: a host opening and closing connections one after another is not held to
     * those waiting out TIME_WAIT (120 s). Removed later (SYN reopening it, sweep, resize), it
     * gives nothing back twice.
     */
    @Test
    void closedTcpConnectionsDoNotCount() {
        ConntrackConfig config = new ConntrackConfig();
        config.hostLimit(4);
        ConntrackTable table = started(64, config);
        FlowTable flows = table.flows();
        int[] refs = new int[4];
        for (int i = 0; i < 4; i++) {
            refs[i] = create(table, TCP, HOG, 20000 + i);
            assertTrue(refs[i] >= 0);
        }
        assertEquals(ConntrackTable.HOST_LIMIT, create(table, TCP, HOG, 30000));
        flows.state(refs[0] >>> 1, TcpStates.ESTABLISHED);
        flows.state(refs[0] >>> 1, TcpStates.FIN_WAIT);
        assertEquals(4, flows.flowsFrom(HOG), "closing is not closed");
        flows.state(refs[0] >>> 1, TcpStates.TIME_WAIT);
        flows.state(refs[1] >>> 1, TcpStates.CLOSE); // a reset
        flows.state(refs[1] >>> 1, TcpStates.CLOSE);
        assertEquals(2, flows.flowsFrom(HOG), "two closed: two places back, once each");
        assertTrue(create(table, TCP, HOG, 30000) >= 0);
        assertTrue(create(table, UDP, HOG, 30001) >= 0);
        assertEquals(ConntrackTable.HOST_LIMIT, create(table, TCP, HOG, 30002));
        assertEquals(6, flows.size(), "the closed ones are still in the table (conntrack -L shows them)");
        table.resize(new FlowTable(128), NOW);
        flows = table.flows();
        assertEquals(4, flows.flowsFrom(HOG), "a resize copies the closed ones uncounted");
        flows.sweep(NOW + 1000, 128, null);
        assertEquals(0, flows.flowsFrom(HOG), "swept: nothing given back twice");
        assertEquals(0, flows.sources());
    }

    /**
     * Closed connections no longer count toward the limit, so they must be what early_drop may
     * take when the table is full, answered (ASSURED) or not, as the kernel's tcp_can_early_drop
     * allows: a host opening, answering and closing connections in a loop cannot fill the table
     * for the 120 s of their TIME_WAIT. (Without it the other host gets {@code FULL}.)
     */
    @Test
    void closedConnectionsGiveWayWhenTheTableIsFull() {
        ConntrackTable table = started(64, new ConntrackConfig()); // auto: 16 flows a host
        for (int i = 0; i < 200; i++) {
            int ref = create(table, TCP, HOG, 30000 + i);
            assertTrue(ref >= 0, "the hog's connection " + i + ": its closed ones give way to it too");
            table.flows().addFlags(ref >>> 1, FlowTable.SEEN_REPLY | FlowTable.ASSURED); // answered
            table.flows().state(ref >>> 1, i % 2 == 0 ? TcpStates.TIME_WAIT : TcpStates.CLOSE); // and closed
        }
        assertEquals(64, table.size(), "the table is full of the hog's closed connections");
        assertEquals(0, table.flows().flowsFrom(HOG));
        long evicted = table.statistics().earlyDrop();
        assertTrue(create(table, UDP, OTHER, 5555) >= 0, "another host's new flow takes a closed one's place");
        assertEquals(evicted + 1, table.statistics().earlyDrop());
        // an established (answered) connection is still never taken
        ConntrackTable open = started(16, new ConntrackConfig());
        for (int i = 0; i < 16; i++) {
            int ref = create(open, TCP, OTHERS + i, 30000);
            open.flows().addFlags(ref >>> 1, FlowTable.SEEN_REPLY | FlowTable.ASSURED);
            open.flows().state(ref >>> 1, TcpStates.ESTABLISHED);
        }
        assertEquals(ConntrackTable.FULL, create(open, UDP, OTHER, 5555));
    }

    /** The count follows flows out by expiry, early_drop and flush, and into a resized table. */
    @Test
    void theCountFollowsExpiryEvictionFlushAndResize() {
        ConntrackConfig config = new ConntrackConfig();
        config.hostLimit(10);
        ConntrackTable table = started(64, config);
        for (int i = 0; i < 10; i++) {
            assertTrue(create(table, UDP, HOG, 20000 + i) >= 0);
        }
        table.resize(new FlowTable(128), NOW);
        assertEquals(10, table.flows().flowsFrom(HOG), "moved with its flows");
        assertEquals(ConntrackTable.HOST_LIMIT, create(table, UDP, HOG, 30000));
        // UDP unreplied lives 30 s: a sweep long after takes them all
        int later = NOW + 1000;
        table.flows().sweep(later, 128, null);
        assertEquals(0, table.flows().flowsFrom(HOG));
        assertEquals(0, table.flows().sources());
        for (int i = 0; i < 10; i++) {
            assertTrue(create(table, UDP, HOG, 20000 + i) >= 0);
        }
        assertEquals(10, table.flush());
        assertEquals(0, table.flows().flowsFrom(HOG));
    }

    @Test
    void limitsOutOfRangeAreRefused() {
        ConntrackConfig config = new ConntrackConfig();
        assertThrows(IllegalArgumentException.class, () -> config.hostLimit(-1));
        assertThrows(IllegalArgumentException.class, () -> config.hostLimit(ConntrackConfig.MAX_HOST_LIMIT + 1));
        config.hostLimit(ConntrackConfig.AUTO);
        assertEquals(ConntrackConfig.AUTO, config.hostLimit());
        assertEquals(1, ConntrackConfig.effectiveHostLimit(ConntrackConfig.AUTO, 3), "a tiny table still lets a host have one");
        assertEquals(65_536, ConntrackConfig.effectiveHostLimit(ConntrackConfig.AUTO, 262_144));
    }
}
