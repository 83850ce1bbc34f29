package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
 * The book's NAT chapter with routerd as the NAT router ({@link NatTopology}: lan and lan2 behind
 * MASQUERADE, wan with no route back): ping, TCP and UDP from lan arrive at wan from the router's
 * address (tcpdump in wan's namespace), {@code conntrack -L} shows the flows in conntrack-tools'
 * format, a DNAT port forward reaches lan's server (which sees the client's address), lan2 reaches
 * it through the outside address (hairpinning), unsolicited inbound traffic is dropped and counted
 * and never answered, two inside hosts with one source port both work, and one inside socket keeps
 * one outside port for two servers (endpoint-independent mapping).
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 150)
class RouterdNatScenarioTest {
    /** conntrack-tools' default output, as scripts parse the kernel's. */
    static final Pattern CONNTRACK_LINE = Pattern.compile("^(\\w+)\\s+(\\d+) (\\d+) (?:([A-Z_0-9]+) )?"
        + "src=(\\S+) dst=(\\S+) (?:sport=(\\d+) dport=(\\d+) |type=(\\d+) code=(\\d+) id=(\\d+) )?(\\[UNREPLIED\\] )?"
        + "src=(\\S+) dst=(\\S+) (?:sport=(\\d+) dport=(\\d+) |type=(\\d+) code=(\\d+) id=(\\d+) )?(\\[ASSURED\\] )?"
        + "mark=(\\d+) use=(\\d+)$");
    private static final String PYTHON = "/usr/bin/python3";

    private NatTopology t;
    private Path work;

