package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * routerd starts on a config whose port names a namespace that does not exist (yet): the start is
 * not blocked, that port is down (lost) and comes up with {@code link set NAME up} once the
 * namespace exists; an interactive {@code link add} with a missing namespace still fails.
 */
@Tag("netns")
@Timeout(value = 120)
class RouterdMissingNamespaceTest {
    private Namespaces names;
    private Routerd routerd;

    @BeforeEach
    void setUp() {
        Namespaces.assumeNetnsCapable();
        names = new Namespaces();
    }

    @AfterEach
    void tearDown() {
        try {
            if (routerd != null) {
                routerd.close();
            }
        } finally {
            names.close();
        }
    }

    @Test
    void aPortInAMissingNamespaceStartsLostAndComesUpLater() {
        String ns1 = names.create("ns1");
        String ns2 = names.create("ns2");
        String ns3 = names.name("ns3");
        assertFalse(Namespaces.exists(ns3));
        String if1 = names.ifname("ns1v0");
        String if2 = names.ifname("ns2v0");
        String if3 = names.ifname("ns3v0");
        routerd = Routerd.start("r", BookTopology.config(ns1, if1, ns2, if2)
                + "link add gw2 type tap ifname " + if3 + " netns " + ns3 + "\n"
                + "addr add 203.0.113.254/24 dev gw2\n");
        assertTrue(routerd.stderr().contains("gw2"), "no log line about gw2\n" + routerd.stderr());
        String gw2 = routerd.ctlOk("link", "show", "gw2").out();
        assertTrue(gw2.contains("LOWERLAYERDOWN"), "gw2 should be lost\n" + gw2);
        Net.host(ns1, if1, "192.0.2.1/24", "192.0.2.254");
        Net.host(ns2, if2, "198.51.100.1/24", "198.51.100.254");
        Net.assertPingOk(Net.ping(ns1, "198.51.100.1", "-c2", "-i0.2", "-W1"), 63, "");

        // interactive: still a one-line error
        Sh.Result bad = routerd.ctl("link", "add", "gw9", "type", "tap", "ifname", names.ifname("x9"), "netns",
                names.name("nope"));
        assertFalse(bad.ok(), "link add into a missing namespace succeeded\n" + bad.describe());
        assertEquals(1, bad.err().strip().lines().count(), bad.describe());
        assertFalse(routerd.ctlOk("link", "show").out().contains("gw9"));

        // too early: the namespace is still missing
        Sh.Result early = routerd.ctl("link", "set", "gw2", "up");
        assertFalse(early.ok(), "link set up without the namespace\n" + early.describe());

        assertEquals(ns3, names.create("ns3"));
        routerd.ctlOk("link", "set", "gw2", "up");
        gw2 = routerd.ctlOk("link", "show", "gw2").out();
        assertTrue(gw2.contains("state UP"), "gw2 after link set up\n" + gw2);
        Net.host(ns3, if3, "203.0.113.1/24", "203.0.113.254");
        Net.assertPingOk(Net.ping(ns1, "203.0.113.1", "-c3", "-i0.2", "-W2"), 63, "");
        String saved = routerd.ctlOk("save").out();
        assertTrue(saved.contains("link add gw2 type tap ifname " + if3 + " netns " + ns3), saved);
    }
}
