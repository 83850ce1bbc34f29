package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.event.EventRing;
import net.taprouter.dataplane.event.EventTap;
import net.taprouter.dataplane.neigh.NeighbourEvents;
import net.taprouter.dataplane.neigh.NeighbourState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Neighbour aging: REACHABLE, STALE after 30 s, unicast probes when used, removal. */
class ArpAgingTest extends GraphTestBase {
    /** Who-has B tell R1, unicast to B's known MAC. */
    private static final String PROBE_FOR_B = Wire.hex(
        Wire.ether(B_MAC, P1_MAC, Wire.ETHERTYPE_ARP, Wire.arp(1, P1_MAC, R1, 0, B)));

    @BeforeEach
    void learnB() {
        fx.resolve(0, A, A_MAC);
        // B asks for the router: B is learned REACHABLE at START
        fx.receive(1, Wire.ether(BROADCAST_MAC, B_MAC, Wire.ETHERTYPE_ARP, Wire.arp(1, B_MAC, B, 0, R1)));
        fx.tap1.take();
        fx.assertNeighbour(1, B, NeighbourState.REACHABLE, B_MAC);
        fx.markCounters();
    }

    @Test
    void reachableBecomesStaleAfter30Seconds() {
        fx.timer(30 * SECOND - 1);
        fx.assertNeighbour(1, B, NeighbourState.REACHABLE, B_MAC);
        fx.timer(30 * SECOND);
        fx.assertNeighbour(1, B, NeighbourState.STALE, B_MAC);
        fx.assertNothingWritten();
        fx.assertCounters();
    }

    @Test
    void aStaleNeighbourIsUsedAndProbedByUnicast() {
        fx.timer(30 * SECOND);
        fx.timer(31 * SECOND);

        fx.receive(0, Golden.UDP_A_TO_B);

        assertEquals(List.of(PROBE_FOR_B, Golden.UDP_A_TO_B_OUT), GraphFixture.hexes(fx.tap1.take()));
        fx.assertNothingWritten();
        fx.assertNeighbour(1, B, NeighbourState.PROBE, B_MAC);
        fx.assertCounters("event.arp_requests_sent", 1, "event.forwarded", 1, "origin.sent", 1,
            "port.tap1.tx_bytes", 120, "port.tap1.tx_packets", 2);

        fx.receive(1, Golden.ARP_REPLY_FROM_B);

        fx.assertNothingWritten();
        fx.assertNeighbour(1, B, NeighbourState.REACHABLE, B_MAC);
        fx.assertCounters("event.arp_learned", 1, "event.arp_replies_received", 1, "event.local_delivered", 1);
        fx.assertNoLeak();
    }

    @Test
    void aProbedNeighbourThatNeverAnswersIsRemovedAfterThreeProbes() {
        fx.timer(30 * SECOND);
        fx.timer(31 * SECOND);
        fx.receive(0, Golden.UDP_A_TO_B);
        assertEquals(List.of(PROBE_FOR_B, Golden.UDP_A_TO_B_OUT), GraphFixture.hexes(fx.tap1.take()));

        fx.timer(32 * SECOND);
        assertEquals(PROBE_FOR_B, Wire.hex(only(fx.tap1)), "probe 2");
        fx.receive(0, Golden.UDP_A_TO_B);
        assertEquals(Golden.UDP_A_TO_B_OUT, Wire.hex(only(fx.tap1)), "still used while probing");
        fx.timer(33 * SECOND);
        assertEquals(PROBE_FOR_B, Wire.hex(only(fx.tap1)), "probe 3");
        fx.assertNeighbour(1, B, NeighbourState.PROBE, B_MAC);
        fx.timer(34 * SECOND);
        fx.assertNothingWritten();
        assertEquals(-1, fx.neighbour(1, B), "removed after 3 unanswered probes");
        fx.assertCounters("event.arp_requests_sent", 3, "event.forwarded", 2, "origin.sent", 3,
            "port.tap1.tx_bytes", 282, "port.tap1.tx_packets", 5);

        fx.receive(0, Golden.UDP_A_TO_B);

        assertEquals(Golden.ARP_REQUEST_FOR_B, Wire.hex(only(fx.tap1)), "resolution starts over, broadcast");
        fx.assertNoLeak(1);
    }

    @Test
    void anUnusedStaleNeighbourIsCollectedAfter300Seconds() {
        fx.timer(30 * SECOND);
        fx.timer(300 * SECOND - 1);
        fx.assertNeighbour(1, B, NeighbourState.STALE, B_MAC);
        fx.timer(300 * SECOND);
        assertEquals(-1, fx.neighbour(1, B));
        fx.assertNothingWritten();
        fx.assertCounters();
    }

    @Test
    void aPermanentNeighbourNeverAges() {
        for (int s = 0; s <= 3600; s += 10) {
            fx.timer(s * SECOND);
        }
        fx.assertNeighbour(0, A, NeighbourState.PERMANENT, A_MAC);
        fx.assertNothingWritten();
        fx.assertCounters();
    }

    /** {@code monitor neigh}: what ARP changes by itself, in order; nothing while unarmed. */
    @Test
    void arpsOwnChangesAreEventsForMonitorNeigh() {
        EventRing ring = new EventRing(1 << 16);
        fx.context.neighbours.events.tap.arm(new EventTap.Session(4, NeighbourEvents.ALL, ring));
        fx.timer(30 * SECOND); // STALE
        fx.timer(31 * SECOND);
        fx.receive(0, Golden.UDP_A_TO_B); // used while stale: PROBE
        fx.tap1.take();
        fx.timer(32 * SECOND);
        fx.timer(33 * SECOND);
        fx.timer(34 * SECOND); // third probe unanswered: FAILED, then gone
        fx.tap1.take();
        fx.receive(0, Golden.UDP_A_TO_B); // INCOMPLETE again (not an event: ip monitor does not show it either)
        fx.tap1.take();
        fx.receive(1, Golden.ARP_REPLY_FROM_B); // resolved
        fx.tap1.take();
        List<NeighbourEvents.Event> seen = new ArrayList<>();
        ring.drain((type, buffer, index, length) -> seen.add(NeighbourEvents.event(type, buffer, index)), 100);
        assertEquals(List.of(
            new NeighbourEvents.Event(NeighbourEvents.CHANGED, 1, B, B_MAC, NeighbourState.STALE),
            new NeighbourEvents.Event(NeighbourEvents.CHANGED, 1, B, B_MAC, NeighbourState.PROBE),
            new NeighbourEvents.Event(NeighbourEvents.CHANGED, 1, B, B_MAC, NeighbourState.FAILED),
            new NeighbourEvents.Event(NeighbourEvents.DELETED, 1, B, B_MAC, NeighbourState.FAILED),
            new NeighbourEvents.Event(NeighbourEvents.CHANGED, 1, B, B_MAC, NeighbourState.REACHABLE)), seen);
        fx.receive(1, Golden.ARP_REPLY_FROM_B); // the same MAC again: a refresh, no event
        ring.drain((type, buffer, index, length) -> seen.add(NeighbourEvents.event(type, buffer, index)), 100);
        assertEquals(5, seen.size(), seen.toString());
        fx.context.neighbours.events.tap.disarm(4);
        fx.timer(70 * SECOND);
        ring.drain((type, buffer, index, length) -> seen.add(NeighbourEvents.event(type, buffer, index)), 100);
        assertEquals(5, seen.size(), "disarmed: nothing written");
        fx.assertNoLeak();
    }
}