    @BeforeAll
    void setUp() throws IOException {
        Namespaces.assumeNetnsCapable();
        work = Files.createTempDirectory("trt-nat-");
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

    /** tcpdump in wan's namespace on its NIC, started and listening. */
    private Bg tcpdump(String ns, String ifname, String label, String... filter) {
        List<String> argv = new ArrayList<>(List.of("tcpdump", "-l", "-n", "--immediate-mode", "-i", ifname));
        argv.addAll(List.of(filter));
        Bg dump = Sh.ns(ns, argv.toArray(new String[0])).start(work, label);
        if (!Sh.waitUntil(Duration.ofSeconds(10), () -> dump.err().contains("listening on"))) {
            dump.close();
            fail("tcpdump did not start\n" + dump.describe());
        }
        return dump;
    }

    private void assertSeen(Bg dump, String want) {
        boolean seen = Sh.waitUntil(Duration.ofSeconds(5), () -> dump.out().contains(want));
        assertTrue(seen, "tcpdump did not show '" + want + "'\n" + dump.describe() + t.diag());
    }

    private long counter(String name) {
        Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(name) + "\\s+(\\d+)\\s*$").matcher(t.ctlOk("stats").out());
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private List<String> conntrackLines(String... filters) {
        List<String> argv = new ArrayList<>(List.of("conntrack", "-L"));
        argv.addAll(List.of(filters));
        Sh.Result r = t.ctlOk(argv.toArray(new String[0]));
        List<String> lines = r.out().isBlank() ? List.of() : List.of(r.out().strip().split("\n"));
        assertEquals("conntrack v1.4.7 (taprouter): " + lines.size() + " flow entries have been shown.\n", r.err(),
            "conntrack -L's trailer on stderr");
        for (String line : lines) {
            assertTrue(CONNTRACK_LINE.matcher(line).matches(), "not conntrack-tools' format: " + line);
        }
        return lines;
    }

    @Test
    @Order(1)
    void pingFromLanArrivesFromTheRoutersAddress() {
        Bg dump = tcpdump(t.wan, t.ifWan, "dump-icmp", "icmp");
        long fastBefore = counter("event.flow_fast_path");
        try {
            Net.assertPingOk(Net.ping(t.lan, "203.0.113.1", "-c3", "-i0.2", "-W1"), 63, t.diag());
            // the first echo and its reply go the whole way, the next ones through the flow fast path
            assertTrue(counter("event.flow_fast_path") - fastBefore >= 2, t.ctlOk("stats").out());
            assertSeen(dump, "203.0.113.254 > 203.0.113.1: ICMP echo request");
            assertFalse(dump.out().contains("192.0.2.1"), "the inside address leaked\n" + dump.describe());
        } finally {
            dump.close();
        }
        List<String> icmp = conntrackLines("-p", "icmp");
        assertEquals(1, icmp.size(), icmp.toString());
        assertTrue(Pattern.compile("^icmp     1 \\d+ src=192\\.0\\.2\\.1 dst=203\\.0\\.113\\.1 type=8 code=0 id=(\\d+)"
            + " src=203\\.0\\.113\\.1 dst=203\\.0\\.113\\.254 type=0 code=0 id=\\d+ mark=0 use=1$").matcher(icmp.get(0)).matches(),
            icmp.get(0));
    }

    @Test
    @Order(2)
    void tcpFromLanArrivesFromTheRouterAndIsTrackedAssured() throws Exception {
        Path payload = work.resolve("tcp.txt");
        Files.writeString(payload, "through the NAT\n".repeat(200));
        Bg dump = tcpdump(t.wan, t.ifWan, "dump-tcp", "tcp", "port", "54321");
        Bg server = Sh.ns(t.wan, "nc", "-l", "-p", "54321").start(work, "nc-tcp");
        long fastBefore = counter("event.flow_fast_path");
        try {
            Net.waitListening(t.wan, "tcp", 54321, server);
            Sh.Result client = Sh.ns(t.lan, "nc", "-N", "-p", "40000", "203.0.113.1", "54321").stdin(payload)
                .timeoutSeconds(20).run();
            assertTrue(client.ok(), "nc through the NAT failed\n" + client.describe() + server.describe() + t.diag());
            assertTrue(server.waitExit(Duration.ofSeconds(15)) != null, "the server did not see the end\n" + server.describe());
            assertEquals(Files.size(payload), Files.size(server.outFile()), "bytes that arrived");
            assertTrue(counter("event.flow_fast_path") - fastBefore >= 2, "the flow's later segments: " + t.ctlOk("stats").out());
            assertSeen(dump, "IP 203.0.113.254.40000 > 203.0.113.1.54321: Flags [S]");
            assertFalse(dump.out().contains("192.0.2.1"), "the inside address leaked\n" + dump.describe());
        } finally {
            server.close();
            dump.close();
        }
        List<String> tcp = conntrackLines("-p", "tcp", "--dport", "54321");
        assertEquals(1, tcp.size(), tcp.toString());
        assertTrue(tcp.get(0).matches("tcp      6 \\d+ [A-Z_]+ src=192\\.0\\.2\\.1 dst=203\\.0\\.113\\.1 sport=40000 dport=54321"
            + " src=203\\.0\\.113\\.1 dst=203\\.0\\.113\\.254 sport=54321 dport=40000 \\[ASSURED\\] mark=0 use=1"), tcp.get(0));
    }

    @Test
    @Order(3)
    void udpFromLanArrivesFromTheRouter() throws Exception {
        Bg dump = tcpdump(t.wan, t.ifWan, "dump-udp", "udp", "port", "54322");
        Bg server = Sh.ns(t.wan, "nc", "-u", "-l", "-p", "54322").start(work, "nc-udp");
        Path payload = work.resolve("udp.txt");
        Files.writeString(payload, "a datagram through the NAT\n");
        try {
            Net.waitListening(t.wan, "udp", 54322, server);
            Sh.ns(t.lan, "nc", "-u", "-w1", "-p", "40001", "203.0.113.1", "54322").stdin(payload).timeoutSeconds(20).run();
            assertTrue(Sh.waitUntil(Duration.ofSeconds(5), () -> server.out().contains("a datagram through the NAT")),
                "the datagram did not arrive\n" + server.describe() + t.diag());
            assertSeen(dump, "IP 203.0.113.254.40001 > 203.0.113.1.54322: UDP");
        } finally {
            server.close();
            dump.close();
        }
        List<String> udp = conntrackLines("-p", "udp", "--orig-src", "192.0.2.1", "--dport", "54322");
        assertEquals(1, udp.size(), udp.toString());
        assertTrue(udp.get(0).matches("udp      17 \\d+ src=192\\.0\\.2\\.1 dst=203\\.0\\.113\\.1 sport=40001 dport=54322 (\\[UNREPLIED\\] )?"
            + "src=203\\.0\\.113\\.1 dst=203\\.0\\.113\\.254 sport=54322 dport=40001 mark=0 use=1"), udp.get(0));
        // the same with -s and -j: conntrack's source filter, JSON
        Sh.Result json = t.ctlOk("-j", "conntrack", "-L", "-s", "192.0.2.1", "-p", "udp");
        assertTrue(json.out().startsWith("[{\"proto\":\"udp\""), json.out());
        assertTrue(json.out().contains("\"reply\":{\"src\":\"203.0.113.1\",\"dst\":\"203.0.113.254\""), json.out());
        assertTrue(json.err().contains("flow entries have been shown."), json.err());
    }

    @Test
    @Order(10)
    void dnatForwardsAPortToTheLanServerWhichSeesTheClient() throws Exception {
        t.ctlOk("nat", "add", "dnat", "proto", "tcp", "dst", "203.0.113.254", "dport", "8080", "to", "192.0.2.1:80");
        assertEquals("1: masquerade src 192.0.2.0/24 out wan\n2: dnat proto tcp dst 203.0.113.254 dport 8080 to 192.0.2.1:80\n",
            t.ctlOk("nat", "show").out());
        Path payload = work.resolve("dnat.txt");
        Files.writeString(payload, "port forwarded\n".repeat(50));
        Bg dump = tcpdump(t.lan, "br0", "dump-dnat", "tcp", "port", "80");
        Bg server = Sh.ns(t.lan, "nc", "-l", "-p", "80").start(work, "nc-dnat");
        try {
            Net.waitListening(t.lan, "tcp", 80, server);
            Sh.Result client = Sh.ns(t.wan, "nc", "-N", "-p", "50123", "203.0.113.254", "8080").stdin(payload).timeoutSeconds(20).run();
            assertTrue(client.ok(), "wan could not reach the forwarded port\n" + client.describe() + server.describe() + t.diag());
            assertTrue(server.waitExit(Duration.ofSeconds(15)) != null, "the server did not see the end\n" + server.describe());
            assertEquals(Files.size(payload), Files.size(server.outFile()));
            assertSeen(dump, "IP 203.0.113.1.50123 > 192.0.2.1.80: Flags [S]");
        } finally {
            server.close();
            dump.close();
        }
        List<String> lines = conntrackLines("-p", "tcp", "--orig-dst", "203.0.113.254");
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("src=203.0.113.1 dst=203.0.113.254 sport=50123 dport=8080 src=192.0.2.1 dst=203.0.113.1"
            + " sport=80 dport=50123 [ASSURED]"), lines.get(0));
    }

