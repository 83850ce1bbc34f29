package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
 * Issue 10 on the book topology: {@code routerctl capture} (what routerd sees on its side of gw1
 * is what tcpdump sees inside ns2 on the other side of the TAP, frame for frame), {@code stats
 * --rates}, {@code stats -j}.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120)
class RouterdObserveTest {
    private BookTopology t;
    private Path work;

    @BeforeAll
    void setUp() throws IOException {
        Namespaces.assumeNetnsCapable();
        work = Files.createTempDirectory("trt-capture-");
        t = BookTopology.create(BookTopology.Kind.ROUTERD);
    }

    @AfterAll
    void tearDown() throws IOException {
        String problem = t == null ? null : t.stopAndCleanUp();
        if (work != null) {
            try (var s = Files.walk(work)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(Sh::deleteQuietly);
            }
        }
        if (problem != null) {
            fail(problem);
        }
    }

    private List<String> ctl(String... args) {
        List<String> argv = new ArrayList<>(List.of(Routerd.routerctlBin().toString(), "--socket", t.routerd.socket().toString()));
        argv.addAll(List.of(args));
        return argv;
    }

    private Bg pinging(String label) {
        return Sh.ns(t.ns1, "ping", "-n", "-i0.1", "-c200", "-W1", "198.51.100.1").start(work, label);
    }

    @Test
    @Order(1)
    void captureToFileMatchesTcpdumpInsideNs2() throws IOException {
        Path ours = work.resolve("f.pcap");
        Path theirs = work.resolve("ns2.pcap");
        Bg tcpdump = Sh.ns(t.ns2, "tcpdump", "-U", "-n", "--immediate-mode", "-i", t.if2, "-w", theirs.toString())
            .start(work, "tcpdump-ns2");
        Bg ping = null;
        try {
            assertTrue(Sh.waitUntil(Duration.ofSeconds(10), () -> tcpdump.err().contains("listening on")),
                "tcpdump did not start\n" + tcpdump.describe());
            Bg capture = Sh.cmd(ctl("capture", "gw1", "-w", ours.toString(), "-c", "10")).start(work, "capture");
            ping = pinging("ping1");
            Integer rc = capture.waitExit(Duration.ofSeconds(30));
            assertEquals(0, rc, "routerctl capture -c 10 did not end by itself\n" + capture.describe() + t.diag());
            assertTrue(capture.err().contains("10 frames captured on gw1"), capture.describe());
            Thread.sleep(500); // the last frames reach ns2's tcpdump
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (ping != null) {
                ping.close();
            }
            tcpdump.stop(Duration.ofSeconds(3));
        }
        Sh.Result read = Sh.ok("tcpdump", "-r", ours.toString(), "-n");
        long lines = read.out().lines().count();
        assertEquals(10, lines, "tcpdump -r f.pcap should show 10 frames\n" + read.describe());
        assertTrue(read.out().contains("198.51.100.1: ICMP echo request"), read.describe());
        List<byte[]> captured = frames(ours);
        assertEquals(10, captured.size());
        Set<String> seenInNs2 = new HashSet<>();
        for (byte[] f : frames(theirs)) {
            seenInNs2.add(HexFormat.of().formatHex(f));
        }
        for (byte[] f : captured) {
            assertTrue(seenInNs2.contains(HexFormat.of().formatHex(f)), "frame captured by routerd on gw1 not seen by tcpdump in ns2: "
                + HexFormat.of().formatHex(f) + "\n" + Sh.ok("tcpdump", "-r", theirs.toString(), "-n").out());
        }
    }

    @Test
    @Order(2)
    void captureToStdoutPipesIntoTcpdump() {
        Bg ping = pinging("ping2");
        try {
            String pipeline = String.join(" ", ctl("capture", "gw1", "-w", "-", "-c", "6", "--direction", "tx"))
                + " | tcpdump -r - -n";
            Sh.Result r = Sh.cmd("sh", "-c", pipeline).timeoutSeconds(30).run();
            assertTrue(r.ok(), r.describe());
            List<String> lines = r.out().lines().toList();
            assertEquals(6, lines.size(), r.describe());
            for (String line : lines) { // tx on gw1: what routerd sends towards ns2
                assertTrue(line.contains("> 198.51.100.1") || line.contains("ARP"), line + "\n" + r.describe());
            }
        } finally {
            ping.close();
        }
    }

