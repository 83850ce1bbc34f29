package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** routerd start-up and shut-down: config errors, SIGTERM, TAP removal. */
@Tag("netns")
@Timeout(value = 60)
class RouterdLifecycleTest {
    @BeforeEach
    void assumeCapable() {
        Namespaces.assumeNetnsCapable();
    }

    @Test
    void badConfigLineStopsStartUpWithFileAndLine() {
        String config = "# line 1: a comment\n"
                + "forwarding on\n"
                + "route add banana\n"
                + "forwarding on\n";
        Sh.Result r = Routerd.runToExit("badconf", config, Duration.ofSeconds(30));
        String path = Routerd.configPathFor(r).toString();
        assertEquals(1, r.exit(), "routerd with a bad config line must exit 1\n" + r.describe());
        assertTrue(r.err().contains(path + ":3:"), "stderr should contain '" + path + ":3:'\n" + r.describe());
    }

    @Test
    void sigtermExitsZeroAndRemovesTaps() {
        try (Namespaces n = new Namespaces()) {
            String ns1 = n.create("ns1");
            String ns2 = n.create("ns2");
            String if1 = n.ifname("ns1v0");
            String if2 = n.ifname("ns2v0");
            Routerd r = Routerd.start("life", BookTopology.config(ns1, if1, ns2, if2));
            try {
                assertTrue(Sh.cmd("ip", "-n", ns1, "link", "show", "dev", if1).run().ok(), "TAP " + if1 + " not in " + ns1);
                assertTrue(Sh.cmd("ip", "-n", ns2, "link", "show", "dev", if2).run().ok(), "TAP " + if2 + " not in " + ns2);
                assertFalse(Sh.cmd("ip", "link", "show", "dev", if1).run().ok(), "TAP " + if1 + " left in the root namespace");
            } finally {
                try {
                    r.stopCleanly();
                } finally {
                    r.close();
                }
            }
            boolean gone = Sh.waitUntil(Duration.ofSeconds(3),
                    () -> !Sh.cmd("ip", "-n", ns1, "link", "show", "dev", if1).run().ok()
                            && !Sh.cmd("ip", "-n", ns2, "link", "show", "dev", if2).run().ok());
            assertTrue(gone, "routerd left its TAPs behind:\n" + Sh.run("ip", "-n", ns1, "link").out()
                    + Sh.run("ip", "-n", ns2, "link").out());
        }
    }
}
