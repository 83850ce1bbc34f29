package net.taprouter.dataplane.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

/**
 * One inside host's flood of new flows through source NAT cannot keep the outside ports from the
 * others: when no port of the new flow's class is free, a flow that never had a reply and alone
 * holds such a port gives way (counted as early_drop), as nf_conntrack's early_drop does for a
 * full table; flows that had a reply are never touched, and then the new flow is refused
 * (no mapping).
 */
class NatPortReclaimTest {
    static final int UDP = NatRewrite.PROTO_UDP;
    static final int ATTACKER = Ipv4Address.parse("192.0.2.66");
    static final int VICTIM = Ipv4Address.parse("192.0.2.1");
    static final int SERVER = Ipv4Address.parse("203.0.113.1");
    static final int OUTSIDE = Ipv4Address.parse("203.0.113.254");
    static final int NOW = 100;

    private static int create(ConntrackTable table, int source, int sourcePort, int destinationPort) {
        int ports = FlowTable.packPorts(sourcePort, destinationPort);
        return table.create(UDP, source, SERVER, ports, SERVER, ports, OUTSIDE, 0, 0, 60, NOW);
    }

    /** The attacker takes every port of the class 1-511 (source ports 1-511 to one server port). */
    private static ConntrackTable fullClass() {
        ConntrackTable table = new ConntrackTable(4096, new ConntrackConfig(), new InterfaceTable());
        table.start(new FlowTable(4096), ConntrackTable.mappingsFor(4096));
        for (int port = 1; port <= 511; port++) {
            assertTrue(create(table, ATTACKER, port, 9) >= 0, "port " + port);
        }
        return table;
    }

    @Test
    void anUnrepliedFlowGivesItsPortToAnotherHostsNewFlow() {
        ConntrackTable table = fullClass();
        assertEquals(511, table.size());
        long earlyDrops = table.stats().earlyDrop;
        int ref = create(table, VICTIM, 53, 53);
        assertTrue(ref >= 0, "the victim's flow is made: " + ref);
        assertEquals(511, table.size(), "one of the attacker's unreplied flows gave way");
        assertEquals(earlyDrops + 1, table.stats().earlyDrop);
        int outsidePort = FlowKey.destinationPort(UDP, table.flows().ports(ref >>> 1, FlowTable.REPLY));
        assertTrue(outsidePort >= 1 && outsidePort <= 511, "a port of the same class: " + outsidePort);
        for (int i = 0; i < 100; i++) { // and again and again: the attacker's flood cannot shut the victim out
            assertTrue(create(table, VICTIM, 100 + i, 53) >= 0, "victim flow " + i);
        }
    }

    @Test
    void answeredFlowsKeepTheirPorts() {
        ConntrackTable table = fullClass();
        FlowTable flows = table.flows();
        for (int flow = flows.nextInUse(0); flow != FlowTable.NONE; flow = flows.nextInUse(flow + 1)) {
            flows.addFlags(flow, FlowTable.SEEN_REPLY);
        }
        assertEquals(ConntrackTable.NO_MAPPING, create(table, VICTIM, 53, 53));
        assertEquals(511, table.size(), "nothing evicted");
    }

    /** The mapping table full of one host's unreplied UDP flows: another host's TCP flow still gets one. */
    @Test
    void aFullMappingTableMakesRoomForAnotherProtocol() {
        ConntrackConfig config = new ConntrackConfig();
        config.portLimit(ConntrackConfig.MAX_PORT_LIMIT); // no per-host limits: the reclaim alone
        config.hostLimit(ConntrackConfig.MAX_HOST_LIMIT);
        ConntrackTable table = new ConntrackTable(8192, config, new InterfaceTable());
        table.start(new FlowTable(8192), ConntrackTable.mappingsFor(4096)); // 4096 mappings
        int made = 0;
        for (int port = 1024; made < 4096; port++) {
            assertTrue(create(table, ATTACKER, port, 9) >= 0, "port " + port);
            made++;
        }
        int ports = FlowTable.packPorts(40000, 80);
        int ref = table.create(NatRewrite.PROTO_TCP, VICTIM, SERVER, ports, SERVER, ports, OUTSIDE, 0, 0x02, 60, NOW);
        assertTrue(ref >= 0, "the victim's TCP flow is made: " + ref);
        assertEquals(4096, table.size(), "one of the attacker's UDP flows gave way");
    }
}
