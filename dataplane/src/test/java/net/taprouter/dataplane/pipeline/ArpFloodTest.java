package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.neigh.NeighbourLimits;
import net.taprouter.dataplane.neigh.NeighbourState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A host floods unresolvable on-link addresses: the frames held for ARP stay within their bounds
 * (per ingress port, in all), new neighbours are rate-limited and bounded per port, every refused
 * frame is counted by name, and the rest of the pool stays available to the other hosts.
 */
class ArpFloodTest {
    static final long A_MAC = GraphFixture.HOST_A_MAC;
    static final long B_MAC = GraphFixture.HOST_B_MAC;
    static final long P0_MAC = GraphFixture.PORT0_MAC;
    static final long P1_MAC = GraphFixture.PORT1_MAC;

    private GraphFixture fx;

    @AfterEach
    void close() {
        if (fx != null) {
            fx.close();
        }
    }

    private static byte[] aTo(String destination, int id) {
        byte[] ip = Wire.ipv4("192.0.2.1", destination).id(id).udp(40000, 9, Wire.pattern(20, id)).build();
        return Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, ip);
    }

    private static byte[] bToA(int id) {
        byte[] ip = Wire.ipv4("198.51.100.1", "192.0.2.1").id(id).udp(40000, 9, Wire.pattern(20, id)).build();
        return Wire.ether(P1_MAC, B_MAC, Wire.ETHERTYPE_IPV4, ip);
    }

    private void resolveHosts() {
        fx.resolve(0, GraphFixture.HOST_A, A_MAC);
        fx.resolve(1, GraphFixture.HOST_B, B_MAC);
        fx.tap0.take();
        fx.tap1.take();
        fx.markCounters();
    }

    @Test
    void oneHostsFloodHoldsAtMostItsShareOfThePool() {
        // 64 slots: 16 may wait for ARP, 4 per ingress port, 4 INCOMPLETE per port
        fx = new GraphFixture();
        resolveHosts();
        for (int i = 0; i < 40; i++) {
            fx.receive(0, aTo("198.51.100." + (10 + i), i));
        }
        assertEquals(4, fx.tap1.take().size(), "ARP requests for the first 4");
        fx.assertCounters("drop.arp_queue_port_limit", 36, "event.arp_requests_sent", 4,
            "event.neighbour_queued", 4, "origin.sent", 4, "port.tap0.rx_drops", 36, "port.tap1.tx_bytes", 168,
            "port.tap1.tx_packets", 4);
        fx.assertNoLeak(4);
        assertEquals(4, fx.neighbours.queuedFrom(0));

        // host B is not affected: its frames to A go out
        for (int i = 0; i < 50; i++) {
            fx.receive(1, bToA(i));
        }
        assertEquals(50, fx.tap0.take().size());
        fx.assertNoLeak(4);

        // the dead neighbours fail after 3 requests; their slots come back
        fx.timer(1 * GraphFixture.SECOND);
        fx.timer(2 * GraphFixture.SECOND);
        fx.timer(3 * GraphFixture.SECOND);
        fx.assertNoLeak(0);
        assertEquals(0, fx.neighbours.queuedTotal());
    }

    @Test
    void framesWaitingInAllStayUnderTheirLimit() {
        // 16 may wait in all, 8 per port: ports 0 and 1 each to dead addresses behind the other
        fx = new GraphFixture(64, new NeighbourLimits(64, 4, 12, 8, 32, 32));
        resolveHosts();
        for (int i = 0; i < 10; i++) {
            fx.receive(0, aTo("198.51.100." + (10 + i), i));
        }
        for (int i = 0; i < 10; i++) {
            byte[] ip = Wire.ipv4("198.51.100.1", "192.0.2." + (10 + i)).id(i).udp(40000, 9, Wire.pattern(20, i)).build();
            fx.receive(1, Wire.ether(P1_MAC, B_MAC, Wire.ETHERTYPE_IPV4, ip));
        }
        assertEquals(12, fx.neighbours.queuedTotal());
        assertEquals(8, fx.neighbours.queuedFrom(0));
        assertEquals(4, fx.neighbours.queuedFrom(1));
        assertEquals(2, fx.counter("drop.arp_queue_port_limit"));
        assertEquals(6, fx.counter("drop.arp_queue_total_limit"));
        fx.assertNoLeak(12);
    }

    @Test
    void newNeighboursPerPortAreBoundedAndRateLimited() {
        // a big pool and table, so that only the INCOMPLETE limit and then the request rate bind
        fx = new GraphFixture(512, new NeighbourLimits(1024, 4, 400, 400, 150, 1024));
        resolveHosts();
        for (int i = 0; i < 200; i++) {
            fx.receive(0, aTo("198.51.100." + (2 + i), i));
        }
        // 100 tokens at once: 100 new neighbours, the other 100 refused by the rate limit
        assertEquals(ArpResolver.REQUEST_BURST, fx.neighbours.incomplete(1));
        assertEquals(200 - ArpResolver.REQUEST_BURST, fx.counter("drop.arp_request_rate_limited"));
        // 0.6 s later: 60 more tokens, but only 50 more may be INCOMPLETE
        fx.addRoute(Wire.ip("198.51.101.0"), 24, fx.nextHops.acquire(NextHops.TYPE_CONNECTED, 1, 0));
        fx.context.nowNanos = GraphFixture.START + 600_000_000L;
        for (int i = 0; i < 60; i++) {
            fx.receive(0, aTo("198.51.101." + (2 + i), i));
        }
        assertEquals(150, fx.neighbours.incomplete(1));
        assertEquals(10, fx.counter("drop.neighbour_incomplete_limit"));
        assertEquals(150, fx.counter("event.arp_requests_sent"));
        fx.assertNoLeak(150);
        for (int e = 0; e < fx.neighbours.scanLimit(); e++) {
            int state = fx.neighbours.state(e);
            assertTrue(state == NeighbourState.FREE || state == NeighbourState.INCOMPLETE || state == NeighbourState.PERMANENT);
        }
    }
}