    @Test
    @Order(2)
    void captureWithMatchTakesOnlyTheMatchingFrames() {
        Bg ping = pinging("ping-match");
        Bg udp = Sh.ns(t.ns1, "bash", "-c", "for i in $(seq 300); do echo hi > /dev/udp/198.51.100.1/9; sleep 0.05; done")
            .start(work, "udp-match");
        try {
            String pipeline = String.join(" ", ctl("capture", "gw1", "-w", "-", "-c", "5", "match", "'(udp or proto 200) and dst net 198.51.100.0/24 and not port 53'"))
                + " | tcpdump -r - -n";
            Sh.Result r = Sh.cmd("sh", "-c", pipeline).timeoutSeconds(30).run();
            assertTrue(r.ok(), r.describe());
            List<String> lines = r.out().lines().toList();
            assertEquals(5, lines.size(), r.describe());
            for (String line : lines) { // the pings and ns2's port unreachables cross gw1 too, but do not match
                assertTrue(line.contains("> 198.51.100.1.9: UDP"), line + "\n" + r.describe());
            }
            Sh.Result bad = Sh.cmd(ctl("capture", "gw1", "-c", "1", "match", "ether host 198.51.100.1")).timeoutSeconds(10).run();
            assertEquals(1, bad.exit(), bad.describe());
            assertEquals(1, bad.err().lines().count(), bad.describe());
            assertTrue(bad.err().contains("unknown match term \"ether\""), bad.describe());
        } finally {
            udp.close();
            ping.close();
        }
    }

