package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import net.taprouter.tools.Namespaces;
import net.taprouter.tools.Net;
import net.taprouter.tools.Routerd;
import net.taprouter.tools.Sh;
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
 * Every routerctl command of the contract on the book topology: the success output (exact where
 * the spec gives the format) and bad inputs (message, exit status, state unchanged). Each test
 * leaves the router as it found it.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120)
class CtlCommandsTest {
    private static final String GW0 = "192.0.2.0/24 dev gw0 proto kernel scope link src 192.0.2.254";
    private static final String GW1 = "198.51.100.0/24 dev gw1 proto kernel scope link src 198.51.100.254";

    private CtlTopology t;
    private CtlDaemon d;
    private String baseline;

    @BeforeAll
    void setUp() {
        Namespaces.assumeNetnsCapable();
        t = CtlTopology.create("cmd");
        d = t.d;
        baseline = d.snapshot();
    }

    @AfterAll
    void tearDown() {
        if (t != null) {
            t.close();
        }
    }

    /** routerctl with {@code words} split at spaces; ns/if placeholders NS3, IF3, NS1, IF1 replaced. */
    private String[] cmd(String words) {
        return words.replace("NS3", t.ns3).replace("IF3", t.if3).replace("NS1", t.ns1).replace("IF1", t.if1).split(" ");
    }

    private void refused(String words, String... expect) {
        CtlCheck.assertRefusedAndUnchanged(d, cmd(words), expect);
    }

    private Sh.Result ok(String words) {
        return d.ctlOk(cmd(words));
    }

    private void assertBaseline(String after) {
        assertEquals(baseline, d.snapshot(), "the router is not back to its starting state after " + after);
    }

    // ---------------------------------------------------------------- link

    @Test
    @Order(1)
    void linkShowFormat() {
        String out = ok("link show").out();
        List<String> l = CtlCheck.lines(out);
        assertEquals(6, l.size(), "link show: 3 lines per port\n" + out);
        Pattern first = Pattern.compile("^1: gw0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500\\b.*\\bstate UP\\b.*");
        assertTrue(first.matcher(l.get(0)).matches(), "link show line 1: " + l.get(0));
        assertEquals("    link/ether 00:00:5e:00:53:12 brd ff:ff:ff:ff:ff:ff", l.get(1));
        assertTrue(l.get(3).startsWith("2: gw1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500"), "gw1: " + l.get(3));
        assertEquals("    link/ether 00:00:5e:00:53:21 brd ff:ff:ff:ff:ff:ff", l.get(4));
        String one = ok("link show gw1").out();
        assertTrue(one.startsWith("2: gw1:") && !one.contains("gw0"), "link show gw1\n" + one);
        assertEquals(one, ok("link show dev gw1").out(), "link show dev gw1");
    }

    @Test
    @Order(2)
    void linkErrors() {
        refused("link show gw9", "no such port \"gw9\"");
        refused("link set gw9 up", "link set", "no such port \"gw9\"");
        refused("link del gw9", "no such port \"gw9\"");
        refused("link set gw0", "missing");
        refused("link set gw0 mtu", "missing");
        refused("link set gw0 mtu 10", "mtu");
        refused("link set gw0 address zz:zz:zz:zz:zz:zz", "bad MAC", "zz:zz:zz:zz:zz:zz");
        refused("link set gw0 address 00:00:5e:00:53", "00:00:5e:00:53");
        refused("link set gw0 address 01:00:5e:00:00:01", "01:00:5e:00:00:01");
        refused("link set gw0 up mtu 1400 address bad", "bad"); // all-or-nothing inside one command too
        refused("link set gw0 sideways", "sideways");
        refused("link add gw0 type tap ifname IF3 netns NS3", "port \"gw0\" exists");
        assertFalse(t.tapInNs3(), "a refused 'link add' created the TAP");
        refused("link add gw2 type tap ifname IF1 netns NS1", "already");
        refused("link add gw2 type tap", "missing", "ifname");
        refused("link add gw2", "missing");
        refused("link add gw2 type veth ifname IF3 netns NS3", "veth");
        refused("link add gw2 type tap ifname IF3 netns NS3 address zz", "bad MAC", "zz");
        refused("link add gw2/x type tap ifname IF3 netns NS3", "gw2/x");
        assertFalse(t.tapInNs3(), "a refused 'link add' created the TAP");
        refused("link add br0 type bridge ageing -1", "ageing -1 out of range");
        refused("link set gw0 master br0", "no such port \"br0\"");
        refused("link set gw0 master gw1", "\"gw1\" is not a bridge");
        refused("link set gw0 ageing 10", "gw0 is not a bridge");
        refused("fdb add 00:00:5e:00:53:01 dev gw0", "\"gw0\" is not a bridge port");
        refused("nat add masquerade src 192.0.2.0/24 out gw9", "no such port \"gw9\"");
        refused("conntrack -L -p bogus", "bad protocol \"bogus\"");
        refused("link frobnicate", "unknown command", "frobnicate");
    }

