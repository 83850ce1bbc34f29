package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code save} is a cursor: when it is the request's last command its text is made a piece at a
 * time as the client reads (routes resumed by key, like {@code route show}), so the full BGP
 * table never sits whole in routerd; and the text is exactly what it always was.
 */
@Timeout(120)
class SaveStreamTest {
    private static final int ROUTES = 3 * Answer.ROWS_PER_PIECE + 11;
    private String ns;
    private LiveRouter r;

    @BeforeEach
    void setUp() {
        assumeTrue(LiveRouter.isRoot(), "needs root (TAPs in a network namespace)");
        ns = LiveRouter.createNamespace("save");
        r = new LiveRouter();
        r.ok("link add p0 type tap ifname t0 netns " + ns + " address 02:00:00:00:00:01 mtu 1500\n"
            + "link add p1 type tap ifname t1 netns " + ns + " address 02:00:00:00:00:02 mtu 1400\n"
            + "addr add 192.0.2.254/24 dev p0\naddr add 198.51.100.254/24 dev p1\naddr add 198.51.100.253/24 dev p1\n"
            + "route replace 192.0.2.0/24 via 198.51.100.7 dev p1\n"
            + "neigh add 198.51.100.9 lladdr 00:00:5e:00:53:09 dev p1\nneigh add 192.0.2.5 lladdr 00:00:5e:00:53:05 dev p0\n"
            + "link set p0 down\nicmp ratelimit 50 burst 7\nforwarding off");
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < ROUTES; i++) {
            batch.append("route add 10.").append(i >> 8).append('.').append(i & 255).append(".0/24 via 198.51.100.1\n");
        }
        r.ok(batch.toString());
    }

    @AfterEach
    void tearDown() {
        if (r != null) {
            r.close();
        }
        LiveRouter.deleteNamespace(ns);
    }

    /** The text {@code save} printed before it streamed, for this state (made by hand from the old output). */
    private String expected(String extraRoute) {
        StringBuilder s = new StringBuilder();
        s.append("# taprouter configuration (routerctl save)\n");
        s.append("link add p0 type tap ifname t0 netns ").append(ns).append(" address 02:00:00:00:00:01 mtu 1500\n");
        s.append("link add p1 type tap ifname t1 netns ").append(ns).append(" address 02:00:00:00:00:02 mtu 1400\n");
        s.append("addr add 192.0.2.254/24 dev p0 noprefixroute\n");
        s.append("addr add 198.51.100.254/24 dev p1\n");
        s.append("addr add 198.51.100.253/24 dev p1\n");
        for (int i = 0; i < ROUTES; i++) {
            s.append("route add 10.").append(i >> 8).append('.').append(i & 255).append(".0/24 via 198.51.100.1 dev p1\n");
        }
        s.append("route add 192.0.2.0/24 via 198.51.100.7 dev p1\n");
        s.append(extraRoute);
        s.append("neigh add 192.0.2.5 lladdr 00:00:5e:00:53:05 dev p0\n");
        s.append("neigh add 198.51.100.9 lladdr 00:00:5e:00:53:09 dev p1\n");
        s.append("link set p0 down\n");
        s.append("icmp ratelimit 50 burst 7\n");
        s.append("forwarding off\n");
        return s.toString();
    }

    @Test
    void saveTextIsUnchangedInTextAndJsonMode() throws CommandProcessor.Failure {
        assertEquals(expected(""), r.save());
        assertEquals(expected(""), r.processor.answer("save", "-", true).text(), "-j save prints the same text");
        assertEquals(expected("") + "forwarding off\n", r.ok("save\nforwarding"), "a save followed by another command is made in place");
    }

    @Test
    void saveIsMadeAsTheClientReads() throws CommandProcessor.Failure {
        Answer answer = r.processor.answer("save", "-", false);
        StringBuilder got = new StringBuilder(answer.next());
        // a route added while the client reads, after the cursor: a cursor shows it, a text made whole does not
        r.ok("route add 203.0.113.0/24 via 198.51.100.1");
        for (String piece; (piece = answer.next()) != null;) {
            assertTrue(piece.length() <= Answer.PIECE_CHARS + 4096, "a piece of " + piece.length() + " characters");
            got.append(piece);
        }
        assertEquals(expected("route add 203.0.113.0/24 via 198.51.100.1 dev p1\n"), got.toString());
        assertEquals(r.save(), got.toString());
    }
}