    @Test
    @Order(3)
    void captureWithoutFilePrintsOneLinePerFrame() {
        Bg ping = pinging("ping3");
        try {
            Sh.Result r = Sh.cmd(ctl("capture", "gw0", "-c", "3", "--direction", "rx")).timeoutSeconds(30).run();
            assertTrue(r.ok(), r.describe());
            List<String> lines = r.out().lines().toList();
            assertEquals(3, lines.size(), r.describe());
            Pattern p = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{6} gw0 In \\S+ > " + BookTopology.GW0_MAC
                + ", IPv4 192\\.0\\.2\\.1 > 198\\.51\\.100\\.1, ttl 64, ICMP echo request, length 98$");
            Pattern any = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{6} gw0 In \\S+ > \\S+, (IPv4|IPv6|ARP)\\b.*, length \\d+$");
            for (String line : lines) { // the host's own IPv6 (MLD) and ARP frames come in too
                assertTrue(any.matcher(line).find(), line + "\n" + r.describe());
            }
            assertTrue(lines.stream().anyMatch(l -> p.matcher(l).find()), "no echo request line\n" + r.describe());
        } finally {
            ping.close();
        }
    }

    /** Ctrl-C ends a capture as it ends tcpdump: with the count of what was captured (routerd's last summary) on stderr. */
    @Test
    @Order(3)
    void anInterruptedCaptureTellsHowManyFramesItCaptured() throws IOException, InterruptedException {
        Path file = work.resolve("interrupted.pcap");
        Bg ping = pinging("ping-int");
        // as typed at a terminal: SIGINT at its default (a command started in the background by a
        // non-interactive shell, as CI may start the build, inherits SIGINT ignored, and the JVM
        // then leaves it ignored), so the test resets it before routerctl starts
        List<String> argv = new ArrayList<>(List.of("/usr/bin/python3", "-c",
            "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"));
        argv.addAll(ctl("capture", "gw1", "-w", file.toString(), "--direction", "tx"));
        Bg capture = Sh.cmd(argv).start(work, "capture-int");
        try {
            assertTrue(Sh.waitUntil(Duration.ofSeconds(20), () -> {
                try {
                    return Files.exists(file) && frames(file).size() >= 3;
                } catch (IOException | RuntimeException e) {
                    return false; // a record being written
                }
            }), "no frames in " + file + "\n" + capture.describe());
            Thread.sleep(300); // routerd's summary after the last piece
            Sh.ok("kill", "-INT", Long.toString(capture.pid()));
            assertNotNull(capture.waitExit(Duration.ofSeconds(10)), "routerctl capture did not end on SIGINT\n" + capture.describe());
        } finally {
            capture.stop(Duration.ofSeconds(3));
            ping.close();
        }
        Matcher m = Pattern.compile("(?m)^(\\d+) frames? captured on gw1$").matcher(capture.err());
        assertTrue(m.find(), "no summary on stderr after SIGINT\n" + capture.describe());
        long summary = Long.parseLong(m.group(1));
        int inFile = frames(file).size();
        assertTrue(summary >= 3 && summary <= inFile, summary + " in the summary, " + inFile + " frames in the file\n" + capture.describe());
    }

    @Test
    @Order(3)
    void dropsAreCapturedWithTheirReason() throws IOException {
        // 203.0.113.0/24 has no route on the book topology: every echo request is dropped (no_route)
        Bg ping = Sh.ns(t.ns1, "ping", "-n", "-i0.1", "-c200", "-W1", "203.0.113.77").start(work, "ping-drops");
        Path file = work.resolve("drops.pcapng");
        try {
            Sh.Result r = Sh.cmd(ctl("capture", "drops", "-w", file.toString(), "-c", "3")).timeoutSeconds(30).run();
            assertTrue(r.ok(), r.describe());
            assertTrue(r.err().contains("3 dropped frames captured on every port"), r.describe());
            Sh.Result read = Sh.cmd("tcpdump", "-r", file.toString(), "-n").timeoutSeconds(30).run();
            assertTrue(read.ok(), read.describe());
            List<String> lines = read.out().lines().toList();
            assertEquals(3, lines.size(), read.describe());
            for (String line : lines) { // the hosts' own IPv6 (router solicitations, MLD) is dropped too
                assertTrue(line.contains("192.0.2.1 > 203.0.113.77: ICMP echo request") || line.contains("IP6 "), line + "\n" + read.describe());
            }
            assertTrue(lines.stream().anyMatch(l -> l.contains("203.0.113.77")), read.describe());
            String raw = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(raw.contains("gw0"), "an interface block names the ingress port");
            assertTrue(raw.contains("drop: no_route (no route to destination"), "the reason is each packet's comment");

            Sh.Result text = Sh.cmd(ctl("capture", "drops", "dev", "gw0", "-c", "2")).timeoutSeconds(30).run();
            assertTrue(text.ok(), text.describe());
            Pattern p = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{6} gw0 Drop no_route: \\S+ > " + BookTopology.GW0_MAC
                + ", IPv4 192\\.0\\.2\\.1 > 203\\.0\\.113\\.77, ttl 64, ICMP echo request, length 98$");
            List<String> textLines = text.out().lines().toList();
            assertEquals(2, textLines.size(), text.describe());
            for (String line : textLines) {
                assertTrue(p.matcher(line).find() || line.contains(" gw0 Drop ipv6_not_routed: "), line + "\n" + text.describe());
            }
            assertTrue(textLines.stream().anyMatch(l -> p.matcher(l).find()), text.describe());
            Sh.Result other = Sh.cmd(ctl("capture", "drops", "dev", "gw1", "-c", "3")).timeoutSeconds(3).run();
            assertTrue(!other.out().contains("203.0.113.77") && !other.out().contains(" gw0 "), "only gw1's drops: " + other.describe());
        } finally {
            ping.close();
        }
    }

    @Test
    @Order(4)
    void interruptedCaptureIsDisarmedAndRouterKeepsForwarding() {
        Bg capture = Sh.cmd(ctl("capture", "gw1", "-w", work.resolve("stopped.pcap").toString())).start(work, "capture-int");
        Bg ping = pinging("ping4");
        try {
            assertTrue(Sh.waitUntil(Duration.ofSeconds(10), () -> work.resolve("stopped.pcap").toFile().length() > 24),
                "capture wrote nothing\n" + capture.describe());
            capture.stop(Duration.ofSeconds(3));
        } finally {
            ping.close();
        }
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c3", "-i0.2", "-W1"), 63, t.diag());
        Sh.Result bad = Sh.cmd(ctl("capture", "nosuch", "-c", "1")).run();
        assertEquals(1, bad.exit(), bad.describe());
        assertTrue(bad.err().contains("no such port"), bad.describe());
        String err = t.routerd.stderr();
        assertTrue(!err.contains("internal error") && !err.contains("disarming failed"), err);
    }

    @Test
    @Order(5)
    void statsRatesArePerSecondDeltas() {
        Bg ping = pinging("ping5"); // 10 echo requests a second
        try {
            assertTrue(Sh.waitUntil(Duration.ofSeconds(5), () -> ping.out().contains("icmp_seq=3")), ping.describe());
            Sh.Result r = Sh.cmd(ctl("stats", "--rates", "--interval", "2")).timeoutSeconds(20).run();
            assertTrue(r.ok(), r.describe());
            java.util.regex.Matcher m = Pattern.compile("(?m)^port\\.gw0\\.rx_packets\\s+(\\d+)$").matcher(r.out());
            assertTrue(m.find(), r.describe());
            long rate = Long.parseLong(m.group(1));
            assertTrue(rate >= 6 && rate <= 14, "10 pings a second, rate " + rate + "\n" + r.describe());
            assertTrue(!r.out().contains("drop.no_route"), "unchanged counters are left out\n" + r.describe());
            Sh.Result j = Sh.cmd(ctl("-j", "stats", "--rates", "--interval", "0.5")).timeoutSeconds(20).run();
            assertTrue(j.ok() && j.out().startsWith("[{\"name\":\"") && j.out().contains("\"port.gw0.rx_packets\""), j.describe());
        } finally {
            ping.close();
        }
        Sh.Result j = Sh.cmd(ctl("stats", "-j")).run();
        assertTrue(j.ok() && j.out().startsWith("[{\"name\":") && j.out().strip().endsWith("}]"), j.describe());
    }

    @Test
    @Order(6)
    void monitorRouteSeesCommittedChangesOfOtherClients() throws IOException {
        Bg monitor = Sh.cmd(ctl("monitor", "route")).start(work, "monitor");
        Bg monitorJson = Sh.cmd(ctl("-j", "monitor", "route", "addr")).start(work, "monitor-json");
        try {
            String seen = null;
            for (int i = 1; i <= 20 && seen == null; i++) { // until the monitors are subscribed
                String line = "198.18." + i + ".0/24 via 198.51.100.1 dev gw1";
                t.router.ctlOk("route", "add", "198.18." + i + ".0/24", "via", "198.51.100.1");
                if (Sh.waitUntil(Duration.ofSeconds(1), () -> monitor.out().contains(line))) {
                    seen = "198.18." + i + ".0/24";
                }
            }
            assertTrue(seen != null, "monitor route never showed a route add\n" + monitor.describe());
            String prefix = seen;
            t.router.ctlOk("route", "del", prefix);
            assertTrue(Sh.waitUntil(Duration.ofSeconds(5), () -> monitor.out().contains("Deleted " + prefix + " via 198.51.100.1 dev gw1\n")),
                monitor.describe());
            // a rolled-back batch shows nothing; the next committed change does
            Path batch = work.resolve("rolled-back.batch");
            Files.writeString(batch, "route add 198.18.100.0/24 via 198.51.100.1\nroute add 198.18.101.0/33 via 198.51.100.1\n");
            assertEquals(1, t.router.ctl("-b", batch.toString()).exit());
            t.router.ctlOk("route", "add", "198.18.102.0/24", "via", "198.51.100.1");
            assertTrue(Sh.waitUntil(Duration.ofSeconds(5), () -> monitor.out().contains("198.18.102.0/24")), monitor.describe());
            assertTrue(!monitor.out().contains("198.18.100.0/24"), "a rolled-back route was shown\n" + monitor.describe());
            assertTrue(!monitor.out().contains("[ROUTE]"), "one kind: no labels\n" + monitor.describe());
            t.router.ctlOk("addr", "add", "203.0.113.9/24", "dev", "gw1");
            t.router.ctlOk("addr", "del", "203.0.113.9/24", "dev", "gw1");
            assertTrue(Sh.waitUntil(Duration.ofSeconds(5), () -> monitorJson.out().contains(
                "{\"object\":\"route\",\"deleted\":true,\"dst\":\"203.0.113.0/24\",\"dev\":\"gw1\",\"protocol\":\"kernel\"")),
                monitorJson.describe());
            String ifindex = t.router.ctlOk("link", "show", "gw1").out().split(":", 2)[0].trim();
            assertTrue(monitorJson.out().contains("{\"object\":\"addr\",\"deleted\":false,\"ifindex\":" + ifindex
                + ",\"ifname\":\"gw1\",\"family\":\"inet\",\"local\":\"203.0.113.9\",\"prefixlen\":24,\"scope\":\"global\"}\n"),
                monitorJson.describe());
            assertTrue(monitorJson.out().contains("{\"object\":\"addr\",\"deleted\":true,\"ifindex\":" + ifindex + ","),
                monitorJson.describe());
            assertTrue(monitor.alive() && monitorJson.alive(), monitor.describe());
        } finally {
            monitor.close();
            monitorJson.close();
            for (int i = 1; i <= 20; i++) {
                t.router.ctl("route", "del", "198.18." + i + ".0/24");
            }
            t.router.ctl("route", "del", "198.18.102.0/24");
        }
        assertTrue(t.router.ctlOk("route", "show").out().lines().noneMatch(l -> l.startsWith("198.18.")));
    }

    /** The frames of a pcap file (either timestamp resolution, this machine's byte order). */
    static List<byte[]> frames(Path pcap) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            fail("not a little-endian pcap file: " + pcap + String.format(" magic %08x", magic));
        }
        List<byte[]> frames = new ArrayList<>();
        int at = 24;
        while (at + 16 <= b.limit()) {
            int caplen = b.getInt(at + 8);
            if (at + 16 + caplen > b.limit()) {
                break; // a record still being written
            }
            byte[] f = new byte[caplen];
            b.get(at + 16, f);
            frames.add(f);
            at += 16 + caplen;
        }
        return frames;
    }

    @Test
    @Order(20)
    void monitorNeighAndLinkSeeArpAndLinkSet() {
        Bg monitor = Sh.cmd(ctl("monitor", "neigh", "link")).start(work, "monitor-neigh");
        Bg monitorJson = Sh.cmd(ctl("-j", "monitor", "neigh")).start(work, "monitor-neigh-json");
        try {
            String mtu = null;
            for (int m = 1400; m < 1420 && mtu == null; m++) { // until the monitor is subscribed
                t.router.ctlOk("link", "set", "gw1", "mtu", String.valueOf(m));
                String line = ": gw1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu " + m + " state UP";
                if (Sh.waitUntil(Duration.ofSeconds(1), () -> monitor.out().contains(line))) {
                    mtu = line;
                }
            }
            assertTrue(mtu != null, "monitor link never showed a link set\n" + monitor.describe());
            assertTrue(monitor.out().contains("[LINK] "), "two kinds: labelled\n" + monitor.describe());
            t.router.ctlOk("link", "set", "gw1", "mtu", "1500");
            t.router.ctlOk("neigh", "flush");
            Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c1", "-W2"), 63, t.diag()); // the router resolves ns2 again
            assertTrue(Sh.waitUntil(Duration.ofSeconds(5), () -> monitor.out().lines().anyMatch(
                l -> l.matches("\\[NEIGH\\] 198\\.51\\.100\\.1 dev gw1 lladdr ..:..:..:..:..:.. REACHABLE"))),
                "ARP's resolution of ns2 not shown\n" + monitor.describe());
            assertTrue(Sh.waitUntil(Duration.ofSeconds(5), () -> monitorJson.out().lines().anyMatch(l -> l.matches(
                "\\{\"object\":\"neigh\",\"deleted\":false,\"dst\":\"198\\.51\\.100\\.1\",\"dev\":\"gw1\","
                    + "\"lladdr\":\"..:..:..:..:..:..\",\"state\":\\[\"REACHABLE\"\\]\\}"))),
                "monitor -j neigh: no JSON row for ARP's resolution of ns2\n" + monitorJson.describe());
            assertTrue(monitor.alive() && monitorJson.alive(), monitor.describe());
        } finally {
            monitorJson.close();
            monitor.close();
            t.router.ctl("link", "set", "gw1", "mtu", "1500");
        }
    }
}