    @Test
    @Order(3)
    void linkAddSetDel() {
        ok("link add gw2 type tap ifname IF3 netns NS3 address 00:00:5e:00:53:33");
        try {
            assertTrue(t.tapInNs3(), "link add did not create " + t.if3 + " in " + t.ns3);
            String show = ok("link show gw2").out();
            assertTrue(show.startsWith("3: gw2: <"), show);
            assertTrue(show.contains("    link/ether 00:00:5e:00:53:33 brd ff:ff:ff:ff:ff:ff"), show);
            assertNotEquals("00:00:5e:00:53:33", Net.mac(t.ns3, t.if3), "the TAP's kernel MAC is the host's, not the router port's");

            Sh.ok("ip", "-n", t.ns3, "link", "set", t.if3, "up");
            boolean up = Sh.waitUntil(Duration.ofSeconds(5),
                    () -> d.ctl("link", "show", "gw2").out().matches("(?s)3: gw2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP.*"));
            assertTrue(up, "gw2 not UP/LOWER_UP after the host set its side up:\n" + d.ctl("link", "show", "gw2").out());

            ok("link set gw2 down");
            String down = ok("link show gw2").out();
            assertTrue(down.startsWith("3: gw2: <BROADCAST,MULTICAST> mtu 1500 state DOWN"), "after link set down:\n" + down);
            ok("link set gw2 up mtu 1400");
            String mtu = ok("link show gw2").out();
            assertTrue(mtu.startsWith("3: gw2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 state UP"), "after up mtu 1400:\n" + mtu);
            ok("link set gw2 address 00:00:5e:00:53:34");
            assertTrue(ok("link show gw2").out().contains("link/ether 00:00:5e:00:53:34 "), "address not changed");
            assertTrue(ok("save").out().contains("link add gw2 type tap ifname " + t.if3 + " netns " + t.ns3),
                    "save lacks the new port");
        } finally {
            d.ctl("link", "del", "gw2");
        }
        assertTrue(Sh.waitUntil(Duration.ofSeconds(5), () -> !t.tapInNs3()), "link del left the TAP in " + t.ns3);
        refused("link show gw2", "no such port \"gw2\"");
        assertBaseline("link add/set/del");
    }

    // ---------------------------------------------------------------- addr

    @Test
    @Order(10)
    void addrShowFormatAndAddDel() {
        String out = ok("addr show").out();
        assertTrue(Pattern.compile("(?m)^1: gw0: .*\\n(    .*\\n)*    inet 192\\.0\\.2\\.254/24 (brd 192\\.0\\.2\\.255 )?scope global gw0$")
                .matcher(out).find(), "addr show should list 'inet 192.0.2.254/24' under gw0\n" + out);
        assertTrue(out.contains("    inet 198.51.100.254/24"), out);
        String dev = ok("addr show dev gw1").out();
        assertTrue(dev.contains("inet 198.51.100.254/24") && !dev.contains("192.0.2.254"), "addr show dev gw1\n" + dev);

        ok("addr add 192.0.2.253/24 dev gw0");
        ok("addr add 203.0.113.254/24 dev gw0");
        try {
            String two = ok("addr show dev gw0").out();
            assertTrue(two.contains("inet 192.0.2.253/24") && two.contains("inet 203.0.113.254/24"), two);
            List<String> routes = CtlCheck.lines(ok("route show").out());
            assertEquals(List.of(GW0, GW1, "203.0.113.0/24 dev gw0 proto kernel scope link src 203.0.113.254"), routes,
                    "a second address on a known subnet adds no route; a new subnet its connected route");
            assertEquals("local 192.0.2.253 dev gw0 src 192.0.2.253", ok("route get 192.0.2.253").out().strip());
            Net.assertPingOk(Net.ping(t.ns1, "192.0.2.253", "-c2", "-i0.05", "-W1"), 64, d.diag());
        } finally {
            d.ctl("addr", "del", "203.0.113.254/24", "dev", "gw0");
            d.ctl("addr", "del", "192.0.2.253/24", "dev", "gw0");
        }
        assertBaseline("addr add/del");
    }

