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
        for (String role : new String[] {"ns1", "ns2", "mid"}) {
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
    void laterTopologiesAreRefusedClearly() {
        Sh.Result r = lab("up", "bridge");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("bridge and nat topologies come with later issues"), r.describe());
    }
}
