package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
 * DHCP across routerd's bridge (issue 7), as in the book's DHCP chapter: {@code dnsmasq} in ns1
 * (192.0.2.1 on bridge port p1) serves 192.0.2.100-199 with the router 192.0.2.254; the other
 * hosts of {@link BridgeTopology} drop their addresses and ask with busybox {@code udhcpc}. The
 * DISCOVER/REQUEST broadcasts are flooded; dnsmasq's OFFER/ACK go back as unicast to the client's
 * MAC (learned from its DISCOVER) or, with the broadcast flag ({@code udhcpc -B}), flooded. The
 * lease must then carry traffic: a ping to the server ({@code ttl=64}, bridged) and one routed
 * through the router the lease names ({@code ttl=63}).
 *
 * <p>Nothing of the machine's configuration is read or written: dnsmasq runs with
 * {@code --conf-file=/dev/null}, no DNS ({@code --port=0}), its pid and lease files in the test's
 * temporary directory; udhcpc runs in the foreground with its own pid file and event script (it
 * only sets the address and the default route), exits once bound ({@code -q}) or after its tries
 * ({@code -n}). Both are children of the test and reaped.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 150)
class RouterdBridgeDhcpTest {
    private static final Pattern BOUND = Pattern.compile("^bound ip=(\\S+) mask=(\\d+) router=(\\S+) serverid=(\\S+)",
        Pattern.MULTILINE);

    private BridgeTopology t;
    private Path work;
    private Bg dnsmasq;

    @BeforeAll
    void setUp() throws IOException {
        Namespaces.assumeNetnsCapable();
        for (String tool : new String[] {"dnsmasq", "busybox"}) {
            assertTrue(Sh.cmd("sh", "-c", "command -v " + tool).timeoutSeconds(5).run().ok(),
                tool + " is missing: run tools/install-deps (Debian packages dnsmasq-base, busybox)");
        }
        work = Files.createTempDirectory("trt-dhcp-");
        t = BridgeTopology.create();
        dnsmasq = Sh.ns(t.ns[1], "dnsmasq", "--conf-file=/dev/null", "--keep-in-foreground", "--log-facility=-",
            "--log-dhcp", "--port=0", "--no-hosts", "--no-resolv", "--user=root", "--group=root",
            "--interface=" + t.ifs[1], "--bind-interfaces", "--except-interface=lo",
            "--pid-file=" + work.resolve("dnsmasq.pid"), "--dhcp-leasefile=" + work.resolve("dnsmasq.leases"),
            "--dhcp-range=192.0.2.100,192.0.2.199,255.255.255.0,1h", "--dhcp-option=option:router,192.0.2.254",
            "--dhcp-authoritative", "--no-ping")
            .start(work, "dnsmasq");
        assertTrue(Sh.waitUntil(Duration.ofSeconds(10), () -> dnsmasq.err().contains("DHCP, IP range")
            || !dnsmasq.alive()) && dnsmasq.alive(), "dnsmasq did not start\n" + dnsmasq.describe());
    }

    @AfterAll
    void tearDown() {
        if (dnsmasq != null) {
            dnsmasq.stop(Duration.ofSeconds(3));
        }
        if (t != null) {
            t.close();
        }
        if (work != null) {
            Routerd.deleteTree(work);
        }
    }

    /** A lease as the client's event script saw it. */
    private record Lease(String ip, int prefix, String router, String server) {
    }