    @Test
    @Order(11)
    void addrErrors() {
        refused("addr add 10.0.0.1/33 dev gw0", "10.0.0.1/33");
        refused("addr add 10.0.0.1 dev gw0", "10.0.0.1");
        refused("addr add 192.0.2.254/24 dev gw0", "exists");
        refused("addr add 192.0.2.254/24 dev gw1", "exists");
        refused("addr add 10.0.0.1/24 dev gw9", "no such port \"gw9\"");
        refused("addr add 10.0.0.1/24", "missing");
        refused("addr add 10.0.0.1/24 gw0", "dev");
        refused("addr add 224.0.0.1/24 dev gw0", "224.0.0.1");
        refused("addr add 10.0.0.0/24 dev gw0", "network or broadcast");
        refused("addr del 192.0.2.77/24 dev gw0", "192.0.2.77");
        refused("addr del 192.0.2.254/24 dev gw1", "192.0.2.254");
        refused("addr show dev gw9", "no such port \"gw9\"");
        refused("addr frobnicate", "unknown command", "frobnicate");
    }

    // ---------------------------------------------------------------- route

    @Test
    @Order(20)
    void routeShowAndGetFormats() {
        assertEquals(List.of(GW0, GW1), CtlCheck.lines(ok("route show").out()), "connected routes");
        ok("route add 203.0.113.0/24 via 198.51.100.1");
        ok("route add default via 192.0.2.1");
        ok("route add 10.1.0.0/16 dev gw1");
        ok("route add 10.2.0.0/16 via 192.0.2.1 dev gw0");
        try {
            assertEquals(List.of("default via 192.0.2.1 dev gw0",
                    "10.1.0.0/16 dev gw1 scope link",
                    "10.2.0.0/16 via 192.0.2.1 dev gw0",
                    GW0, GW1,
                    "203.0.113.0/24 via 198.51.100.1 dev gw1"), CtlCheck.lines(ok("route show").out()), "route show");
            assertEquals("203.0.113.7 via 198.51.100.1 dev gw1 src 198.51.100.254", ok("route get 203.0.113.7").out().strip());
            assertEquals("198.51.100.7 dev gw1 src 198.51.100.254", ok("route get 198.51.100.7").out().strip());
            assertEquals("10.1.2.3 dev gw1 src 198.51.100.254", ok("route get 10.1.2.3").out().strip());
            assertEquals("10.9.9.9 via 192.0.2.1 dev gw0 src 192.0.2.254", ok("route get 10.9.9.9").out().strip());
            assertEquals("local 192.0.2.254 dev gw0 src 192.0.2.254", ok("route get 192.0.2.254").out().strip());

            ok("route replace 203.0.113.0/24 via 192.0.2.1");
            assertEquals("203.0.113.7 via 192.0.2.1 dev gw0 src 192.0.2.254", ok("route get 203.0.113.7").out().strip());
            assertTrue(ok("route show").out().contains("203.0.113.0/24 via 192.0.2.1 dev gw0\n"), "replace not shown");
            ok("route replace 10.3.0.0/16 via 198.51.100.1"); // replace of a missing route adds it
            assertEquals("10.3.0.1 via 198.51.100.1 dev gw1 src 198.51.100.254", ok("route get 10.3.0.1").out().strip());
            ok("route del 10.3.0.0/16");

            ok("route del default");
            assertFalse(ok("route show").out().contains("default"), "route del default");
            ok("route del 203.0.113.0/24 via 192.0.2.1"); // del accepts the route's via/dev words, as ip does
            refused("route get 10.9.9.9", "10.9.9.9");
        } finally {
            d.ctl("route", "del", "default");
            d.ctl("route", "del", "203.0.113.0/24");
            d.ctl("route", "del", "10.1.0.0/16");
            d.ctl("route", "del", "10.2.0.0/16");
            d.ctl("route", "del", "10.3.0.0/16");
        }
        assertBaseline("route add/replace/del");
    }