    @Test
    @Order(11)
    void aSecondLanHostReachesTheForwardedServiceThroughTheOutsideAddress() throws Exception {
        Path payload = work.resolve("hairpin.txt");
        Files.writeString(payload, "hairpinned\n".repeat(20));
        Bg server = Sh.ns(t.lan, "nc", "-l", "-p", "80").start(work, "nc-hairpin");
        try {
            Net.waitListening(t.lan, "tcp", 80, server);
            Sh.Result client = Sh.ns(t.lan2, "nc", "-N", "203.0.113.254", "8080").stdin(payload).timeoutSeconds(20).run();
            assertTrue(client.ok(), "lan2 could not reach 203.0.113.254:8080\n" + client.describe() + server.describe() + t.diag());
            assertTrue(server.waitExit(Duration.ofSeconds(15)) != null, "the server did not see the end\n" + server.describe());
            assertEquals(Files.size(payload), Files.size(server.outFile()));
        } finally {
            server.close();
        }
        t.ctlOk("nat", "del", "2");
    }

    @Test
    @Order(20)
    void unsolicitedInboundIsDroppedCountedAndNeverAnswered() {
        long before = counter("drop.nat_unsolicited");
        Sh.Result tcp = Sh.ns(t.wan, "nc", "-z", "-v", "-w", "2", "203.0.113.254", "22").timeoutSeconds(20).run();
        assertNotEquals(0, tcp.exit(), "a connection to an unforwarded port succeeded\n" + tcp.describe());
        assertFalse((tcp.out() + tcp.err()).contains("refused"), "an unsolicited SYN was answered with a reset\n" + tcp.describe());
        Sh.ns(t.wan, "sh", "-c", "echo x | nc -u -w1 203.0.113.254 53").timeoutSeconds(20).run();
        long after = counter("drop.nat_unsolicited");
        assertTrue(after >= before + 2, "drop.nat_unsolicited went from " + before + " to " + after + t.diag());
        Net.assertPingOk(Net.ping(t.wan, "203.0.113.254", "-c2", "-i0.2", "-W1"), 64, t.diag());
    }

