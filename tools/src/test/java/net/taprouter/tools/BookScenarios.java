package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
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
 * Scenarios on the book topology (ns1 — router — ns2), shared by the routerd variant and the
 * kernel-router control. One topology per class; each test leaves it as it found it.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 150)
abstract class BookScenarios {
    protected BookTopology t;
    protected Path work;

    abstract BookTopology.Kind kind();

    @BeforeAll
    void setUp() throws IOException {
        Namespaces.assumeNetnsCapable();
        work = Files.createTempDirectory("trt-book-");
        t = BookTopology.create(kind());
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

    protected String diag() {
        return t.diag();
    }

    // --- 1. ping through the router, ARP on the far side, the router's MAC on the near side ---

    @Test
    @Order(1)
    void pingAcrossRouterResolvesByArpAndDecrementsTtl() {
        t.router.ctlOk("neigh", "flush");
        Bg tcpdump = Sh.ns(t.ns2, "tcpdump", "-l", "-n", "--immediate-mode", "-i", t.if2, "arp").start(work, "tcpdump-arp");
        try {
            assertTrue(Sh.waitUntil(Duration.ofSeconds(10), () -> tcpdump.err().contains("listening on")),
                    "tcpdump did not start\n" + tcpdump.describe());
            Sh.Result ping = Net.ping(t.ns1, "198.51.100.1", "-c3", "-i0.2", "-W1");
            Net.assertPingOk(ping, 63, diag());
            String want = "Request who-has 198.51.100.1 tell 198.51.100.254";
            boolean seen = Sh.waitUntil(Duration.ofSeconds(3), () -> tcpdump.out().contains(want));
            tcpdump.stop(Duration.ofSeconds(3));
            assertTrue(seen, "tcpdump in ns2 did not show '" + want + "'\n" + tcpdump.describe() + diag());
        } finally {
            tcpdump.close();
        }
        Sh.Result neigh = Sh.ns(t.ns1, "ip", "neigh").ok();
        assertTrue(Pattern.compile("(?m)^192\\.0\\.2\\.254 dev \\S+ lladdr " + BookTopology.GW0_MAC + "\\b")
                .matcher(neigh.out()).find(), "ns1's neighbour table lacks 192.0.2.254 → " + BookTopology.GW0_MAC
                + "\n" + neigh.describe());
    }

    @Test
    @Order(2)
    void routerAddressesAnswerWithTtl64() {
        Net.assertPingOk(Net.ping(t.ns1, "192.0.2.254", "-c3", "-i0.2", "-W1"), 64, diag());
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.254", "-c3", "-i0.2", "-W1"), 64, diag());
        Net.assertPingOk(Net.ping(t.ns2, "198.51.100.254", "-c3", "-i0.2", "-W1"), 64, diag());
    }

    // --- 2. traceroute and TTL exceeded ---

    @Test
    @Order(3)
    void tracerouteShowsRouterThenHost() {
        Sh.Result tr = Sh.ns(t.ns1, "traceroute", "-n", "-q1", "-w1", "198.51.100.1").timeoutSeconds(60).run();
        assertTrue(tr.ok(), "traceroute failed\n" + tr.describe() + diag());
        assertTrue(Pattern.compile("(?m)^\\s*1\\s+192\\.0\\.2\\.254\\s").matcher(tr.out()).find(),
                "hop 1 should be 192.0.2.254\n" + tr.describe() + diag());
        assertTrue(Pattern.compile("(?m)^\\s*2\\s+198\\.51\\.100\\.1\\s").matcher(tr.out()).find(),
                "hop 2 should be 198.51.100.1\n" + tr.describe() + diag());
        assertTrue(!Pattern.compile("(?m)^\\s*3\\s").matcher(tr.out()).find(),
                "traceroute should stop at hop 2\n" + tr.describe() + diag());
    }

    @Test
    @Order(4)
    void ttl1GivesTimeExceededFromRouter() {
        Sh.Result ping = Net.ping(t.ns1, "198.51.100.1", "-c1", "-t1", "-W2");
        assertTrue(Pattern.compile("From 192\\.0\\.2\\.254 .*Time to live exceeded").matcher(ping.out()).find(),
                "expected 'From 192.0.2.254 ... Time to live exceeded'\n" + ping.describe() + diag());
    }

    // --- 4. a gateway that never answers ARP ---

    @Test
    @Order(5)
    void unresolvedGatewayGivesHostUnreachableWhileOtherTrafficFlows() throws Exception {
        t.router.ctlOk("route", "add", "198.51.100.77/32", "via", "198.51.100.99");
        try {
            CompletableFuture<Sh.Result> good = CompletableFuture.supplyAsync(
                    () -> Net.ping(t.ns1, "198.51.100.1", "-c25", "-i0.2", "-W1"));
            Sh.Result bad = Net.ping(t.ns1, "198.51.100.77", "-c1", "-W8");
            Sh.Result goodResult = good.get();
            assertTrue(Pattern.compile("From 192\\.0\\.2\\.254 .*Destination Host Unreachable").matcher(bad.out()).find(),
                    "expected 'From 192.0.2.254 ... Destination Host Unreachable'\n" + bad.describe() + diag());
            assertTrue(bad.took().toMillis() < 6500,
                    "Destination Host Unreachable took " + bad.took().toMillis() + " ms (want ≲5 s)\n" + bad.describe());
            Net.assertPingOk(goodResult, 63, "\n(while the unresolved gateway was pending)" + diag());
        } finally {
            t.router.ctl("route", "del", "198.51.100.77/32");
        }
    }

    // --- 5. TCP, UDP, bulk data, iperf3 ---

    private void tcpTransfer(String serverNs, String clientNs, String serverAddr, int port, Path payload,
            Duration timeout) throws Exception {
        Bg server = Sh.ns(serverNs, "nc", "-l", "-p", Integer.toString(port)).start(work, "nc-tcp-" + port);
        try {
            Net.waitListening(serverNs, "tcp", port, server);
            Sh.Result client = Sh.ns(clientNs, "nc", "-N", serverAddr, Integer.toString(port)).stdin(payload)
                    .timeout(timeout).run();
            assertTrue(client.ok(), "nc client failed\n" + client.describe() + "\n" + server.describe() + diag());
            Integer rc = server.waitExit(Duration.ofSeconds(15));
            assertTrue(rc != null, "nc server did not see the end of the stream\n" + server.describe() + diag());
            assertEquals(Files.size(payload), Files.size(server.outFile()),
                    "bytes received by the TCP server (" + serverNs + ")" + diag());
            assertEquals(sha256(payload), sha256(server.outFile()), "sha256 of what arrived" + diag());
        } finally {
            server.close();
            Sh.deleteQuietly(server.outFile());
        }
    }

    private void udpTransfer(String serverNs, String clientNs, String serverAddr, int port, String text)
            throws Exception {
        Path payload = work.resolve("udp-" + port + ".txt");
        Files.writeString(payload, text);
        Bg server = Sh.ns(serverNs, "nc", "-u", "-l", "-p", Integer.toString(port)).start(work, "nc-udp-" + port);
        try {
            Net.waitListening(serverNs, "udp", port, server);
            Sh.Result client = Sh.ns(clientNs, "nc", "-u", "-w1", serverAddr, Integer.toString(port)).stdin(payload)
                    .timeoutSeconds(20).run();
            boolean arrived = Sh.waitUntil(Duration.ofSeconds(5), () -> server.out().contains(text.trim()));
            assertTrue(arrived, "UDP datagram did not arrive at " + serverNs + "\n" + client.describe() + "\n"
                    + server.describe() + diag());
        } finally {
            server.close();
        }
    }

    @Test
    @Order(10)
    void tcpAndUdpBothDirections() throws Exception {
        Path small = work.resolve("small.txt");
        Files.writeString(small, "hello over tcp through the router\n".repeat(100));
        tcpTransfer(t.ns2, t.ns1, "198.51.100.1", 5001, small, Duration.ofSeconds(20));
        tcpTransfer(t.ns1, t.ns2, "192.0.2.1", 5002, small, Duration.ofSeconds(20));
        udpTransfer(t.ns2, t.ns1, "198.51.100.1", 5003, "hello over udp from ns1\n");
        udpTransfer(t.ns1, t.ns2, "192.0.2.1", 5004, "hello over udp from ns2\n");
    }

    @Test
    @Order(11)
    void hundredMegabytesOverTcpArriveIntact() throws Exception {
        Path big = work.resolve("big.bin");
        Sh.cmd("sh", "-c", "head -c 100M /dev/urandom > '" + big + "'").timeoutSeconds(60).ok();
        try {
            tcpTransfer(t.ns2, t.ns1, "198.51.100.1", 5005, big, Duration.ofSeconds(120));
        } finally {
            Sh.deleteQuietly(big);
        }
    }

    @Test
    @Order(12)
    void iperf3Completes() {
        Bg server = Sh.ns(t.ns2, "iperf3", "-s", "-1", "-p", "5201").start(work, "iperf3-s");
        try {
            Net.waitListening(t.ns2, "tcp", 5201, server);
            Sh.Result client = Sh.ns(t.ns1, "iperf3", "-c", "198.51.100.1", "-p", "5201", "-n", "100M")
                    .timeoutSeconds(120).run();
            assertTrue(client.ok(), "iperf3 client failed\n" + client.describe() + "\n" + server.describe() + diag());
            Integer rc = server.waitExit(Duration.ofSeconds(10));
            assertEquals(Integer.valueOf(0), rc, "iperf3 -s -1 exit\n" + server.describe());
        } finally {
            server.close();
        }
    }

    // --- 6. forwarding off/on ---

    @Test
    @Order(20)
    void forwardingOffStopsTransitButNotTheRouterItself() {
        t.router.ctlOk("forwarding", "off");
        try {
            Sh.Result off = Net.ping(t.ns1, "198.51.100.1", "-c3", "-i0.2", "-W1");
            assertEquals(100.0, Net.loss(off.out()), "forwarding off: transit must fail\n" + off.describe() + diag());
            Net.assertPingOk(Net.ping(t.ns1, "192.0.2.254", "-c3", "-i0.2", "-W1"), 64,
                    "\n(forwarding off, the router itself must answer)" + diag());
        } finally {
            t.router.ctlOk("forwarding", "on");
        }
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c3", "-i0.2", "-W1"), 63,
                "\n(forwarding back on)" + diag());
    }