    @Test
    @Order(21)
    void routeErrors() {
        ok("route add 10.7.0.0/16 via 198.51.100.1");
        try {
            refused("route add 10.0.0.1/33 via 198.51.100.1", "10.0.0.1/33");
            refused("route add 10.0.0.1/8 via 198.51.100.1", "10.0.0.1/8", "host bits");
            refused("route add 10.7.0.0/16 via 198.51.100.1", "exists");
            refused("route add 10.7.0.0/16 via 192.0.2.1", "exists");
            refused("route add 10.0.0.0/8 via 192.0.2.99 dev nosuch", "no such port \"nosuch\"");
            refused("route add 10.0.0.0/8 dev gw9", "no such port \"gw9\"");
            refused("route add 10.0.0.0/8", "missing");
            refused("route add", "missing");
            refused("route add 10.0.0.0/8 via", "missing");
            refused("route add 10.0.0.0/8 via 203.0.113.9", "203.0.113.9");
            refused("route add 10.0.0.0/8 via 192.0.2.1 dev gw1", "192.0.2.1");
            refused("route add 10.0.0.0/8 via 198.51.100.254", "local");
            refused("route add 10.0.0.0/8 via 300.1.1.1", "300.1.1.1");
            refused("route add banana via 198.51.100.1", "banana");
            refused("route add 10.0.0.0/8 via 198.51.100.1 metric 5", "metric");
            refused("route replace 10.0.0.1/8 via 198.51.100.1", "host bits");
            refused("route del 10.99.0.0/16", "10.99.0.0/16");
            refused("route del default", "default");
            refused("route get", "missing");
            refused("route get 10.0.0.1/8", "10.0.0.1/8");
            refused("route get 999.1.1.1", "999.1.1.1");
            refused("route get 10.200.0.1", "10.200.0.1");
            refused("route frobnicate", "unknown command", "frobnicate");
        } finally {
            d.ctl("route", "del", "10.7.0.0/16");
        }
        assertBaseline("route errors");
    }

    // ---------------------------------------------------------------- neigh

    @Test
    @Order(30)
    void neighShowAddDelFlush() {
        String mac1 = Net.mac(t.ns1, t.if1);
        String mac2 = Net.mac(t.ns2, t.if2);
        ok("neigh flush");
        t.assertPingThrough("ping before neigh show");
        assertEquals(List.of("192.0.2.1 dev gw0 lladdr " + mac1 + " REACHABLE",
                "198.51.100.1 dev gw1 lladdr " + mac2 + " REACHABLE"), CtlCheck.lines(ok("neigh show").out()), "neigh show");
        assertEquals(List.of("198.51.100.1 dev gw1 lladdr " + mac2 + " REACHABLE"), CtlCheck.lines(ok("neigh show dev gw1").out()));

        ok("neigh add 192.0.2.50 lladdr 00:00:5e:00:53:50 dev gw0");
        try {
            assertTrue(ok("neigh show").out().contains("192.0.2.50 dev gw0 lladdr 00:00:5e:00:53:50 PERMANENT\n"),
                    "static neighbour\n" + ok("neigh show").out());
            assertTrue(ok("save").out().contains("neigh add 192.0.2.50 lladdr 00:00:5e:00:53:50 dev gw0\n"), "save lacks it");
            ok("neigh flush");
            String flushed = ok("neigh show").out();
            assertFalse(flushed.contains("192.0.2.1 "), "neigh flush left a learned entry\n" + flushed);
            assertTrue(flushed.contains("192.0.2.50 dev gw0 lladdr 00:00:5e:00:53:50 PERMANENT"),
                    "neigh flush removed the static entry (ip neigh flush keeps PERMANENT ones)\n" + flushed);
            t.assertPingThrough("ping after neigh flush (re-resolution)");
            ok("neigh del 192.0.2.50 dev gw0");
            assertFalse(ok("neigh show").out().contains("192.0.2.50"), "neigh del");
        } finally {
            d.ctl("neigh", "del", "192.0.2.50", "dev", "gw0");
        }
        assertBaseline("neigh add/del/flush");
    }