    /** A UDP echo server on wan that answers each datagram with the address:port it came from. */
    private Bg udpReporter(int port) {
        String script = "import socket\n"
            + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            + "s.bind(('0.0.0.0', " + port + "))\n"
            + "while True:\n"
            + "    data, peer = s.recvfrom(2048)\n"
            + "    s.sendto(('%s:%d' % peer).encode(), peer)\n";
        return Sh.ns(t.wan, PYTHON, "-u", "-c", script).start(work, "udp-reporter-" + port);
    }

    /** From {@code ns}, one UDP socket bound to {@code sourcePort} asks each server who it is; prints the answers. */
    /** UDP from {@code count} source ports of {@code ns} from {@code firstPort} on, one after the other, to 203.0.113.1:{@code serverPort}: how many were answered. */
    private static int answeredFrom(String ns, int firstPort, int count, int serverPort) {
        String script = "import socket\n"
            + "answered = 0\n"
            + "for port in range(" + firstPort + ", " + (firstPort + count) + "):\n"
            + "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            + "    s.settimeout(1)\n"
            + "    s.bind(('0.0.0.0', port))\n"
            + "    s.sendto(b'who', ('203.0.113.1', " + serverPort + "))\n"
            + "    try:\n"
            + "        s.recvfrom(2048)\n"
            + "        answered += 1\n"
            + "    except socket.timeout:\n"
            + "        pass\n"
            + "    s.close()\n"
            + "print(answered)\n";
        Sh.Result r = Sh.ns(ns, PYTHON, "-c", script).timeoutSeconds(30).run();
        assertTrue(r.ok(), r.describe());
        return Integer.parseInt(r.out().strip());
    }

    private Sh.Result askFrom(String ns, int sourcePort, String... servers) {
        StringBuilder script = new StringBuilder("import socket\n"
            + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            + "s.settimeout(3)\n"
            + "s.bind(('0.0.0.0', " + sourcePort + "))\n");
        for (String server : servers) {
            String[] hp = server.split(":");
            script.append("s.sendto(b'who', ('").append(hp[0]).append("', ").append(hp[1]).append("))\n")
                .append("print(s.recvfrom(2048)[0].decode())\n");
        }
        return Sh.ns(ns, PYTHON, "-c", script.toString()).timeoutSeconds(20).run();
    }

    @Test
    @Order(30)
    void twoLanHostsWithOneSourcePortBothWork() {
        Bg reporter = udpReporter(5555);
        try {
            Net.waitListening(t.wan, "udp", 5555, reporter);
            Sh.Result a = askFrom(t.lan, 40100, "203.0.113.1:5555");
            Sh.Result b = askFrom(t.lan2, 40100, "203.0.113.1:5555");
            assertTrue(a.ok() && b.ok(), "no answer through the NAT\n" + a.describe() + b.describe() + reporter.describe() + t.diag());
            assertEquals("203.0.113.254:40100", a.out().strip(), "the first keeps its port");
            assertTrue(b.out().strip().startsWith("203.0.113.254:"), b.out());
            int other = Integer.parseInt(b.out().strip().substring("203.0.113.254:".length()));
            assertNotEquals(40100, other, "no port overloading");
            assertTrue(other >= 1024, "the same port class: " + other);
        } finally {
            reporter.close();
        }
    }

