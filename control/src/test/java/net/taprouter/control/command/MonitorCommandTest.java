package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code monitor} on a live control plane (real dataplane, worker threads running, ports on TAPs in
 * a namespace of the test's own): a {@code neigh add} is one line though both the request and the
 * worker report it (none when it changes nothing), and a {@code neigh del} shows the entry as it was; a bridge's {@code link add}
 * and {@code link del} are shown as a TAP's are; {@code monitor fdb} goes on when a VLAN
 * sub-interface (a link without a port) exists.
 */
@Timeout(60)
class MonitorCommandTest {
    private String ns;
    private LiveRouter r;

    @BeforeEach
    void setUp() {
        assumeTrue(LiveRouter.isRoot(), "needs root (TAPs in a network namespace)");
        ns = LiveRouter.createNamespace("mon");
        r = new LiveRouter();
        r.ok("link add gw0 type tap ifname t0 netns " + ns + "\nlink add gw1 type tap ifname t1 netns " + ns
            + "\naddr add 192.0.2.254/24 dev gw0\naddr add 198.51.100.254/24 dev gw1");
    }

    @AfterEach
    void tearDown() {
        if (r != null) {
            r.close();
        }
        LiveRouter.deleteNamespace(ns);
    }

    /** A monitor's answer, armed (its first pull subscribes). */
    private Answer monitor(String objects) throws CommandProcessor.Failure {
        Answer answer = r.processor.answer("monitor " + objects, "-", false);
        assertEquals("", answer.next(), "the first pull arms the monitor");
        return answer;
    }

    /** The lines the monitor has for now: pulled until it has had nothing for a while. */
    private static List<String> drain(Answer monitor) throws InterruptedException {
        List<String> lines = new ArrayList<>();
        for (int idle = 0; idle < 5;) {
            String piece = monitor.next();
            assertNotNull(piece, "the monitor ended");
            if (piece.isEmpty()) {
                idle++;
                Thread.sleep(20);
                continue;
            }
            idle = 0;
            lines.addAll(List.of(piece.split("\n")));
        }
        return lines;
    }

    @Test
    void aNeighbourAddIsOneLineAndItsDeletionShowsTheEntry() throws Exception {
        Answer monitor = monitor("neigh");
        try {
            r.ok("neigh add 192.0.2.51 lladdr 00:00:5e:00:53:51 dev gw0");
            assertEquals(List.of("192.0.2.51 dev gw0 lladdr 00:00:5e:00:53:51 PERMANENT"), drain(monitor));
            r.ok("neigh add 192.0.2.51 lladdr 00:00:5e:00:53:51 dev gw0");
            assertEquals(List.of(), drain(monitor), "a neigh add that changes nothing");
            r.ok("neigh del 192.0.2.51 dev gw0");
            assertEquals(List.of("Deleted 192.0.2.51 dev gw0 lladdr 00:00:5e:00:53:51 PERMANENT"), drain(monitor));
            // both in one pull: in their order, once each
            r.ok("neigh add 192.0.2.52 lladdr 00:00:5e:00:53:52 dev gw0");
            r.ok("neigh del 192.0.2.52 dev gw0");
            r.ok("neigh add 192.0.2.52 lladdr 00:00:5e:00:53:53 dev gw0");
            assertEquals(List.of("192.0.2.52 dev gw0 lladdr 00:00:5e:00:53:52 PERMANENT",
                "Deleted 192.0.2.52 dev gw0 lladdr 00:00:5e:00:53:52 PERMANENT",
                "192.0.2.52 dev gw0 lladdr 00:00:5e:00:53:53 PERMANENT"), drain(monitor));
        } finally {
            monitor.close();
        }
    }

    @Test
    void aBridgesAddAndDeletionAreShown() throws Exception {
        Answer monitor = monitor("link");
        try {
            r.ok("link add br9 type bridge");
            List<String> added = drain(monitor);
            assertTrue(added.size() >= 1 && added.get(0).matches("\\d+: br9: .*"), "link add of a bridge: " + added);
            r.ok("link del br9");
            List<String> deleted = drain(monitor);
            assertTrue(deleted.size() >= 1 && deleted.get(0).matches("Deleted \\d+: br9: .*"), "link del of a bridge: " + deleted);
        } finally {
            monitor.close();
        }
    }

    @Test
    void monitorFdbGoesOnWithAVlanSubInterface() throws Exception {
        r.ok("link add br0 type bridge\nlink add p1 type tap ifname t2 netns " + ns + "\nlink set p1 master br0"
            + "\nlink add gw0.10 link gw0 type vlan id 10");
        Answer monitor = monitor("fdb");
        try {
            r.ok("fdb add 00:00:5e:00:53:0c dev p1");
            assertEquals(List.of("00:00:5e:00:53:0c dev p1 master br0 static"), drain(monitor));
            r.ok("fdb del 00:00:5e:00:53:0c dev p1");
            assertEquals(List.of("Deleted 00:00:5e:00:53:0c dev p1 master br0 static"), drain(monitor));
        } finally {
            monitor.close();
        }
    }

    @Test
    void hostRoutesShowAsIpPrintsThem() {
        r.ok("route add 198.18.1.1/32 via 198.51.100.1\nroute add 198.18.2.0/24 via 198.51.100.1");
        String show = r.ok("route show");
        assertTrue(show.contains("198.18.1.1 via 198.51.100.1 dev gw1\n"), show);
        assertTrue(show.contains("198.18.2.0/24 via 198.51.100.1 dev gw1\n"), show);
        assertTrue(r.ok("save").contains("route add 198.18.1.1 via 198.51.100.1"), "save: the same words, which route add takes");
        r.ok("route del 198.18.1.1");
        assertTrue(!r.ok("route show").contains("198.18.1.1"));
    }
}
