package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 8's remaining checks on the book's NAT topology ({@link NatTopology}: lan behind
 * MASQUERADE, wan with no route back): {@code conntrack -E} shows NEW, UPDATE and DESTROY of a
 * short TCP flow in conntrack-tools' event format ({@code -e NEW} only NEW, {@code monitor
 * conntrack} the same lines, conntrack's trailer when interrupted); with a small {@code conntrack
 * max} the table fills with an iperf3 test's assured connections, new flows (ping, a TCP connect)
 * are dropped and counted (conntrack_table_full, {@code conntrack -S} drop) and the iperf3 transfer
 * goes on unaffected.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 150)
class RouterdConntrackEventsTest {
    /** conntrack -E's lines as conntrack-tools prints ctnetlink's events (a DESTROY has no timeout and no state). */
    static final Pattern EVENT_LINE = Pattern.compile("^ *\\[(NEW|UPDATE|DESTROY)\\] (\\w+)\\s+(\\d+) (?:(\\d+) )?(?:([A-Z_0-9]+) )?"
        + "src=(\\S+) dst=(\\S+) (?:sport=(\\d+) dport=(\\d+) |type=(\\d+) code=(\\d+) id=(\\d+) )?(\\[UNREPLIED\\] )?"
        + "src=(\\S+) dst=(\\S+) (?:sport=(\\d+) dport=(\\d+)|type=(\\d+) code=(\\d+) id=(\\d+))?(?: ?\\[ASSURED\\])?$");

    private NatTopology t;
    private Path work;

    @BeforeAll
    void setUp() throws IOException {
        Namespaces.assumeNetnsCapable();
        assertTrue(Sh.run("sh", "-c", "command -v iperf3 && command -v nc").ok(), "iperf3 and nc are needed");
        work = Files.createTempDirectory("trt-ctev-");
        t = NatTopology.create();
    }

    @AfterAll
    void tearDown() throws IOException {
        if (t != null) {
            int rc = t.routerd.stop();
            t.close();
            assertEquals(0, rc, "routerd did not stop cleanly");
        }
        if (work != null) {
            try (var s = Files.walk(work)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(Sh::deleteQuietly);
            }
        }
    }

    private List<String> ctl(String... args) {
        List<String> argv = new ArrayList<>(List.of(Routerd.routerctlBin().toString(), "--socket", t.routerd.socket().toString()));
        argv.addAll(List.of(args));
        return argv;
    }

    private long counter(String name) {
        Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(name) + "\\s+(\\d+)\\s*$").matcher(t.ctlOk("stats").out());
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static List<String> lines(Bg bg, String containing) {
        List<String> out = new ArrayList<>();
        for (String line : bg.out().split("\n")) {
            if (line.contains(containing)) {
                out.add(line);
            }
        }
        return out;
    }