    @Test
    @Order(31)
    void oneLanSocketIsSeenFromOneOutsidePortByTwoServers() {
        Bg reporter = udpReporter(5556);
        try {
            Net.waitListening(t.wan, "udp", 5556, reporter);
            // lan2 holds 40200 on the outside first, so lan's 40200 is mapped elsewhere: the mapping must then be shared
            assertTrue(askFrom(t.lan2, 40200, "203.0.113.1:5556").ok());
            Sh.Result r = askFrom(t.lan, 40200, "203.0.113.1:5556", "203.0.113.2:5556");
            assertTrue(r.ok(), "no answer\n" + r.describe() + reporter.describe() + t.diag());
            String[] seen = r.out().strip().split("\n");
            assertEquals(2, seen.length, r.out());
            assertNotEquals("203.0.113.254:40200", seen[0]);
            assertEquals(seen[0], seen[1], "endpoint-independent mapping: both servers see one outside address:port");
        } finally {
            reporter.close();
        }
    }

    @Test
    @Order(32)
    void tracerouteThroughTheNatShowsEveryHop() {
        for (String mode : new String[] {"udp", "icmp"}) {
            List<String> argv = new ArrayList<>(List.of("traceroute", "-n", "-q1", "-w2", "-m5"));
            if (mode.equals("icmp")) {
                argv.add("-I");
            }
            argv.add("198.18.0.2");
            Sh.Result tr = Sh.ns(t.lan, argv.toArray(new String[0])).timeoutSeconds(60).run();
            assertTrue(tr.ok(), "traceroute (" + mode + ") failed\n" + tr.describe() + t.diag());
            for (String hop : new String[] {"1\\s+192\\.0\\.2\\.254", "2\\s+203\\.0\\.113\\.1", "3\\s+198\\.18\\.0\\.2"}) {
                assertTrue(Pattern.compile("(?m)^\\s*" + hop + "\\s").matcher(tr.out()).find(),
                    "traceroute (" + mode + ") misses hop " + hop + "\n" + tr.describe() + t.diag());
            }
            assertFalse(Pattern.compile("(?m)^\\s*4\\s").matcher(tr.out()).find(), "traceroute should stop at hop 3\n" + tr.describe());
        }
    }

    @Test
    @Order(33)
    void pathMtuDiscoveryThroughTheNat() {
        Sh.Result ping = Net.ping(t.lan, "198.18.0.2", "-M", "do", "-s", "1400", "-c", "2", "-W", "2");
        assertTrue(Pattern.compile("mtu ?= ?1400").matcher(ping.out() + ping.err()).find(),
            "no Fragmentation Needed (mtu 1400) came back through the NAT\n" + ping.describe() + t.diag());
        Net.assertPingOk(Net.ping(t.lan, "198.18.0.2", "-M", "do", "-s", "1372", "-c", "2", "-W", "2"), 62, t.diag());
    }

    /** A UDP server on wan that answers each datagram with its length. */
    private Bg udpLengths(int port) {
        String script = "import socket\n"
            + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            + "s.bind(('0.0.0.0', " + port + "))\n"
            + "while True:\n"
            + "    data, peer = s.recvfrom(65536)\n"
            + "    s.sendto(str(len(data)).encode() + b' ' + data, peer)\n";
        return Sh.ns(t.wan, PYTHON, "-u", "-c", script).start(work, "udp-lengths-" + port);
    }

