package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.conntrack.ConntrackEntry;
import net.taprouter.dataplane.conntrack.ConntrackFilter;
import net.taprouter.dataplane.conntrack.ConntrackHooks;
import net.taprouter.dataplane.conntrack.ConntrackTable;
import net.taprouter.dataplane.conntrack.FlowTable;
import net.taprouter.dataplane.conntrack.TcpStates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Connection tracking in the real graph (no NAT rules): flows made at postrouting for forwarded
 * first packets only, found in both directions, TCP states and ASSURED as nf_conntrack sets them,
 * UDP unreplied/stream timeouts, ICMP echo by identifier, expiry by the timer's sweep, early_drop
 * and drop when full, INVALID not forwarded.
 */
class ConntrackGraphTest {
    static final long A_MAC = GraphFixture.HOST_A_MAC;
    static final long B_MAC = GraphFixture.HOST_B_MAC;
    static final long P0 = GraphFixture.PORT0_MAC;
    static final long P1 = GraphFixture.PORT1_MAC;
    static final long SECOND = GraphFixture.SECOND;

    GraphFixture fx;
    ConntrackTable table;

    @BeforeEach
    void setUp() {
        fx = new GraphFixture(ConntrackHooks.all());
        fx.worker.startConntrack();
        table = fx.context.conntrack;
        fx.resolve(0, GraphFixture.HOST_A, A_MAC);
        fx.resolve(1, GraphFixture.HOST_B, B_MAC);
        fx.markCounters();
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    List<ConntrackEntry> entries() {
        return table.slice(ConntrackFilter.ALL, 0, 10_000, false, table.seconds(fx.context.nowNanos)).entries();
    }

    List<String> described() {
        List<String> list = new ArrayList<>();
        for (ConntrackEntry e : entries()) {
            list.add(Flows.describe(e));
        }
        return list;
    }

    ConntrackEntry flow() {
        List<ConntrackEntry> all = entries();
        assertEquals(1, all.size(), "flows: " + described());
        return all.get(0);
    }

    @Test
    void nothingIsTrackedOrAllocatedBeforeTrackingStarts() {
        try (GraphFixture idle = new GraphFixture(ConntrackHooks.all())) {
            ConntrackTable notStarted = idle.context.conntrack;
            assertFalse(notStarted.started());
            int max = notStarted.maxFlows();
            assertTrue(max > 1, "conntrack max as configured");
            assertEquals(1, notStarted.flows().maxFlows(), "no flow storage until the first NAT rule");
            assertEquals(0, idle.graph.hook(Hook.PREROUTING).runningLength());
            assertEquals(0, idle.graph.hook(Hook.POSTROUTING).runningLength());
            idle.resolve(0, GraphFixture.HOST_A, A_MAC);
            idle.resolve(1, GraphFixture.HOST_B, B_MAC);
            idle.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 20, P0, A_MAC));
            only(idle.tap1);
            assertEquals(0, notStarted.size());
            assertEquals(0, notStarted.statistics().searched(), "the conntrack stages did not run");

            idle.worker.startConntrack();
            assertTrue(notStarted.started());
            assertEquals(max, notStarted.flows().maxFlows());
            assertEquals(1, idle.graph.hook(Hook.PREROUTING).runningLength());
            assertEquals(1, idle.graph.hook(Hook.POSTROUTING).runningLength());
            idle.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 20, P0, A_MAC));
            only(idle.tap1);
            assertEquals(1, notStarted.size(), "tracked once started");
        }
    }

    @Test
    void udpFlowIsMadeRepliedThenAStream() {
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 20, P0, A_MAC));
        byte[] out = only(fx.tap1);
        Flows.assertChecksums(out);
        assertEquals(List.of("udp 192.0.2.1:40000>198.51.100.1:9 | 198.51.100.1:9>192.0.2.1:40000 UNREPLIED"), described());
        assertEquals(30, flow().timeout(), "UDP unreplied timeout");
        fx.assertCounters("event.forwarded", 1, "port.tap1.tx_packets", 1, "port.tap1.tx_bytes", out.length);

        fx.timer(SECOND);
        fx.receive(1, Flows.udp("198.51.100.1", 9, "192.0.2.1", 40000, 20, P1, B_MAC));
        only(fx.tap0);
        assertEquals(List.of("udp 192.0.2.1:40000>198.51.100.1:9 | 198.51.100.1:9>192.0.2.1:40000"), described());
        assertEquals(30, flow().timeout(), "the first reply still has the unreplied timeout");

        fx.timer(3 * SECOND); // more than 2 s after the first packet: a stream
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 20, P0, A_MAC));
        only(fx.tap1);
        assertEquals(List.of("udp 192.0.2.1:40000>198.51.100.1:9 | 198.51.100.1:9>192.0.2.1:40000 ASSURED"), described());
        assertEquals(120, flow().timeout(), "UDP stream timeout");
        assertEquals(2, flow().origPackets());
        assertEquals(1, flow().replyPackets());
        fx.assertNoLeak();
    }

    @Test
    void tcpHandshakeEstablishesAndAssures() {
        fx.receive(0, Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 80, Flows.SYN, 100, 0, 0, P0, A_MAC));
        only(fx.tap1);
        assertEquals(TcpStates.SYN_SENT, flow().state());
        assertEquals(120, flow().timeout());
        fx.receive(1, Flows.tcp("198.51.100.1", 80, "192.0.2.1", 40000, Flows.SYN | Flows.ACK, 500, 101, 0, P1, B_MAC));
        only(fx.tap0);
        assertEquals(TcpStates.SYN_RECV, flow().state());
        assertEquals(false, flow().assured());
        fx.receive(0, Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 80, Flows.ACK, 101, 501, 0, P0, A_MAC));
        only(fx.tap1);
        assertEquals(TcpStates.ESTABLISHED, flow().state());
        assertEquals(true, flow().assured());
        assertEquals(432_000, flow().timeout());
        fx.receive(0, Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 80, Flows.FIN | Flows.ACK, 101, 501, 0, P0, A_MAC));
        only(fx.tap1);
        assertEquals(TcpStates.FIN_WAIT, flow().state());
        assertEquals(120, flow().timeout());
        fx.assertNoLeak();
    }

    @Test
    void aTcpSegmentThatStartsNothingIsInvalidAndNotForwarded() {
        fx.receive(0, Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 80, Flows.SYN | Flows.ACK, 100, 1, 0, P0, A_MAC));
        fx.assertNothingWritten();
        assertEquals(List.of(), described());
        fx.assertCounters("drop.conntrack_invalid", 1, "port.tap0.rx_drops", 1);
        assertEquals(1, table.statistics().invalid());
        fx.assertNoLeak();
    }

    @Test
    void anAckPicksUpAFlowMidStreamWithTheShortTimeoutUntilAnswered() {
        fx.receive(0, Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 80, Flows.ACK, 100, 1, 10, P0, A_MAC));
        only(fx.tap1);
        assertEquals(TcpStates.ESTABLISHED, flow().state());
        assertEquals(300, flow().timeout(), "picked up, unanswered: at most the unacknowledged timeout");
        fx.receive(1, Flows.tcp("198.51.100.1", 80, "192.0.2.1", 40000, Flows.ACK, 1, 110, 0, P1, B_MAC));
        only(fx.tap0);
        assertEquals(false, flow().assured(), "the first answer only marks the reply seen");
        fx.receive(0, Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 80, Flows.ACK, 110, 1, 10, P0, A_MAC));
        only(fx.tap1);
        assertEquals(true, flow().assured(), "a valid answer to a picked-up flow assures it");
        assertEquals(432_000, flow().timeout());
        fx.assertNoLeak();
    }

    @Test
    void aRstAsTheOnlyReplyEndsTheFlowAtOnce() {
        fx.receive(0, Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 81, Flows.SYN, 100, 0, 0, P0, A_MAC));
        only(fx.tap1);
        fx.receive(1, Flows.tcp("198.51.100.1", 81, "192.0.2.1", 40000, Flows.RST | Flows.ACK, 0, 101, 0, P1, B_MAC));
        only(fx.tap0);
        assertEquals(List.of(), described(), "the flow is dead");
        fx.timer(SECOND);
        assertEquals(0, table.size(), "and swept");
        fx.assertNoLeak();
    }

    @Test
    void icmpEchoIsOneFlowByIdentifierAndARequestTheOtherWayIsAnother() {
        fx.receive(0, Flows.echo("192.0.2.1", "198.51.100.1", 8, 0x1234, 1, P0, A_MAC));
        only(fx.tap1);
        fx.receive(1, Flows.echo("198.51.100.1", "192.0.2.1", 0, 0x1234, 1, P1, B_MAC));
        only(fx.tap0);
        ConntrackEntry e = flow();
        assertEquals(1, e.protocol());
        assertEquals(0x1234 << 16 | 8 << 8, e.origPorts(), "id, type 8, code 0");
        assertEquals(0x1234 << 16, e.replyPorts(), "id, type 0, code 0");
        assertEquals(false, e.unreplied());
        fx.receive(1, Flows.echo("198.51.100.1", "192.0.2.1", 8, 0x1234, 1, P1, B_MAC));
        only(fx.tap0);
        assertEquals(2, entries().size(), "a request from B with the same id is a flow of its own");
        fx.receive(0, Flows.echo("192.0.2.1", "198.51.100.1", 0, 0x7777, 1, P0, A_MAC));
        only(fx.tap1);
        assertEquals(2, entries().size(), "an echo reply without a request passes untracked");
        fx.assertNoLeak();
    }

    @Test
    void packetsForTheRouterOrDroppedBeforePostroutingLeaveNoFlow() {
        fx.receive(0, Flows.echo("192.0.2.1", "192.0.2.254", 8, 7, 1, P0, A_MAC)); // answered by the router
        only(fx.tap0);
        fx.receive(0, Wire.ipv4("192.0.2.1", "198.51.100.1").ttl(1).udp(40000, 33434, new byte[8]).frame(P0, A_MAC));
        only(fx.tap0); // time exceeded
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "10.1.2.3", 9, 8, P0, A_MAC)); // no route
        only(fx.tap0);
        assertEquals(List.of(), described());
        fx.assertNoLeak();
    }

    @Test
    void flowsExpireThroughTheTimerSweep() {
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, P0, A_MAC));
        only(fx.tap1);
        fx.timer(29 * SECOND);
        assertEquals(1, table.size());
        fx.timer(30 * SECOND);
        assertEquals(List.of(), described(), "expired: no longer listed");
        for (int tick = 0; tick < 64 && table.size() > 0; tick++) {
            fx.timer(30 * SECOND + tick * 50_000_000L);
        }
        assertEquals(0, table.size(), "swept within a pass");
        // a new packet of the same tuple is a new flow
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, P0, A_MAC));
        only(fx.tap1);
        assertEquals(1, flow().origPackets());
        fx.assertNoLeak();
    }

    @Test
    void aDeadFlowNeverHidesANewOneWithItsTuple() {
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, P0, A_MAC));
        only(fx.tap1);
        fx.context.nowNanos = GraphFixture.START + 31 * SECOND; // expired, no sweep ran
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, P0, A_MAC));
        only(fx.tap1);
        assertEquals(1, table.size(), "the dead flow was removed when found, the new one made");
        assertEquals(1, flow().origPackets());
        fx.assertNoLeak();
    }

    @Test
    void aFullTableEarlyDropsAnUnassuredFlowElseDropsTheNewOne() {
        table.config().hostLimit(net.taprouter.dataplane.conntrack.ConntrackConfig.MAX_HOST_LIMIT); // one host fills the table
        table.resize(new FlowTable(2), table.seconds(fx.context.nowNanos));
        // two assured TCP flows fill it
        for (int port = 40000; port < 40002; port++) {
            fx.receive(0, Flows.tcp("192.0.2.1", port, "198.51.100.1", 80, Flows.SYN, 1, 0, 0, P0, A_MAC));
            fx.receive(1, Flows.tcp("198.51.100.1", 80, "192.0.2.1", port, Flows.SYN | Flows.ACK, 1, 2, 0, P1, B_MAC));
            fx.receive(0, Flows.tcp("192.0.2.1", port, "198.51.100.1", 80, Flows.ACK, 2, 2, 0, P0, A_MAC));
        }
        fx.tap0.take();
        fx.tap1.take();
        assertEquals(2, table.size());
        fx.markCounters();
        fx.receive(0, Flows.udp("192.0.2.1", 5000, "198.51.100.1", 9, 8, P0, A_MAC));
        fx.assertNothingWritten();
        fx.assertCounters("drop.conntrack_table_full", 1, "port.tap0.rx_drops", 1);
        assertEquals(1, table.statistics().drop());
        // established flows are undisturbed
        fx.receive(0, Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 80, Flows.ACK, 2, 2, 5, P0, A_MAC));
        only(fx.tap1);
        // an unassured flow gives way to a new one
        table.resize(new FlowTable(3), table.seconds(fx.context.nowNanos));
        fx.receive(0, Flows.udp("192.0.2.1", 5001, "198.51.100.1", 9, 8, P0, A_MAC));
        only(fx.tap1);
        assertEquals(3, table.size());
        long evictable = 0;
        for (ConntrackEntry e : entries()) {
            evictable += e.assured() ? 0 : 1;
        }
        assertEquals(1, evictable);
        // nf_conntrack looks only near the new tuple: with a tiny table every slot is near
        fx.receive(0, Flows.udp("192.0.2.1", 5002, "198.51.100.1", 9, 8, P0, A_MAC));
        only(fx.tap1);
        assertEquals(1, table.statistics().earlyDrop());
        assertEquals(3, table.size());
        assertTrue(described().contains("udp 192.0.2.1:5002>198.51.100.1:9 | 198.51.100.1:9>192.0.2.1:5002 UNREPLIED"), described().toString());
        fx.assertNoLeak();
    }

    /** conntrack hostlimit: past its limit a host's new flow is a counted drop; its flows and other hosts go on. */
    @Test
    void aHostPastItsLimitHasItsNewFlowsDropped() {
        table.config().hostLimit(2);
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, P0, A_MAC));
        fx.receive(0, Flows.udp("192.0.2.1", 40001, "198.51.100.1", 9, 8, P0, A_MAC));
        fx.tap1.take();
        fx.markCounters();
        fx.receive(0, Flows.udp("192.0.2.1", 40002, "198.51.100.1", 9, 8, P0, A_MAC));
        fx.assertNothingWritten();
        fx.assertCounters("drop.conntrack_host_limit", 1, "port.tap0.rx_drops", 1);
        assertEquals(1, table.statistics().insertFailed());
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, P0, A_MAC)); // its flow goes on
        only(fx.tap1);
        fx.receive(0, Flows.udp("192.0.2.2", 40002, "198.51.100.1", 9, 8, P0, A_MAC)); // another host is not limited
        only(fx.tap1);
        assertEquals(3, table.size());
        fx.assertNoLeak();
    }

    @Test
    void flushAndDeleteByFilter() {
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, P0, A_MAC));
        fx.receive(0, Flows.udp("192.0.2.1", 40001, "198.51.100.1", 9, 8, P0, A_MAC));
        fx.receive(0, Flows.tcp("192.0.2.1", 40002, "198.51.100.1", 80, Flows.SYN, 1, 0, 0, P0, A_MAC));
        fx.tap1.take();
        int now = table.seconds(fx.context.nowNanos);
        ConntrackFilter udpFrom40001 = new ConntrackFilter(ConntrackFilter.F_PROTOCOL | ConntrackFilter.F_ORIG_SPORT, 17, 0, 0, 0, 0,
            40001, 0, 0, 0, 0, 0);
        assertEquals(1, table.slice(udpFrom40001, 0, 100, true, now).entries().size());
        assertEquals(2, table.size());
        assertEquals(2, table.flush());
        assertEquals(0, table.size());
        fx.assertNoLeak();
    }
}
