package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.conntrack.ConntrackEntry;
import net.taprouter.dataplane.conntrack.ConntrackEvents;
import net.taprouter.dataplane.conntrack.ConntrackHooks;
import net.taprouter.dataplane.conntrack.ConntrackTable;
import net.taprouter.dataplane.conntrack.NatRule;
import net.taprouter.dataplane.conntrack.NatRuleSet;
import net.taprouter.dataplane.conntrack.TcpStates;
import net.taprouter.dataplane.event.EventRing;
import net.taprouter.dataplane.event.EventTap;
import net.taprouter.dataplane.l2.FdbEvents;
import net.taprouter.dataplane.l2.FdbTables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Events from the graph ({@code conntrack -E}, {@code monitor fdb}): a TCP flow through MASQUERADE
 * gives NEW (SYN_SENT, unreplied), UPDATE (SYN_RECV, reply seen), UPDATE (ESTABLISHED, assured),
 * UPDATE per state change and DESTROY when it goes; a plain ACK that changes nothing gives none; a
 * session's kind mask filters; a full ring loses events (counted) and forwarding goes on; nothing
 * is written while no session is armed. FDB: learned, moved, deleted (aged and flushed).
 */
class EventsGraphTest {
    static final long A_MAC = GraphFixture.HOST_A_MAC;
    static final long B_MAC = GraphFixture.HOST_B_MAC;
    static final long P0 = GraphFixture.PORT0_MAC;
    static final long P1 = GraphFixture.PORT1_MAC;

    GraphFixture fx;

    @AfterEach
    void tearDown() {
        fx.close();
    }

    ConntrackTable nat() {
        fx = new GraphFixture(ConntrackHooks.all());
        fx.worker.startConntrack(); // as the first NAT rule does
        ConntrackTable table = fx.context.conntrack;
        table.config().rules(new NatRuleSet(List.of(NatRule.masquerade(1, Wire.ip("192.0.2.0"), 24, 1))));
        fx.resolve(0, GraphFixture.HOST_A, A_MAC);
        fx.resolve(1, GraphFixture.HOST_B, B_MAC);
        return table;
    }

    record Seen(int kind, ConntrackEntry entry) {
        String text() {
            return ConntrackEvents.name(kind) + " " + (entry.protocol() == 6 ? TcpStates.name(entry.state()) : "-")
                + (entry.unreplied() ? " UNREPLIED" : "") + (entry.assured() ? " ASSURED" : "");
        }
    }

    static List<String> drain(EventRing ring) {
        List<String> seen = new ArrayList<>();
        ring.drain((type, buffer, index, length) -> seen.add(new Seen(type, ConntrackEvents.entry(buffer, index)).text()), 1000);
        return seen;
    }

