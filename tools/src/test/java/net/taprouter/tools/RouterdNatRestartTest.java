package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Conntrack state survives a routerd restart (issue 8): a TCP connection through MASQUERADE,
 * from a port that another LAN host already holds on the outside (so its outside port is one the
 * NAT chose, which a fresh table would not choose again), keeps working across SIGTERM and a new
 * start on the same configuration, with ports opened with {@code attach} (the hosts keep their
 * NICs meanwhile). routerd writes its table to the state file on SIGTERM and restores it at start.
 */
@Tag("netns")
@Timeout(value = 150)
class RouterdNatRestartTest {
    private static final String PYTHON = "/usr/bin/python3";

    /** A TCP server on wan: each line it gets comes back prefixed with the port it came from. */
    private static final String SERVER = "import socket, threading\n"
        + "srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        + "srv.bind(('0.0.0.0', 5560)); srv.listen(8)\n"
        + "def serve(c, peer):\n"
        + "    f = c.makefile('rwb')\n"
        + "    for line in f:\n"
        + "        f.write(b'%d ' % peer[1] + line); f.flush()\n"
        + "while True:\n"
        + "    c, peer = srv.accept()\n"
        + "    print('accepted', peer[0], peer[1], flush=True)\n"
        + "    threading.Thread(target=serve, args=(c, peer), daemon=True).start()\n";

    /** A client bound to port 40300 sending a line every 0.2 s for {@code seconds}, checking every echo. */
    private static String client(int lines, boolean quiet) {
        return "import socket, sys, time\n"
            + "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + "s.bind(('0.0.0.0', 40300)); s.settimeout(30)\n"
            + "s.connect(('203.0.113.1', 5560))\n"
            + "f = s.makefile('rwb')\n"
            + "ports = set()\n"
            + "for i in range(" + lines + "):\n"
            + "    f.write(b'line %d\\n' % i); f.flush()\n"
            + "    port, text = f.readline().decode().strip().split(' ', 1)\n"
            + "    assert text == 'line %d' % i, text\n"
            + "    ports.add(port)\n"
            + (quiet ? "" : "    print(port, i, flush=True)\n")
            + "    time.sleep(0.2)\n"
            + "print('done', ' '.join(sorted(ports)), flush=True)\n";
    }

    @Test
    void aTcpFlowThroughMasqueradeSurvivesARestart() throws IOException {
        Namespaces.assumeNetnsCapable();
        Path work = Files.createTempDirectory("trt-natrs-");
        try (NatTopology t = NatTopology.createAttached()) {
            Bg server = Sh.ns(t.wan, PYTHON, "-u", "-c", SERVER).start(work, "server");
            Net.waitListening(t.wan, "tcp", 5560, server); // before any client: a connect before listen() is refused
            // lan2 holds 40300 on the outside for the whole test
            Bg holder = Sh.ns(t.lan2, PYTHON, "-u", "-c", client(600, true)).start(work, "holder");
            Bg flow = null;
            try {
                assertTrue(Sh.waitUntil(Duration.ofSeconds(10), () -> server.out().contains("accepted 203.0.113.254 40300")),
                    "lan2's connection did not arrive from 203.0.113.254:40300\n" + server.describe() + holder.describe() + t.diag());
                flow = Sh.ns(t.lan, PYTHON, "-u", "-c", client(40, false)).start(work, "flow");
                Bg f = flow;
                assertTrue(Sh.waitUntil(Duration.ofSeconds(10), () -> f.out().contains(" 5\n")),
                    "the flow did not start\n" + flow.describe() + server.describe() + t.diag());
                Matcher m = Pattern.compile("accepted 203\\.0\\.113\\.254 (\\d+)").matcher(server.out());
                m.find();
                m.find();
                int outside = Integer.parseInt(m.group(1));
                assertNotEquals(40300, outside, "lan's 40300 is taken on the outside: another port");

                t.routerd.restart();

                Integer rc = flow.waitExit(Duration.ofSeconds(60));
                assertEquals(0, rc, "the connection did not survive the restart\n" + flow.describe() + server.describe() + t.diag());
                assertTrue(t.routerd.previousStderr().contains("flows written to"), t.routerd.previousStderr());
                assertTrue(Pattern.compile("conntrack state \\S+: [2-9]\\d* flows restored").matcher(t.routerd.stderr()).find(),
                    "no flows restored\n" + t.routerd.stderr());
                assertTrue(flow.out().contains("done " + outside + "\n"),
                    "every echo came from one outside port, " + outside + "\n" + flow.describe());
                List<String> lines = List.of(t.ctlOk("conntrack", "-L", "-p", "tcp", "--orig-src", "192.0.2.1").out().strip().split("\n"));
                assertEquals(1, lines.size(), lines.toString());
                assertTrue(lines.get(0).contains("sport=40300 dport=5560 src=203.0.113.1 dst=203.0.113.254 sport=5560 dport="
                    + outside + " [ASSURED]"), lines.get(0));
                assertTrue(holder.alive(), "lan2's connection went\n" + holder.describe());
            } finally {
                if (flow != null) {
                    flow.close();
                }
                holder.close();
                server.close();
            }
        } finally {
            try (var s = Files.walk(work)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(Sh::deleteQuietly);
            }
        }
    }
}