    // --- 7. the router's tables and error handling (routerctl / ip) ---

    @Test
    @Order(30)
    void routeShowHasConnectedRoutes() {
        String out = t.router.ctlOk("route", "show").out();
        assertTrue(hasLine(out, "192.0.2.0/24 dev gw0 proto kernel scope link src 192.0.2.254"),
                "route show\n" + out + diag());
        assertTrue(hasLine(out, "198.51.100.0/24 dev gw1 proto kernel scope link src 198.51.100.254"),
                "route show\n" + out + diag());
    }

    @Test
    @Order(31)
    void neighShowAfterPing() {
        String mac1 = Net.mac(t.ns1, t.if1);
        String mac2 = Net.mac(t.ns2, t.if2);
        t.router.ctlOk("neigh", "flush");
        Sh.ns(t.ns1, "ip", "neigh", "flush", "all").ok();
        Sh.ns(t.ns2, "ip", "neigh", "flush", "all").ok();
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c2", "-i0.2", "-W1"), 63, diag());
        // the router resolved 198.51.100.1 itself: REACHABLE now
        String out = t.router.ctlOk("neigh", "show").out();
        assertTrue(hasLine(out, "198.51.100.1 dev gw1 lladdr " + mac2 + " REACHABLE"),
                "neigh show should have '198.51.100.1 dev gw1 lladdr " + mac2 + " REACHABLE'\n" + out + diag());
        // 192.0.2.1 may first be learnt from ns1's ARP request (STALE/DELAY, as Linux does); after a
        // ping it must be (or become, within a few seconds) REACHABLE
        Pattern any = Pattern.compile("(?m)^192\\.0\\.2\\.1 dev gw0 lladdr " + mac1 + " (REACHABLE|STALE|DELAY|PROBE)\\s*$");
        assertTrue(any.matcher(out).find(), "neigh show should list 192.0.2.1 dev gw0 lladdr " + mac1 + "\n" + out + diag());
        String want = "192.0.2.1 dev gw0 lladdr " + mac1 + " REACHABLE";
        String[] last = {out};
        boolean reachable = Sh.waitUntil(Duration.ofSeconds(9), () -> {
            Net.ping(t.ns1, "198.51.100.1", "-c1", "-W1");
            last[0] = t.router.ctlOk("neigh", "show").out();
            return hasLine(last[0], want);
        });
        assertTrue(reachable, "neigh show should reach '" + want + "'\n" + last[0] + diag());
    }