    @Test
    @Order(1)
    void conntrackEventsShowNewUpdatesAndDestroyOfAShortFlow() throws Exception {
        t.ctlOk("conntrack", "timeout", "tcp", "time_wait", "2"); // so that the flow's DESTROY comes soon
        Bg all = Sh.cmd(ctl("conntrack", "-E", "-p", "tcp")).start(work, "ct-events");
        Bg news = Sh.cmd(ctl("conntrack", "-E", "-e", "NEW", "-s", "192.0.2.1")).start(work, "ct-new");
        Bg monitor = Sh.cmd(ctl("monitor", "conntrack")).start(work, "monitor-ct");
        Bg json = Sh.cmd(ctl("-j", "conntrack", "-E", "-e", "NEW,DESTROY", "--dport", "54321")).start(work, "ct-json");
        Bg server = null;
        try {
            // the streams arm when routerd first pulls them: refused connections until all three saw one
            boolean armed = false;
            for (int i = 0; i < 20 && !armed; i++) {
                String sport = "sport=" + (41000 + i) + " ";
                Sh.ns(t.lan, "nc", "-z", "-w1", "-p", Integer.toString(41000 + i), "203.0.113.1", "54399").timeoutSeconds(5).run();
                armed = Sh.waitUntil(Duration.ofSeconds(1), () -> all.out().contains(sport) && news.out().contains(sport)
                    && monitor.out().contains(sport));
            }
            assertTrue(armed, "the event streams never showed a flow\n" + all.describe() + news.describe() + monitor.describe() + t.diag());

            Path payload = work.resolve("short.txt");
            Files.writeString(payload, "a short flow\n".repeat(100));
            server = Sh.ns(t.wan, "nc", "-l", "-p", "54321").start(work, "nc-server");
            Net.waitListening(t.wan, "tcp", 54321, server);
            Sh.Result client = Sh.ns(t.lan, "nc", "-N", "-p", "40100", "203.0.113.1", "54321").stdin(payload).timeoutSeconds(20).run();
            assertTrue(client.ok(), "nc through the NAT failed\n" + client.describe() + server.describe() + t.diag());
            String tuple = "src=192.0.2.1 dst=203.0.113.1 sport=40100 dport=54321 ";
            String reply = "src=203.0.113.1 dst=203.0.113.254 sport=54321 dport=40100";
            assertTrue(Sh.waitUntil(Duration.ofSeconds(15), () -> !lines(all, "[DESTROY] tcp      6 " + tuple).isEmpty()),
                "no DESTROY of the short flow\n" + all.describe() + t.diag());
            List<String> flow = lines(all, tuple);
            assertEquals("    [NEW] tcp      6 120 SYN_SENT " + tuple + "[UNREPLIED] " + reply, flow.get(0), flow.toString());
            assertEquals(" [UPDATE] tcp      6 60 SYN_RECV " + tuple + reply, flow.get(1), flow.toString());
            assertEquals(" [UPDATE] tcp      6 432000 ESTABLISHED " + tuple + reply + " [ASSURED]", flow.get(2), flow.toString());
            assertEquals("[DESTROY] tcp      6 " + tuple + reply + " [ASSURED]", flow.get(flow.size() - 1), flow.toString());
            assertTrue(flow.stream().anyMatch(l -> l.contains(" TIME_WAIT ")), "the close was seen\n" + flow);
            for (String line : all.out().split("\n")) {
                assertTrue(EVENT_LINE.matcher(line).matches(), "not conntrack-tools' event format: " + line);
            }
            // -e NEW: NEW events only; monitor conntrack: the same lines; -j: JSON objects
            assertTrue(Sh.waitUntil(Duration.ofSeconds(5), () -> !lines(news, tuple).isEmpty()), news.describe());
            assertEquals(List.of(flow.get(0)), lines(news, tuple));
            for (String line : news.out().split("\n")) {
                assertTrue(line.startsWith("    [NEW] "), "-e NEW showed " + line);
            }
            assertTrue(Sh.waitUntil(Duration.ofSeconds(5), () -> monitor.out().contains(flow.get(flow.size() - 1))), monitor.describe());
            assertTrue(monitor.out().contains(flow.get(0) + "\n"), monitor.describe());
            assertTrue(Sh.waitUntil(Duration.ofSeconds(5), () -> json.out().contains("\"event\":\"DESTROY\"")), json.describe());
            assertTrue(json.out().startsWith("{\"event\":\"NEW\",\"proto\":\"tcp\",\"protonum\":6,\"timeout\":120,\"state\":\"SYN_SENT\","),
                json.describe());
            assertFalse(json.out().contains("UPDATE"), json.describe());
            assertTrue(all.alive() && news.alive() && monitor.alive(), all.describe());
        } finally {
            if (server != null) {
                server.close();
            }
            all.close();
            news.close();
            monitor.close();
            json.close();
            t.ctlOk("conntrack", "timeout", "tcp", "time_wait", "120");
        }
        assertTrue(Sh.waitUntil(Duration.ofSeconds(5), () -> all.err().contains("flow events have been shown.")),
            "conntrack's trailer when interrupted\n" + all.describe());
        // the sessions were disarmed: routerd forwards on
        Net.assertPingOk(Net.ping(t.lan, "203.0.113.1", "-c2", "-i0.2", "-W1"), 63, t.diag());
    }

