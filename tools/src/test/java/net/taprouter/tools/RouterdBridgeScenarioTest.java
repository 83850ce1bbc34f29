package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * routerd as a learning bridge with the router's address on it (issue 7, without VLANs): three
 * hosts on ports p1..p3 of br0, a fourth behind the routed port gw1 ({@link BridgeTopology}). One
 * topology for the class; each test leaves it as it found it.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 150)
class RouterdBridgeScenarioTest {
    private BridgeTopology t;
    private Path work;

    @BeforeAll
    void setUp() throws IOException {
        Namespaces.assumeNetnsCapable();
        work = Files.createTempDirectory("trt-bridge-");
        t = BridgeTopology.create();
    }

    @AfterAll
    void tearDown() {
        if (t != null) {
            t.close();
        }
        Routerd.deleteTree(work);
    }

    private String ns(int i) {
        return t.ns[i];
    }

    private Sh.Result ctl(String... args) {
        return t.routerd.ctlOk(args);
    }

    /** The host-side checks, shared with the Linux-bridge control {@link KernelBridgeScenarioTest}. */
    private BridgeChecks checks() {
        return new BridgeChecks(t.ns, t.ifs, work, t::diag);
    }

    private static long counter(String stats, String name) {
        for (String line : stats.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && f[0].equals(name)) {
                return Long.parseLong(f[1]);
            }
        }
        return -1;
    }

    @Test
    @Order(1)
    void bridgedHostsPingEachOtherWithTtl64() {
        checks().bridgedHostsPingEachOtherWithTtl64();
    }

    @Test
    @Order(2)
    void fdbShowListsTheThreeHostsOnTheirPorts() {
        String show = ctl("fdb", "show").out();
        for (int i = 1; i <= 3; i++) {
            assertTrue(show.contains(BridgeTopology.hostMac(i) + " dev p" + i + " master br0 age "), "fdb show\n" + show);
        }
        assertEquals(1, ctl("fdb", "show", "dev", "p2").out().lines().count(), ctl("fdb", "show", "dev", "p2").out());
        String json = ctl("-j", "fdb", "show", "br", "br0").out();
        assertTrue(json.contains("{\"mac\":\"00:00:5e:00:53:01\",\"ifname\":\"p1\",\"master\":\"br0\",\"state\":\"\",\"age\":"), json);
    }

    @Test
    @Order(2)
    void aTraceThroughTheBridgeShowsTheFdbDecision() {
        Net.assertPingOk(Net.ping(ns(1), "192.0.2.2", "-c1", "-W1"), 64, t.diag()); // both learned
        ctl("trace", "add", "1", "dev", "p1", "match", "proto icmp and dst 192.0.2.2");
        Net.assertPingOk(Net.ping(ns(1), "192.0.2.2", "-c1", "-W1"), 64, t.diag());
        String show = ctl("trace", "show").out();
        assertTrue(show.startsWith("1 frame traced of 1, match proto icmp and dst 192.0.2.2\n"), show);
        assertTrue(show.contains("ns  ethernet-input: dev p1, bridge br0\n"), show);
        assertTrue(show.contains("ns  bridge: fdb " + BridgeTopology.hostMac(2) + " dev p2\n"), show);
        assertTrue(show.stripTrailing().endsWith("ns  transmit: dev p2 (br0)"), show);
        assertTrue(!show.contains("route-lookup"), "bridged, not routed\n" + show);
        ctl("trace", "clear");
    }

    @Test
    @Order(3)
    void onceLearnedNs3SeesNoneOfTheIcmpBetweenNs1AndNs2() {
        checks().onceLearnedNs3SeesNoneOfTheIcmpBetweenNs1AndNs2();
    }

    @Test
    @Order(4)
    void anArpRequestReachesEveryHostAndItsReplyOnlyTheAsker() {
        checks().anArpRequestReachesEveryHostAndItsReplyOnlyTheAsker();
    }

    @Test
    @Order(5)
    void theRoutersAddressOnTheBridgeAnswersAndRoutes() {
        checks().theRoutersAddressOnTheBridgeAnswersAndRoutes();
        String neigh = ctl("neigh", "show").out();
        assertTrue(neigh.contains("192.0.2.1 dev br0 lladdr 00:00:5e:00:53:01"), neigh);
        assertTrue(neigh.contains("192.0.2.3 dev br0 lladdr 00:00:5e:00:53:03"), neigh);
    }

    @Test
    @Order(6)
    void aHostThatMovesToAnotherPortIsFoundThere() {
        String ns5 = t.names.create("ns5");
        String if5 = t.names.ifname("ns5v0");
        try {
            Sh.ns(ns5, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1").ok();
            Sh.ns(ns5, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1").ok();
            Sh.ok("ip", "-n", ns(3), "link", "set", t.ifs[3], "down");
            ctl("-b", writeBatch("move", "link add p4 type tap ifname " + if5 + " netns " + ns5 + "\nlink set p4 master br0\n"));
            BridgeTopology.hostNic(ns5, if5, BridgeTopology.hostMac(3));
            Net.host(ns5, if5, "192.0.2.3/24", "192.0.2.254");
            Net.assertPingOk(Net.ping(ns5, "192.0.2.1", "-c2", "-i0.2", "-W1"), 64, t.diag());
            String show = ctl("fdb", "show").out();
            assertTrue(show.contains("00:00:5e:00:53:03 dev p4 master br0"), "the moved host is on p4\n" + show);
            assertFalse(show.contains("00:00:5e:00:53:03 dev p3"), show);
            Net.assertPingOk(Net.ping(ns(1), "192.0.2.3", "-c2", "-i0.2", "-W1"), 64, t.diag());
            assertTrue(counter(ctl("stats").out(), "event.fdb_moved") >= 1, ctl("stats").out());
        } finally {
            t.routerd.ctl("link", "del", "p4");
            t.names.delete(ns5);
            Sh.ok("ip", "-n", ns(3), "link", "set", t.ifs[3], "up");
        }
        Net.assertPingOk(Net.ping(ns(3), "192.0.2.1", "-c2", "-i0.2", "-W1"), 64, t.diag());
        assertTrue(ctl("fdb", "show").out().contains("00:00:5e:00:53:03 dev p3 master br0"), "and back on p3");
    }

    private String writeBatch(String label, String text) {
        Path file = work.resolve(label + ".batch");
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return file.toString();
    }

    @Test
    @Order(7)
    void entriesAgeOutAndTrafficStillFlows() {
        ctl("link", "set", "br0", "ageing", "2");
        // monitor fdb (bridge monitor fdb's lines) sees them age out and be learned again
        Bg monitor = Sh.cmd(Routerd.routerctlBin().toString(), "--socket", t.routerd.socket().toString(), "monitor", "fdb")
            .start(work, "monitor-fdb");
        try {
            Net.assertPingOk(Net.ping(ns(1), "192.0.2.2", "-c1", "-W1"), 64, t.diag());
            assertTrue(Sh.waitUntil(Duration.ofSeconds(20), () -> ctl("fdb", "show").out().isEmpty()),
                "entries still there after their ageing time\n" + ctl("fdb", "show").out());
            Net.assertPingOk(Net.ping(ns(1), "192.0.2.2", "-c2", "-i0.2", "-W1"), 64, t.diag());
            String show = ctl("fdb", "show").out();
            assertTrue(show.contains("00:00:5e:00:53:01 dev p1") && show.contains("00:00:5e:00:53:02 dev p2"),
                "learned again\n" + show);
            assertTrue(counter(ctl("stats").out(), "event.fdb_aged") >= 2);
            String deleted = "Deleted 00:00:5e:00:53:01 dev p1 master br0\n";
            assertTrue(Sh.waitUntil(Duration.ofSeconds(5), () -> monitor.out().contains(deleted)
                && monitor.out().indexOf("00:00:5e:00:53:01 dev p1 master br0\n", monitor.out().indexOf(deleted) + deleted.length()) >= 0),
                "monitor fdb: aged out, then learned again\n" + monitor.describe());
            assertTrue(monitor.alive(), monitor.describe());
        } finally {
            monitor.close();
            ctl("link", "set", "br0", "ageing", "300");
        }
    }

    /** Raw frames from random source MACs (locally administered) to the bridge's MAC, paced. */
    private static final String MAC_FLOOD = String.join("\n",
        "import socket, sys, time, random",
        "ifname, dst, count, rate = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), int(sys.argv[3]), int(sys.argv[4])",
        "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
        "s.bind((ifname, 0))",
        "rest = b'\\x88\\xb5' + bytes(46)",
        "rnd = random.Random(7)",
        "start = time.time(); sent = 0; lost = 0",
        "while sent < count:",
        "    due = start + sent / rate",
        "    now = time.time()",
        "    if now < due:",
        "        time.sleep(due - now)",
        "    for _ in range(100):",
        "        try:",
        "            s.send(dst + b'\\x02' + rnd.randbytes(5) + rest)",
        "        except OSError:",
        "            lost += 1",
        "        sent += 1",
        "print(sent, lost)",
        "");

    @Test
    @Order(8)
    void aHostFloodingSourceMacsStaysInItsShareAndOthersKeepWorking() {
        ctl("link", "set", "br0", "fdb_max", "4096", "fdb_port_limit", "1000");
        try {
            Net.assertPingOk(Net.ping(ns(1), "192.0.2.2", "-c1", "-W1"), 64, t.diag());
            Bg ping = Sh.ns(ns(1), "ping", "-n", "-c25", "-i0.2", "-W1", "192.0.2.2").start(work, "ping-under-flood");
            Sh.Result flood = Sh.ns(ns(3), "/usr/bin/python3", "-c", MAC_FLOOD, t.ifs[3], BridgeTopology.BRIDGE_MAC,
                "100000", "25000").timeoutSeconds(60).run();
            assertTrue(flood.ok(), flood.describe());
            assertTrue(ping.waitExit(Duration.ofSeconds(30)) != null, "ping did not end\n" + ping.describe());
            Net.assertPingOk(new Sh.Result(List.of("ping"), 0, ping.out(), ping.err(), Duration.ZERO), 64, t.diag());
            String all = ctl("fdb", "show").out();
            long onP3 = all.lines().filter(l -> l.contains(" dev p3 ")).count();
            assertEquals(1000, onP3, "the flooding port learned its share, no more");
            assertTrue(all.lines().count() <= 4096, "the table stays within its bound");
            assertTrue(all.contains("00:00:5e:00:53:01 dev p1") && all.contains("00:00:5e:00:53:02 dev p2"),
                "the other hosts' entries stay");
            assertTrue(counter(ctl("stats").out(), "event.fdb_not_learned_port_limit") > 10_000, ctl("stats").out());
        } finally {
            ctl("fdb", "flush", "dev", "p3");
            ctl("link", "set", "br0", "fdb_max", "65536", "fdb_port_limit", "8192");
        }
        Net.assertPingOk(Net.ping(ns(3), "192.0.2.1", "-c2", "-i0.2", "-W1"), 64, t.diag());
    }

    @Test
    @Order(9)
    void stopsCleanly() {
        t.routerd.stopCleanly();
    }
}