    @Test
    @Order(32)
    void routeAddToMissingPortIsRejectedAndChangesNothing() {
        String before = t.router.ctlOk("route", "show").out();
        Sh.Result bad = t.router.ctl("route", "add", "10.0.0.0/8", "via", "192.0.2.9", "dev", "gw9");
        assertNotEquals(0, bad.exit(), "route add via a missing port must fail\n" + bad.describe());
        assertTrue(bad.err().contains("gw9"), "the error should name gw9\n" + bad.describe());
        checkRouterctlError(bad);
        String after = t.router.ctlOk("route", "show").out();
        assertEquals(before, after, "route show changed after a rejected route add" + diag());
    }

    @Test
    @Order(33)
    void invalidAddressIsRejected() {
        String before = t.router.ctlOk("addr", "show").out();
        Sh.Result bad = t.router.ctl("addr", "add", "300.1.1.1/24", "dev", "gw0");
        assertNotEquals(0, bad.exit(), "addr add 300.1.1.1/24 must fail\n" + bad.describe());
        checkRouterctlError(bad);
        assertEquals(before, t.router.ctlOk("addr", "show").out(), "addr show changed after a rejected addr add");
    }

    @Test
    @Order(34)
    void linkShowListsBothPorts() {
        String out = t.router.ctlOk("link", "show").out();
        assertTrue(Pattern.compile("\\bgw0\\b").matcher(out).find(), "link show lacks gw0\n" + out + diag());
        assertTrue(Pattern.compile("\\bgw1\\b").matcher(out).find(), "link show lacks gw1\n" + out + diag());
    }

    /** routerd-only: the error is one stderr line starting with "routerctl:". */
    protected void checkRouterctlError(Sh.Result bad) {
        if (!t.router.isRouterd()) {
            return;
        }
        assertTrue(bad.err().startsWith("routerctl:"), "stderr should start with 'routerctl:'\n" + bad.describe());
        assertEquals(1, bad.err().strip().lines().count(), "stderr should be one line\n" + bad.describe());
    }

    static boolean hasLine(String text, String line) {
        return text.lines().anyMatch(l -> l.strip().equals(line));
    }

    static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