    @Test
    @Order(2)
    void aFullTableDropsNewFlowsAndLeavesAnEstablishedIperf3FlowAlone() throws Exception {
        t.ctlOk("conntrack", "-F");
        t.ctlOk("conntrack", "max", "2");
        t.ctlOk("conntrack", "hostlimit", "3"); // lan has iperf3's two flows and its ping must meet the full table (auto here: 1)
        Bg server = Sh.ns(t.wan, "iperf3", "-s", "-1", "-p", "5201").start(work, "iperf3-s");
        Bg client = null;
        try {
            Net.waitListening(t.wan, "tcp", 5201, server);
            long invalidBefore = statistic("invalid");
            client = Sh.ns(t.lan, "iperf3", "-c", "203.0.113.1", "-p", "5201", "-t", "6", "-J").start(work, "iperf3-c");
            // iperf3's control and data connections, both assured: the table (2 flows) is full
            Bg running = client;
            assertTrue(Sh.waitUntil(Duration.ofSeconds(10), () -> t.ctlOk("conntrack", "-L", "-u", "ASSURED").out().lines().count() == 2),
                "iperf3's two flows never filled the table\n" + t.ctlOk("conntrack", "-L").out() + running.describe() + t.diag());
            long before = counter("drop.conntrack_table_full");
            Sh.Result ping = Net.ping(t.lan, "203.0.113.1", "-c3", "-i0.3", "-W1");
            assertEquals(100.0, Net.loss(ping.out()), "a new flow got through a full table\n" + ping.describe());
            Sh.Result connect = Sh.ns(t.lan2, "nc", "-z", "-w2", "203.0.113.1", "5201").timeoutSeconds(10).run();
            assertFalse(connect.ok(), "a new TCP connection got through a full table\n" + connect.describe());
            long dropped = counter("drop.conntrack_table_full") - before;
            assertTrue(dropped >= 4, "3 echo requests and at least one SYN dropped and counted: " + dropped);
            Matcher drop = Pattern.compile("drop=(\\d+) early_drop=(\\d+)").matcher(t.ctlOk("conntrack", "-S").out());
            assertTrue(drop.find() && Long.parseLong(drop.group(1)) >= 4, "conntrack -S drop\n" + t.ctlOk("conntrack", "-S").out());
            assertEquals("0", drop.group(2), "assured flows are never evicted");

            Integer rc = client.waitExit(Duration.ofSeconds(30));
            assertEquals(Integer.valueOf(0), rc, "iperf3 through the full table\n" + client.describe() + server.describe() + t.diag());
            String out = Files.readString(client.outFile());
            long sent = jsonLong(out, "\"sum_sent\"\\s*:\\s*\\{[^}]*?\"bytes\"\\s*:\\s*(\\d+)");
            long got = jsonLong(out, "\"sum_received\"\\s*:\\s*\\{[^}]*?\"bytes\"\\s*:\\s*(\\d+)");
            assertTrue(sent > 10_000_000 && got > sent * 0.9, "iperf3 sent " + sent + " bytes, the server received " + got);
            assertEquals(invalidBefore, statistic("invalid"), "window tracking refused none of iperf3's segments");
        } finally {
            if (client != null) {
                client.close();
            }
            server.close();
            t.ctlOk("conntrack", "-F");
            t.ctlOk("conntrack", "max", "262144");
            t.ctlOk("conntrack", "hostlimit", "auto");
        }
        Net.assertPingOk(Net.ping(t.lan, "203.0.113.1", "-c2", "-i0.2", "-W1"), 63, t.diag());
    }

    /** A field of conntrack -S (one worker). */
    private long statistic(String name) {
        Matcher m = Pattern.compile(" " + name + "=(\\d+)").matcher(t.ctlOk("conntrack", "-S").out());
        assertTrue(m.find(), t.ctlOk("conntrack", "-S").out());
        return Long.parseLong(m.group(1));
    }

    private static long jsonLong(String json, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(json);
        assertTrue(m.find(), "no " + regex + " in\n" + json);
        return Long.parseLong(m.group(1));
    }
}
