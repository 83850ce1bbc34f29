package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** tools/lab up/down/status, isolated from a user's lab by its own prefix and state directory. */
@Tag("netns")
@Timeout(value = 120)
class LabScriptTest {
    private String prefix;
    private Path state;

    @BeforeEach
    void setUp() {
        Namespaces.assumeNetnsCapable();
        prefix = "tl" + (ProcessHandle.current().pid() % 10000);
        state = Routerd.tempDir("lab");
    }

    @AfterEach
    void tearDown() {
        lab("down");
        for (String role : new String[] {"ns1", "ns2", "ns3", "mid"}) {
            Sh.run("ip", "netns", "del", prefix + "-" + role);
        }
        Sh.run("rm", "-rf", state.toString());
    }

    private Sh.Result lab(String... args) {
        String[] argv = new String[args.length + 1];
        argv[0] = Routerd.repoRoot().resolve("tools/lab").toString();
        System.arraycopy(args, 0, argv, 1, args.length);
        return Sh.cmd(argv).env("TAPROUTER_LAB_PREFIX", prefix).env("TAPROUTER_LAB_DIR", state.toString())
                .timeoutSeconds(90).run();
    }

    private Sh.Result labOk(String... args) {
        Sh.Result r = lab(args);
        assertEquals(0, r.exit(), "tools/lab " + String.join(" ", args) + "\n" + r.describe());
        return r;
    }

    @Test
    void routerUpPingDownIdempotent() {
        Sh.Result up = labOk("up", "router");
        assertTrue(up.out().contains("ip netns exec " + prefix + "-ns1 ping"), "hints\n" + up.describe());
        Net.assertPingOk(Net.ping(prefix + "-ns1", "198.51.100.1", "-c3", "-i0.2", "-W1"), 63, "");
        assertTrue(labOk("up", "router").out().contains("already up"));
        assertTrue(labOk("status").out().contains("router: up"));
        Sh.Result other = lab("up", "two-routers");
        assertNotEquals(0, other.exit(), "two-routers must refuse while router is up\n" + other.describe());
        labOk("down", "router");
        labOk("down", "router");
        assertFalse(Namespaces.exists(prefix + "-ns1"), "lab down left " + prefix + "-ns1");
        assertFalse(Namespaces.exists(prefix + "-ns2"), "lab down left " + prefix + "-ns2");
        assertFalse(Files.exists(state.resolve("router")), "lab down left its state directory");
        assertTrue(labOk("status").out().contains("no lab is up"));
    }

    @Test
    void twoRoutersUpPingDown() {
        labOk("up", "two-routers");
        Net.assertPingOk(Net.ping(prefix + "-ns1", "198.51.100.1", "-c3", "-i0.2", "-W1"), 62, "");
        labOk("down");
        assertFalse(Namespaces.exists(prefix + "-mid"), "lab down left " + prefix + "-mid");
    }

    @Test
    void bridgeUpPingFdbDown() {
        Sh.Result up = labOk("up", "bridge");
        assertTrue(up.out().contains("fdb show"), "hints\n" + up.describe());
        Net.assertPingOk(Net.ping(prefix + "-ns1", "192.0.2.2", "-c2", "-i0.2", "-W1"), 64, "");
        Net.assertPingOk(Net.ping(prefix + "-ns3", "192.0.2.1", "-c2", "-i0.2", "-W1"), 64, "");
        Sh.Result fdb = Sh.ok(Routerd.routerctlBin().toString(), "--socket", state.resolve("bridge/routerd.sock").toString(),
            "fdb", "show");
        for (int i = 1; i <= 3; i++) {
            assertTrue(fdb.out().contains("00:00:5e:00:53:0" + i + " dev p" + i + " master br0"), fdb.describe());
        }
        assertTrue(labOk("status").out().contains("bridge: up"));
        labOk("down", "bridge");
        assertFalse(Namespaces.exists(prefix + "-ns3"), "lab down left " + prefix + "-ns3");
    }

    @Test
    void homeRouterUpPingDown() {
        labOk("up", "home-router");
        Net.assertPingOk(Net.ping(prefix + "-ns1", "192.0.2.2", "-c2", "-i0.2", "-W1"), 64, "");
        Net.assertPingOk(Net.ping(prefix + "-ns1", "198.51.100.1", "-c2", "-i0.2", "-W1"), 63, "");
        Net.assertPingOk(Net.ping(prefix + "-ns3", "192.0.2.2", "-c2", "-i0.2", "-W1"), 63, "");
        Net.assertPingOk(Net.ping(prefix + "-ns2", "192.0.2.254", "-c1", "-W1"), 64, "");
        assertTrue(Sh.ok("ip", "-n", prefix + "-ns2", "neigh", "show", "192.0.2.254").out().contains("00:00:5e:00:53:b0"),
            "the router answers ARP on the bridge with the bridge's MAC");
        labOk("down");
        assertFalse(Namespaces.exists(prefix + "-ns1"), "lab down left " + prefix + "-ns1");
    }

    @Test
    void natUpPingConntrackDown() {
        Sh.Result up = labOk("up", "nat");
        assertTrue(up.out().contains("conntrack -L"), "hints\n" + up.describe());
        Net.assertPingOk(Net.ping(prefix + "-ns1", "203.0.113.1", "-c2", "-i0.2", "-W1"), 63, "");
        Sh.Result ct = Sh.ok(Routerd.routerctlBin().toString(), "--socket", state.resolve("nat/routerd.sock").toString(),
            "conntrack", "-L", "-p", "icmp");
        assertTrue(ct.out().contains("src=192.0.2.1 dst=203.0.113.1 type=8") && ct.out().contains("dst=203.0.113.254 type=0"),
            ct.describe());
        assertFalse(Sh.ok("ip", "-n", prefix + "-ns2", "route", "show").out().contains("default"), "ns2 has no route back");
        labOk("down", "nat");
        assertFalse(Namespaces.exists(prefix + "-ns1"), "lab down left " + prefix + "-ns1");
    }

    @Test
    void laterTopologiesAreRefusedClearly() {
        Sh.Result r = lab("up", "vlan");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("vlan topologies come with a later issue"), r.describe());
    }
}