    @Test
    @Order(34)
    void bigDatagramsAndPingsThroughTheNatArriveWhole() {
        Net.assertPingOk(Net.ping(t.lan, "203.0.113.1", "-s", "4000", "-c", "3", "-i0.2", "-W2"), 63, t.diag());
        Bg server = udpLengths(5557);
        try {
            Net.waitListening(t.wan, "udp", 5557, server);
            String script = "import socket\n"
                + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                + "s.settimeout(3)\n"
                + "s.sendto(bytes(range(256)) * 15 + b'x' * 160, ('203.0.113.1', 5557))\n"
                + "reply = s.recvfrom(65536)[0]\n"
                + "print(reply.split(b' ')[0].decode(), len(reply))\n";
            Sh.Result r = Sh.ns(t.lan, PYTHON, "-c", script).timeoutSeconds(20).run();
            assertTrue(r.ok(), "no answer to a 4000-byte datagram\n" + r.describe() + server.describe() + t.diag());
            assertEquals("4000 4005", r.out().strip(), "the server got it whole, and its whole answer came back");
        } finally {
            server.close();
        }
    }

    @Test
    @Order(40)
    void countDeleteFlushAndStatistics() {
        int count = Integer.parseInt(t.ctlOk("conntrack", "-C").out().strip());
        assertTrue(count >= 3, "conntrack -C: " + count);
        Sh.Result stats = t.ctlOk("conntrack", "-S");
        assertTrue(stats.out().matches("(?s)cpu=0\\s+\\tsearched=\\d+ found=\\d+ new=\\d+ invalid=\\d+ .*early_drop=0 error=0"
            + " search_restart=0\n"), stats.out());
        Sh.Result deleted = t.ctl("conntrack", "-D", "-p", "udp", "--dport", "5555");
        assertEquals(0, deleted.exit(), deleted.describe());
        assertEquals(2, deleted.out().strip().split("\n").length, deleted.out());
        assertEquals("conntrack v1.4.7 (taprouter): 2 flow entries have been deleted.\n", deleted.err());
        Sh.Result none = t.ctl("conntrack", "-D", "-p", "udp", "--dport", "5555");
        assertEquals(1, none.exit(), "nothing deleted: exit 1 as conntrack\n" + none.describe());
        Sh.Result flush = t.ctlOk("conntrack", "-F");
        assertEquals("conntrack v1.4.7 (taprouter): connection tracking table has been emptied.\n", flush.err());
        assertEquals("0", t.ctlOk("conntrack", "-C").out().strip());
        // and NAT goes on working with new flows
        Net.assertPingOk(Net.ping(t.lan, "203.0.113.1", "-c2", "-i0.2", "-W1"), 63, t.diag());
    }

    /**
     * {@code nat portlimit}: a lan host opening flows from more source ports than its limit gets
     * that many through (answered, so the mapping early_drop would not free them), the rest are
     * dropped and counted; a flow from a port it holds already still goes (shared mapping), and
     * another lan host is not held back.
     */
    @Test
    @Order(45)
    void aLanHostStopsAtItsPortLimitAndAnotherGoesOn() {
        t.ctlOk("conntrack", "-F");
        t.ctlOk("nat", "portlimit", "5");
        Bg reporter = udpReporter(5557);
        try {
            Net.waitListening(t.wan, "udp", 5557, reporter);
            long before = counter("drop.nat_port_limit");
            assertEquals(5, answeredFrom(t.lan, 41000, 8, 5557), "answers through the NAT with a limit of 5 ports\n" + reporter.describe() + t.diag());
            long after = counter("drop.nat_port_limit");
            assertEquals(before + 3, after, "drop.nat_port_limit");
            Sh.Result shared = askFrom(t.lan, 41000, "203.0.113.2:5557");
            assertTrue(shared.ok(), "a port the host holds, to another server\n" + shared.describe() + t.diag());
            Sh.Result other = askFrom(t.lan2, 41005, "203.0.113.1:5557");
            assertTrue(other.ok(), "the other lan host\n" + other.describe() + t.diag());
            assertTrue(t.ctlOk("save").out().contains("\nnat portlimit 5\n"), "save holds the limit");
        } finally {
            reporter.close();
            t.ctlOk("nat", "portlimit", "auto");
        }
    }