    /** Host {@code i} drops its IPv4 configuration and asks for a lease; returns what it got. */
    private Lease dhcp(int i, boolean broadcastFlag) {
        String ns = t.ns[i];
        String ifname = t.ifs[i];
        Sh.ok("ip", "-n", ns, "-4", "addr", "flush", "dev", ifname);
        Path log = work.resolve("udhcpc" + i + ".events");
        Path script = work.resolve("udhcpc" + i + ".sh");
        writeScript(script, log);
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns, "busybox", "udhcpc", "-f", "-q", "-n",
            "-i", ifname, "-s", script.toString(), "-p", work.resolve("udhcpc" + i + ".pid").toString(), "-t", "5", "-T", "2"));
        if (broadcastFlag) {
            argv.add("-B");
        }
        Sh.Result r = Sh.cmd(argv).timeoutSeconds(40).run();
        String events = Files.exists(log) ? Sh.read(log) : "(no events)";
        assertTrue(r.ok(), "udhcpc in ns" + i + " got no lease\n" + r.describe() + "\nevents:\n" + events
            + "\ndnsmasq:\n" + dnsmasq.describe() + t.diag());
        Matcher m = BOUND.matcher(events);
        assertTrue(m.find(), "no bound event\n" + events);
        return new Lease(m.group(1), Integer.parseInt(m.group(2)), m.group(3), m.group(4));
    }

    /** The udhcpc event script: logs each event, sets the address and the default route, nothing else. */
    private static void writeScript(Path script, Path log) {
        String text = String.join("\n",
            "#!/bin/sh",
            "echo \"$1 ip=$ip mask=$mask router=$router serverid=$serverid lease=$lease\" >> '" + log + "'",
            "case \"$1\" in",
            "  deconfig) ip -4 addr flush dev \"$interface\"; ip link set \"$interface\" up ;;",
            "  bound|renew)",
            "    ip -4 addr flush dev \"$interface\"",
            "    ip addr add \"$ip/$mask\" dev \"$interface\"",
            "    [ -n \"$router\" ] && ip route replace default via \"${router%% *}\" dev \"$interface\"",
            "    ;;",
            "esac",
            "exit 0",
            "");
        try {
            Files.writeString(script, text);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean inRange(String ip) {
        if (!ip.startsWith("192.0.2.")) {
            return false;
        }
        int last = Integer.parseInt(ip.substring("192.0.2.".length()));
        return last >= 100 && last <= 199;
    }

    private void assertLeaseWorks(int i, Lease lease) {
        assertTrue(inRange(lease.ip()), "leased address outside the range: " + lease);
        assertEquals(24, lease.prefix(), lease.toString());
        assertEquals("192.0.2.254", lease.router(), lease.toString());
        assertEquals("192.0.2.1", lease.server(), lease.toString());
        assertTrue(Sh.ok("ip", "-n", t.ns[i], "-4", "addr", "show", "dev", t.ifs[i]).out().contains(lease.ip() + "/24"));
        Net.assertPingOk(Net.ping(t.ns[i], "192.0.2.1", "-c2", "-i0.2", "-W1"), 64, t.diag());
        Net.assertPingOk(Net.ping(t.ns[i], "198.51.100.1", "-c2", "-i0.2", "-W1"), 63, t.diag());
        String leases = Sh.read(work.resolve("dnsmasq.leases"));
        assertTrue(leases.contains(BridgeTopology.hostMac(i) + " " + lease.ip() + " "),
            "dnsmasq's lease file has the lease\n" + leases);
        String fdb = t.routerd.ctlOk("fdb", "show").out();
        assertTrue(fdb.contains(BridgeTopology.hostMac(i) + " dev p" + i + " master br0"), fdb);
    }

    @Test
    @Order(1)
    void aHostGetsALeaseAcrossTheBridgeAndPingsTheServer() {
        assertLeaseWorks(2, dhcp(2, false));
    }

    @Test
    @Order(2)
    void aClientAskingForBroadcastRepliesGetsOneToo() {
        Lease lease = dhcp(3, true);
        assertLeaseWorks(3, lease);
        assertTrue(dnsmasq.err().contains("DHCPACK(" + t.ifs[1] + ") " + lease.ip() + " " + BridgeTopology.hostMac(3)),
            dnsmasq.describe());
    }

    @Test
    @Order(3)
    void stopsCleanly() {
        assertTrue(dnsmasq.alive(), dnsmasq.describe());
        t.routerd.stopCleanly();
    }
}