    @Test
    @Order(31)
    void neighErrors() {
        refused("neigh add 192.0.2.7 lladdr zz:00:00:00:00:01 dev gw0", "bad MAC", "zz:00:00:00:00:01");
        refused("neigh add 192.0.2.7 lladdr ff:ff:ff:ff:ff:ff dev gw0", "ff:ff:ff:ff:ff:ff");
        refused("neigh add 192.0.2.7 lladdr 00:00:5e:00:53:50 dev gw9", "no such port \"gw9\"");
        refused("neigh add 192.0.2.7 dev gw0", "missing", "lladdr");
        refused("neigh add 192.0.2.7 lladdr 00:00:5e:00:53:50", "missing", "dev");
        refused("neigh add 192.0.2.300 lladdr 00:00:5e:00:53:50 dev gw0", "192.0.2.300");
        refused("neigh del 192.0.2.99 dev gw0", "192.0.2.99");
        refused("neigh del 192.0.2.99", "missing");
        refused("neigh show dev gw9", "no such port \"gw9\"");
        refused("neigh frobnicate", "unknown command", "frobnicate");
    }

    // ---------------------------------------------------------------- forwarding, stats, save, help

    @Test
    @Order(40)
    void forwardingOnOff() {
        assertEquals("forwarding on", ok("forwarding show").out().strip());
        ok("forwarding off");
        try {
            assertEquals("forwarding off", ok("forwarding show").out().strip());
            long before = CtlCheck.counter(ok("stats").out(), "drop.forwarding_disabled");
            Sh.Result ping = Net.ping(t.ns1, "198.51.100.1", "-c2", "-i0.05", "-W1");
            assertEquals(100.0, Net.loss(ping.out()), "forwarding off must stop forwarding\n" + ping.describe());
            long after = CtlCheck.counter(ok("stats").out(), "drop.forwarding_disabled");
            assertTrue(after > before, "drop.forwarding_disabled " + before + " -> " + after);
            assertTrue(ok("save").out().contains("\nforwarding off\n"), "save lacks 'forwarding off'");
        } finally {
            d.ctl("forwarding", "on");
        }
        assertEquals("forwarding on", ok("forwarding show").out().strip());
        t.assertPingThrough("ping after forwarding on");
        refused("forwarding maybe", "maybe");
        refused("forwarding on now", "now");
        assertBaseline("forwarding off/on");
    }

    @Test
    @Order(41)
    void statsAndErrors() {
        String s = ok("stats").out();
        for (String c : List.of("drop.ip_bad_checksum", "port.gw0.rx_packets", "port.gw1.tx_packets")) {
            assertTrue(CtlCheck.counter(s, c) >= 0, "stats lacks " + c + "\n" + s);
        }
        refused("stats foo", "foo");
    }

    @Test
    @Order(42)
    void saveToStdoutAndFile() throws IOException {
        Path dir = CtlDaemon.newDir("save");
        try {
            String stdout = ok("save").out();
            assertTrue(stdout.contains("link add gw0 type tap ifname " + t.if1 + " netns " + t.ns1 + " address 00:00:5e:00:53:12"),
                    stdout);
            assertTrue(stdout.contains("addr add 192.0.2.254/24 dev gw0\n"), stdout);
            Path f = dir.resolve("saved.conf");
            Sh.Result r = d.ctlOk("save", f.toString());
            assertTrue(r.out().isEmpty(), "save FILE prints nothing\n" + r.describe());
            assertEquals(stdout, Files.readString(f), "save FILE differs from save");
            CtlCheck.assertError(d.ctl("save", dir.resolve("no/such/dir/x.conf").toString()), 1, d.diag(), "save", "no/such/dir");
            refused("save a b", "\"b\"");
        } finally {
            Routerd.deleteTree(dir);
        }
    }

    @Test
    @Order(43)
    void helpOutputs() {
        String all = ok("help").out();
        assertTrue(all.contains("usage") && all.contains("route add") && all.contains("neigh") && all.contains("link add"), all);
        for (String[] h : new String[][] {{"link", "link add"}, {"addr", "addr add"}, {"route", "route get"},
                {"neigh", "neigh add"}, {"forwarding", "forwarding on"}}) {
            String o = ok(h[0] + " help").out();
            assertTrue(o.contains(h[1]), h[0] + " help\n" + o);
            assertEquals(o, ok("help " + h[0]).out(), "help " + h[0] + " vs " + h[0] + " help");
        }
        Sh.Result dash = d.ctl("-h");
        assertEquals(0, dash.exit(), dash.describe());
        assertTrue(dash.out().contains("usage"), dash.describe());
    }