    /**
     * The hostile-host audit's attack with the default limit: one lan host floods UDP from every
     * source port (hping3) to a server that answers, so its flows are not the unreplied ones the
     * mapping early_drop takes; it stops at its 16,384 outside ports and another lan host's new
     * flows still get through.
     */
    @Test
    @Order(46)
    void aFloodFromEverySourcePortLeavesPortsForTheOthers() {
        t.ctlOk("conntrack", "-F");
        Bg reporter = udpReporter(5558);
        try {
            Net.waitListening(t.wan, "udp", 5558, reporter);
            long before = counter("drop.nat_port_limit");
            Sh.Result flood = Sh.ns(t.lan, "timeout", "-s", "INT", "5", "hping3", "--udp", "--flood", "-q", "-s", "1024", "-p", "5558",
                "203.0.113.1").timeoutSeconds(30).run();
            assertTrue(flood.exit() == 124 || flood.exit() == 0, "hping3 ran until interrupted (tools/install-deps installs it)\n"
                + flood.describe());
            int flows = Integer.parseInt(t.ctlOk("conntrack", "-C").out().strip());
            long refused = counter("drop.nat_port_limit") - before;
            assertTrue(refused > 0, "the flood reached the limit (flows " + flows + ")" + t.diag());
            assertTrue(flows <= 65_536 / 4, "one host's flows, one port each (auto: a quarter of 65,536 mappings): " + flows);
            Sh.Result other = askFrom(t.lan2, 41100, "203.0.113.1:5558");
            assertTrue(other.ok(), "the other lan host during the flood's flows\n" + other.describe() + t.diag());
            Net.assertPingOk(Net.ping(t.lan2, "203.0.113.1", "-c2", "-i0.2", "-W1"), 63, t.diag());
        } finally {
            reporter.close();
            t.ctlOk("conntrack", "-F");
        }
    }

    /**
     * {@code conntrack hostlimit}: a lan host opening more flows than its limit gets that many
     * through (answered: early_drop would not take them), the rest are dropped and counted; its
     * flows go on, and another lan host is not held back.
     */
    @Test
    @Order(47)
    void aLanHostStopsAtItsFlowLimitAndAnotherGoesOn() {
        t.ctlOk("conntrack", "-F");
        t.ctlOk("conntrack", "hostlimit", "5");
        Bg reporter = udpReporter(5559);
        try {
            Net.waitListening(t.wan, "udp", 5559, reporter);
            long before = counter("drop.conntrack_host_limit");
            assertEquals(5, answeredFrom(t.lan, 42000, 8, 5559), "answers through the router with a limit of 5 flows\n" + reporter.describe() + t.diag());
            assertEquals(before + 3, counter("drop.conntrack_host_limit"), "drop.conntrack_host_limit");
            assertEquals("5", t.ctlOk("conntrack", "-C").out().strip());
            Sh.Result again = askFrom(t.lan, 42000, "203.0.113.1:5559");
            assertTrue(again.ok(), "a flow the host has goes on\n" + again.describe() + t.diag());
            Sh.Result other = askFrom(t.lan2, 42005, "203.0.113.1:5559");
            assertTrue(other.ok(), "the other lan host\n" + other.describe() + t.diag());
            assertTrue(t.ctlOk("save").out().contains("\nconntrack hostlimit 5\n"), "save holds the limit");
            // a flow that ends gives its place back
            t.ctlOk("conntrack", "-D", "-p", "udp", "--orig-port-src", "42001");
            Sh.Result freed = askFrom(t.lan, 42007, "203.0.113.1:5559");
            assertTrue(freed.ok(), "a place given back by a deleted flow\n" + freed.describe() + t.diag());
        } finally {
            reporter.close();
            t.ctlOk("conntrack", "hostlimit", "auto");
            t.ctlOk("conntrack", "-F");
        }
    }

