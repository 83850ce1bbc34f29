package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.taprouter.tools.Routerd;
import net.taprouter.tools.Bg;
import net.taprouter.tools.BookTopology;
import net.taprouter.tools.Namespaces;
import net.taprouter.tools.Net;
import net.taprouter.tools.Sh;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Live edits do not disturb traffic: ping and iperf3 through routerd while batches of 1,000
 * route adds and 1,000 route dels of unrelated prefixes (and route replaces) are applied.
 *
 * <p>iperf3 is paced ({@code -b 300M}): an unpaced TCP flow fills the TAP's kernel queue on the
 * host side (ns1's NIC counts "TX dropped", TCP retransmits) and that loses the odd ping even
 * without any edit, which would say nothing about the control plane.
 */
@Tag("netns")
@Timeout(value = 120)
class CtlLiveEditsTest {
    private static final int BATCH = 1000;
    private static final int MIN_ROUNDS = 10; // 10 x (1,000 adds + 1,000 dels)
    private static final String IPERF_RATE = "300M";

    @BeforeEach
    void assumeCapable() {
        Namespaces.assumeNetnsCapable();
        assertTrue(Sh.run("sh", "-c", "command -v iperf3").ok(), "iperf3 is needed");
    }

    private static Path batch(Path dir, String name, String verb) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            String prefix = "10." + (100 + i / 256) + "." + (i % 256) + ".0/24";
            lines.add("route " + verb + " " + prefix + (verb.equals("add") ? " via 198.51.100.1" : ""));
        }
        Path f = dir.resolve(name);
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    @Test
    void routeChurnDuringPingAndIperf() throws IOException {
        Path work = CtlDaemon.newDir("live");
        BookTopology t = BookTopology.create(BookTopology.Kind.ROUTERD);
        List<Bg> bgs = new ArrayList<>();
        String problem;
        try {
            Path adds = batch(work, "adds.batch", "add");
            Path dels = batch(work, "dels.batch", "del");
            Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c2", "-i0.1", "-W1"), 63, t.diag());

            String stats0 = t.routerd.ctlOk("stats").out();
            String hostTx0 = hostTxDropped(t);
            Bg server = Sh.ns(t.ns2, "iperf3", "-s", "-1", "-p", "5201").start(work, "iperf3-s");
            bgs.add(server);
            Net.waitListening(t.ns2, "tcp", 5201, server);
            Bg ping = Sh.ns(t.ns1, "ping", "-n", "-i", "0.02", "-c", "500", "198.51.100.1").start(work, "ping");
            bgs.add(ping);
            Bg iperf = Sh.ns(t.ns1, "iperf3", "-c", "198.51.100.1", "-p", "5201", "-t", "8", "-b", IPERF_RATE).start(work, "iperf3-c");
            bgs.add(iperf);

            long t0 = System.nanoTime();
            int rounds = 0;
            int replaces = 0;
            long editNanos = 0;
            while ((rounds < MIN_ROUNDS || ping.alive()) && System.nanoTime() - t0 < Duration.ofSeconds(60).toNanos()) {
                long s = System.nanoTime();
                t.routerd.ctlOk("-b", adds.toString());
                t.routerd.ctlOk("route", "replace", "10.250.0.0/16", "via", rounds % 2 == 0 ? "192.0.2.1" : "198.51.100.1");
                t.routerd.ctlOk("-b", dels.toString());
                editNanos += System.nanoTime() - s;
                replaces++;
                rounds++;
            }
            Integer pingExit = ping.waitExit(Duration.ofSeconds(30));
            Integer iperfExit = iperf.waitExit(Duration.ofSeconds(30));
            server.waitExit(Duration.ofSeconds(5));
            System.out.printf("live edits: %d rounds = %d route adds + %d route dels + %d replaces in %.1f s of edits"
                    + " (mean %.0f ms per 1,000-line batch incl. routerctl start)%n", rounds, rounds * BATCH, rounds * BATCH,
                    replaces, editNanos / 1e9, editNanos / 1e6 / (2.0 * rounds + replaces));
            System.out.println("iperf3: " + summary(iperf.out()));

            String stats1 = t.routerd.ctlOk("stats").out();
            String drops = "routerd drops during the run: " + dropDelta(stats0, stats1) + "; ns1 NIC (TAP) TX dropped: "
                    + hostTx0 + " -> " + hostTxDropped(t) + "; iperf3: " + summary(iperf.out());
            System.out.println(drops);

            assertNotNull(pingExit, "ping did not finish\n" + ping.describe());
            assertEquals(0.0, Net.loss(ping.out()), "ping lost packets during live route edits (" + rounds + " rounds)\n"
                    + tail(ping.out()) + "\n" + drops + t.diag());
            for (String reason : List.of("drop.no_route", "origin.drop.output_no_route", "drop.neighbour_unresolved", "drop.neighbour_flushed")) {
                assertEquals(CtlCheck.counter(stats0, reason), CtlCheck.counter(stats1, reason),
                        reason + " grew during live route edits\n" + drops + t.diag());
            }
            assertTrue(rounds >= MIN_ROUNDS, "only " + rounds + " rounds of edits");
            assertEquals(Integer.valueOf(0), iperfExit, "iperf3 failed during live route edits\n" + iperf.describe() + t.diag());

            String routes = t.routerd.ctlOk("route", "show").out();
            assertFalse(routes.contains("10.100."), "churned routes left behind\n" + routes);
            assertTrue(routes.contains("10.250.0.0/16 via "), "replaced route missing\n" + routes);
            Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c2", "-i0.1", "-W1"), 63, t.diag());
        } finally {
            for (Bg b : bgs) {
                b.close();
            }
            problem = t.stopAndCleanUp();
            Routerd.deleteTree(work);
        }
        assertEquals(null, problem, "routerd did not stop cleanly");
    }

    /** The drop counters that grew between two {@code stats} outputs. */
    private static String dropDelta(String before, String after) {
        StringBuilder s = new StringBuilder();
        for (String l : CtlCheck.lines(after)) {
            String[] f = l.trim().split("\\s+");
            if (f.length == 2 && f[0].startsWith("drop.")) {
                long delta = Long.parseLong(f[1]) - Math.max(0, CtlCheck.counter(before, f[0]));
                if (delta != 0) {
                    s.append(f[0]).append(" +").append(delta).append(' ');
                }
            }
        }
        return s.length() == 0 ? "none" : s.toString().trim();
    }

    private static String hostTxDropped(BookTopology t) {
        Sh.Result r = Sh.ns(t.ns1, "cat", "/sys/class/net/" + t.if1 + "/statistics/tx_dropped").run();
        return r.ok() ? r.out().strip() : "?";
    }

    private static String summary(String iperfOut) {
        Matcher m = Pattern.compile("(?m)^.*\\bsender$").matcher(iperfOut);
        return m.find() ? m.group().trim() : "(no summary)";
    }

    private static String tail(String s) {
        return s.length() > 1500 ? "..." + s.substring(s.length() - 1500) : s;
    }
}
