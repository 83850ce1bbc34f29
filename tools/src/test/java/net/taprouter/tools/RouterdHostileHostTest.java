package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A host on one port misbehaves (floods unresolvable on-link addresses, sends toward a port that
 * vanishes): the router keeps serving the other hosts, counts what it drops by name, and goes back
 * to idle once the misbehaviour stops.
 */
@Tag("netns")
@Timeout(value = 150)
class RouterdHostileHostTest {
    /** Well below one core: an idle routerd uses ~0; a loop spinning on epoll uses ~1. */
    static final double IDLE_CORES = 0.25;

    private BookTopology t;

    @BeforeEach
    void setUp() {
        Namespaces.assumeNetnsCapable();
        t = BookTopology.create(BookTopology.Kind.ROUTERD);
    }

    @AfterEach
    void tearDown() {
        String problem = t == null ? null : t.stopAndCleanUp();
        if (problem != null) {
            fail(problem);
        }
    }

    static long counter(String stats, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\s+(\\d+)$").matcher(stats);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aFloodToDeadOnLinkAddressesStarvesNoOtherHost() {
        Net.assertPingOk(Net.ping(t.ns2, "192.0.2.1", "-c2", "-i0.2", "-W1"), 63, t.diag());
        // ns1 floods 250 addresses of ns2's subnet that nobody answers ARP for
        Bg flood = Flood.udp(t.ns1, "198.51.100.", 2, 250, 9, 5000, 6.0, 64, t.routerd.dir(), "flood");
        sleep(1000);
        Sh.Result ping = Net.ping(t.ns2, "192.0.2.1", "-c200", "-i0.01", "-W1");
        Integer rc = flood.waitExit(Duration.ofSeconds(30));
        assertEquals(Integer.valueOf(0), rc, "flood\n" + flood.describe());
        String stats = t.routerd.ctlOk("stats").out();
        assertTrue(Net.loss(ping.out()) == 0.0, "ns2 -> ns1 pings lost during the flood\n" + ping.describe()
                + "\nflood sent " + flood.out() + "\n" + stats);
        long limited = 0;
        for (String name : new String[] {"drop.arp_queue_port_limit", "drop.arp_queue_total_limit",
            "drop.neighbour_incomplete_limit", "drop.arp_request_rate_limited"}) {
            long v = counter(stats, name);
            assertTrue(v >= 0, "stats lacks " + name + "\n" + stats);
            limited += v;
        }
        assertTrue(limited > 0, "the flood's drops should be counted by name\n" + stats);
        assertEquals(0, counter(stats, "drop.rx_no_buffer"), "the pool ran dry\n" + stats);
        sleep(500);
        double cores = Cpu.coresUsed(t.routerd.pid(), 2000);
        assertTrue(cores < IDLE_CORES, "routerd used " + cores + " cores after the flood ended\n" + stats);
    }

    @Test
    void aPortLostWhileSendingDoesNotSpin() {
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c2", "-i0.2", "-W1"), 63, t.diag());
        Bg flood = Flood.udp(t.ns1, "198.51.100.", 1, 1, 9, 100000, 4.0, 64, t.routerd.dir(), "toward-ns2");
        sleep(1000);
        t.names.delete(t.ns2);
        flood.waitExit(Duration.ofSeconds(30));
        sleep(500);
        double cores = Cpu.coresUsed(t.routerd.pid(), 2000);
        String stats = t.routerd.ctlOk("stats").out();
        assertTrue(cores < IDLE_CORES, "routerd used " + cores + " cores after gw1's namespace vanished\n" + stats
                + t.routerd.ctl("link", "show").out());
        assertTrue(t.routerd.alive(), "routerd died" + t.diag());
        Net.assertPingOk(Net.ping(t.ns1, "192.0.2.254", "-c2", "-i0.2", "-W1"), 64, t.diag());
    }

    @Test
    void aLostPortComesBackWithLinkSetUp() {
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c2", "-i0.2", "-W1"), 63, t.diag());
        t.names.delete(t.ns2);
        boolean down = Sh.waitUntil(Duration.ofSeconds(5),
                () -> t.routerd.ctlOk("link", "show", "gw1").out().contains("LOWERLAYERDOWN"));
        assertTrue(down, "gw1 not reported lost\n" + t.routerd.ctl("link", "show").out());
        // the namespace comes back (same name), then the port is revived without link del/add
        assertEquals(t.ns2, t.names.create("ns2"));
        t.routerd.ctlOk("link", "set", "gw1", "up");
        String shown = t.routerd.ctlOk("link", "show", "gw1").out();
        assertTrue(shown.contains("state UP"), "gw1 after link set up\n" + shown);
        Net.host(t.ns2, t.if2, "198.51.100.1/24", "198.51.100.254");
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c3", "-i0.2", "-W2"), 63, t.diag());
        Net.assertPingOk(Net.ping(t.ns2, "192.0.2.1", "-c2", "-i0.2", "-W2"), 63, t.diag());
    }
}