    /**
     * A closed TCP connection does not count toward {@code conntrack hostlimit} (as with Linux's
     * connlimit): a lan host making short connections one after another, more than its limit, gets
     * every one through while the closed ones wait out TIME_WAIT in the table.
     */
    @Test
    @Order(48)
    void closedConnectionsDoNotCountTowardTheFlowLimit() throws Exception {
        t.ctlOk("conntrack", "-F");
        t.ctlOk("conntrack", "hostlimit", "3");
        Path payload = work.resolve("short.txt");
        Files.writeString(payload, "short\n");
        Bg server = Sh.ns(t.wan, "nc", "-lk", "-p", "54330").start(work, "nc-short");
        try {
            Net.waitListening(t.wan, "tcp", 54330, server);
            long before = counter("drop.conntrack_host_limit");
            shortConnections(6, 41000, 54330, payload, "with a limit of 3 flows");
            assertEquals(before, counter("drop.conntrack_host_limit"), "drop.conntrack_host_limit");
            List<String> lines = conntrackLines("-p", "tcp", "--dport", "54330");
            assertEquals(6, lines.size(), lines.toString());
            assertTrue(lines.stream().filter(l -> l.contains(" TIME_WAIT ")).count() >= 5, "closed: " + lines);
        } finally {
            server.close();
            t.ctlOk("conntrack", "hostlimit", "auto");
            t.ctlOk("conntrack", "-F");
        }
    }

    /**
     * {@code count} short TCP connections from lan (source ports {@code firstSourcePort} on, one
     * after another) to 203.0.113.1:{@code port}, each sending {@code payload} and closing: each must succeed.
     */
    private void shortConnections(int count, int firstSourcePort, int port, Path payload, String why) {
        for (int i = 0; i < count; i++) {
            Sh.Result client = Sh.ns(t.lan, "nc", "-N", "-p", String.valueOf(firstSourcePort + i), "203.0.113.1",
                String.valueOf(port)).stdin(payload).timeoutSeconds(20).run();
            assertTrue(client.ok(), "short connection " + i + " " + why + "\n" + client.describe() + t.diag());
        }
    }

    /**
     * Closed connections, which no longer count toward a host's limit, give way when the table is
     * full even though they were answered (early_drop takes a TCP connection on its way out, as the
     * kernel's tcp_can_early_drop): a lan host making more short connections than the table holds
     * cannot fill it for everyone else for the 120 s of their TIME_WAIT.
     */
    @Test
    @Order(49)
    void closedConnectionsGiveWayWhenTheTableIsFull() throws Exception {
        t.ctlOk("conntrack", "-F");
        t.ctlOk("conntrack", "max", "4"); // an index of 16 slots: early_drop looks at all of them
        t.ctlOk("conntrack", "hostlimit", "3");
        Path payload = work.resolve("short-full.txt");
        Files.writeString(payload, "short\n");
        Bg server = Sh.ns(t.wan, "nc", "-lk", "-p", "54331").start(work, "nc-short-full");
        Bg reporter = udpReporter(5560);
        try {
            Net.waitListening(t.wan, "tcp", 54331, server);
            Net.waitListening(t.wan, "udp", 5560, reporter);
            long full = counter("drop.conntrack_table_full");
            shortConnections(8, 41100, 54331, payload, "with a table of 4 flows");
            assertEquals("4", t.ctlOk("conntrack", "-C").out().strip(), "the table is full of closed connections");
            Sh.Result other = askFrom(t.lan2, 42010, "203.0.113.1:5560");
            assertTrue(other.ok(), "the other lan host's new flow takes a closed one's place\n" + other.describe() + t.diag());
            assertEquals(full, counter("drop.conntrack_table_full"), "drop.conntrack_table_full");
        } finally {
            server.close();
            reporter.close();
            t.ctlOk("conntrack", "-F");
            t.ctlOk("conntrack", "max", "262144");
            t.ctlOk("conntrack", "hostlimit", "auto");
        }
    }

    @Test
    @Order(50)
    void saveHoldsTheNatRule() {
        String save = t.ctlOk("save").out();
        assertTrue(save.contains("\nnat add masquerade src 192.0.2.0/24 out wan\n"), save);
    }
}