    @Test
    @Order(44)
    void unknownObjectOrCommand() {
        refused("bogus show", "unknown object", "bogus");
        refused("bogus", "unknown object", "bogus");
        refused("help-me please", "unknown object", "help-me");
        assertEquals(ok("route show").out(), ok("route").out(), "a bare object means 'show', as in ip");
    }

    @Test
    @Order(50)
    void jsonForEveryListing() {
        ok("neigh flush");
        t.assertPingThrough("ping before -j neigh show");
        assertEquals("[\"gw0\", \"gw1\"]", CtlCheck.python(ok("-j link show").out(), "[r['ifname'] for r in d]"));
        assertEquals("[\"00:00:5e:00:53:12\", 1500]", CtlCheck.python(ok("-j link show gw0").out(), "[d[0]['address'], d[0]['mtu']]"));
        String rx = CtlCheck.python(ok("-j link show -s").out(), "d[0]['stats64']['rx']['packets']");
        assertTrue(Long.parseLong(rx) > 0, "-j link show -s: rx packets " + rx);
        assertEquals("[\"192.0.2.254\", 24]",
                CtlCheck.python(ok("-j addr show dev gw0").out(), "[d[0]['addr_info'][0]['local'], d[0]['addr_info'][0]['prefixlen']]"));
        assertEquals("[\"192.0.2.0/24\", \"198.51.100.0/24\"]", CtlCheck.python(ok("-j route show").out(), "[r['dst'] for r in d]"));
        ok("route add 203.0.113.0/24 via 198.51.100.1");
        try {
            assertEquals("[\"198.51.100.1\", \"gw1\"]",
                    CtlCheck.python(ok("-j route get 203.0.113.9").out(), "[d[0]['gateway'], d[0]['dev']]"));
        } finally {
            d.ctl("route", "del", "203.0.113.0/24");
        }
        assertEquals("[\"192.0.2.1\", \"198.51.100.1\"]", CtlCheck.python(ok("-j neigh show").out(), "[r['dst'] for r in d]"));
        assertEquals("true", CtlCheck.python(ok("-j forwarding show").out(), "d[0]['forwarding']"));
        assertEquals("true", CtlCheck.python(ok("-j stats").out(), "any(r['name'] == 'drop.ip_bad_checksum' for r in d)"));
        // errors stay one line of text with -j
        CtlCheck.assertError(d.ctl("-j", "route", "get", "10.200.0.1"), 1, d.diag(), "10.200.0.1");
        assertBaseline("-j listings");
    }

    /** Usage and connection problems: exit 2, and (as for every error) one stderr line. */
    @Test
    @Order(60)
    void usageAndConnectionErrors() throws IOException {
        String ctl = Routerd.routerctlBin().toString();
        String missing = d.dir().resolve("missing.sock").toString();
        Path empty = Files.createTempFile(d.dir(), "batch", ".txt");
        List<List<String>> cases = List.of(
                List.of(ctl, "--socket", d.socket().toString()),
                List.of(ctl, "--socket"),
                List.of(ctl, "--socket", d.socket().toString(), "-b"),
                List.of(ctl, "--socket", d.socket().toString(), "-b", empty.toString(), "route", "show"),
                List.of(ctl, "--socket", d.socket().toString(), "completion", "zsh"),
                List.of(ctl, "--socket", missing, "link", "show"));
        StringBuilder problems = new StringBuilder();
        for (List<String> c : cases) {
            Sh.Result r = Sh.cmd(c).run();
            List<String> err = CtlCheck.lines(r.err());
            if (r.exit() != 2 || err.size() != 1 || !err.get(0).startsWith("routerctl: ") || !r.out().isEmpty()) {
                problems.append("\n").append(r.describe());
            }
        }
        assertTrue(problems.length() == 0, "expected exit 2 and exactly one stderr line 'routerctl: ...' for:" + problems);
        assertBaseline("usage errors");
    }
}