    void tcp(int port, int flags, long seq, long ack) {
        if (port == 0) {
            fx.receive(0, Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 80, flags, seq, ack, 0, P0, A_MAC));
            only(fx.tap1);
        } else {
            fx.receive(1, Flows.tcp("198.51.100.1", 80, "198.51.100.254", 40000, flags, seq, ack, 0, P1, B_MAC));
            only(fx.tap0);
        }
    }

    @Test
    void aTcpFlowGivesNewUpdatesAndDestroy() {
        ConntrackTable table = nat();
        EventRing ring = new EventRing(1 << 16);
        table.events().tap.arm(new EventTap.Session(1, ConntrackEvents.ALL, ring));
        tcp(0, Flows.SYN, 100, 0);
        tcp(1, Flows.SYN | Flows.ACK, 500, 101);
        tcp(0, Flows.ACK, 101, 501);
        tcp(0, Flows.ACK | Flows.PSH, 101, 501); // no change: no event
        tcp(0, Flows.FIN | Flows.ACK, 101, 501);
        assertEquals(List.of("NEW SYN_SENT UNREPLIED", "UPDATE SYN_RECV", "UPDATE ESTABLISHED ASSURED", "UPDATE FIN_WAIT ASSURED"),
            drain(ring));
        assertEquals(1, table.flush());
        assertEquals(List.of("DESTROY FIN_WAIT ASSURED"), drain(ring));
        List<ConntrackEntry> tuples = new ArrayList<>();
        tcp(0, Flows.SYN, 1000, 0);
        ring.drain((type, buffer, index, length) -> tuples.add(ConntrackEvents.entry(buffer, index)), 10);
        ConntrackEntry e = tuples.get(0);
        assertEquals(Wire.ip("192.0.2.1"), e.origSource());
        assertEquals(Wire.ip("198.51.100.254"), e.replyDestination(), "the reply tuple as NAT made it");
        assertEquals(40000 << 16 | 80, e.origPorts());
        assertEquals(120, e.timeout());
        assertEquals(1, e.origPackets());
        assertEquals(0, ring.lost());
        fx.assertNoLeak();
    }

    @Test
    void theKindMaskFiltersAndAFullRingLosesEventsNotPackets() {
        ConntrackTable table = nat();
        EventRing ring = new EventRing(4096); // room for ~50 records of 76 bytes
        table.events().tap.arm(new EventTap.Session(7, 1 << ConntrackEvents.NEW | 1 << ConntrackEvents.DESTROY, ring));
        for (int port = 1000; port < 1200; port++) {
            fx.receive(0, Flows.udp("192.0.2.1", port, "198.51.100.1", 9, 10, P0, A_MAC));
            only(fx.tap1);
        }
        fx.receive(1, Flows.udp("198.51.100.1", 9, "198.51.100.254", 1000, 10, P1, B_MAC)); // an UPDATE: not wanted
        only(fx.tap0);
        List<String> seen = drain(ring);
        assertEquals(true, seen.size() < 200 && seen.size() > 10, "some written: " + seen.size());
        assertEquals(200 - seen.size(), ring.lost(), "the rest counted as lost");
        for (String s : seen) {
            assertEquals("NEW - UNREPLIED", s);
        }
        table.events().tap.disarm(7);
        assertEquals(false, table.events().tap.armed);
        table.flush();
        assertEquals(List.of(), drain(ring), "nothing written once disarmed");
        fx.assertNoLeak();
    }

    static final long H1 = Wire.mac("00:00:5e:00:53:01");
    static final long H2 = Wire.mac("00:00:5e:00:53:02");

    static byte[] udp(long to, long from) {
        return Wire.ipv4("198.18.0.1", "198.18.0.2").udp(40000, 9, Wire.pattern(40, 7)).frame(to, from);
    }

    @Test
    void fdbEventsLearnMoveAndDelete() {
        fx = new GraphFixture();
        fx.addBridge(FdbTables.DEFAULT_MAX_ENTRIES, FdbTables.DEFAULT_PORT_LIMIT, 300_000);
        FdbTables fdbs = fx.context.fdbs;
        EventRing ring = new EventRing(1 << 16);
        fdbs.events.tap.arm(new EventTap.Session(3, FdbEvents.ALL, ring));
        fx.receive(2, udp(H2, H1)); // learned on b1 (port 2)
        fx.receive(2, udp(H2, H1)); // refreshed: no event
        fx.receive(3, udp(H2, H1)); // moved to b2 (port 3)
        fdbs.flush(2, -1, false);
        List<FdbEvents.Event> seen = new ArrayList<>();
        ring.drain((type, buffer, index, length) -> seen.add(FdbEvents.event(type, buffer, index)), 100);
        assertEquals(List.of(new FdbEvents.Event(FdbEvents.LEARNED, 2, 0, H1, 2, false),
            new FdbEvents.Event(FdbEvents.MOVED, 2, 0, H1, 3, false),
            new FdbEvents.Event(FdbEvents.DELETED, 2, 0, H1, 3, false)), seen);
        fx.b1.take();
        fx.b2.take();
        fx.b3.take();
        fx.assertNoLeak();
    }
}
