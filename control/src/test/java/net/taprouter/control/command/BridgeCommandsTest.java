package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import net.taprouter.dataplane.iface.Interface;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bridge commands on a live control plane (TAPs in a namespace of the test): link add type
 * bridge, master/nomaster, ageing and FDB bounds, fdb add/del/flush/show, link del of a bridge or
 * of one of its ports, their outputs and save; every one undone by a failed request.
 */
@Timeout(60)
class BridgeCommandsTest {
    private String ns;
    private LiveRouter r;

    @BeforeEach
    void setUp() {
        assumeTrue(LiveRouter.isRoot(), "needs root (TAPs in a network namespace)");
        ns = LiveRouter.createNamespace("br");
        r = new LiveRouter();
        r.ok("link add p1 type tap ifname t1 netns " + ns + " address 00:00:5e:00:53:a1\n"
            + "link add p2 type tap ifname t2 netns " + ns + " address 00:00:5e:00:53:a2\n"
            + "link add gw1 type tap ifname t3 netns " + ns + " address 00:00:5e:00:53:a3\n"
            + "link add br0 type bridge address 00:00:5e:00:53:b0\n"
            + "link set p1 master br0\nlink set p2 master br0\n"
            + "addr add 192.0.2.254/24 dev br0\naddr add 198.51.100.254/24 dev gw1");
    }

    @AfterEach
    void tearDown() {
        if (r != null) {
            r.close();
        }
        LiveRouter.deleteNamespace(ns);
    }

    private void assertRefusedUnchanged(String batch) {
        String before = r.save() + r.ok("link show") + r.ok("fdb show") + r.ok("route show");
        assertThrows(CommandProcessor.Failure.class, () -> r.run(batch + "\nfrobnicate"));
        assertEquals(before, r.save() + r.ok("link show") + r.ok("fdb show") + r.ok("route show"),
            "a refused request changed the router:\n" + batch);
    }

    @Test
    void linkShowNamesTheMasterAndTheBridge() {
        String show = r.ok("link show");
        assertTrue(show.contains("1: p1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master br0 state UP\n"), show);
        assertTrue(show.contains("3: gw1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP\n"), show);
        assertTrue(show.contains("4: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP\n"
            + "    link/ether 00:00:5e:00:53:b0 brd ff:ff:ff:ff:ff:ff\n"
            + "    bridge ageing 300 fdb_max 65536 fdb_port_limit 8192\n"), show);
        String json = r.ok("link show p1").isEmpty() ? "" : jsonOf("link show p1");
        assertTrue(json.contains("\"master\":\"br0\""), json);
        assertTrue(r.ok("route show").contains("192.0.2.0/24 dev br0 proto kernel scope link src 192.0.2.254"));
    }

    private String jsonOf(String command) {
        try {
            return r.processor.run(command, "-", true);
        } catch (CommandProcessor.Failure e) {
            throw new AssertionError(e.getMessage());
        }
    }

    @Test
    void staticEntriesAreShownSavedAndUndone() {
        r.ok("fdb add 00:00:5e:00:53:01 dev p1\nfdb add 00:00:5e:00:53:02 dev p2 master static");
        assertEquals("00:00:5e:00:53:01 dev p1 master br0 permanent\n00:00:5e:00:53:02 dev p2 master br0 permanent\n",
            r.ok("fdb show"));
        assertEquals("00:00:5e:00:53:02 dev p2 master br0 permanent\n", r.ok("fdb show dev p2"));
        assertEquals("[{\"mac\":\"00:00:5e:00:53:01\",\"ifname\":\"p1\",\"master\":\"br0\",\"state\":\"permanent\"}]",
            jsonOf("fdb show br br0 dev p1").strip());
        assertTrue(r.save().contains("link set p1 master br0\nlink set p2 master br0\naddr add"), r.save());
        assertTrue(r.save().contains("fdb add 00:00:5e:00:53:01 dev p1\nfdb add 00:00:5e:00:53:02 dev p2\n"), r.save());
        assertRefusedUnchanged("fdb del 00:00:5e:00:53:01 dev p1");
        assertRefusedUnchanged("fdb add 00:00:5e:00:53:03 dev p1");
        assertRefusedUnchanged("link set p1 nomaster");
        assertRefusedUnchanged("link del br0");
        assertRefusedUnchanged("link del p2");
        assertRefusedUnchanged("link set br0 ageing 10 fdb_max 2 fdb_port_limit 1");
        CommandProcessor.Failure exists = assertThrows(CommandProcessor.Failure.class,
            () -> r.run("fdb add 00:00:5e:00:53:01 dev p2"));
        assertEquals("fdb add: entry 00:00:5e:00:53:01 exists (static on p1: fdb del it first)", exists.getMessage());
        assertEquals("fdb del: no entry 00:00:5e:00:53:01 on p2",
            assertThrows(CommandProcessor.Failure.class, () -> r.run("fdb del 00:00:5e:00:53:01 dev p2")).getMessage());
        assertEquals("link set: 2 static FDB entries do not fit in 1",
            assertThrows(CommandProcessor.Failure.class, () -> r.run("link set br0 fdb_max 1")).getMessage());
        r.ok("fdb del 00:00:5e:00:53:01 dev p1");
        assertEquals("00:00:5e:00:53:02 dev p2 master br0 permanent\n", r.ok("fdb show"));
        r.ok("link set p2 nomaster");
        assertEquals("", r.ok("fdb show"), "a port that leaves takes its entries with it");
    }

    @Test
    void aPortThatANatRuleNamesCannotJoinABridge() {
        r.ok("link add p3 type tap ifname t4 netns " + ns + "\nnat add masquerade src 10.0.0.0/8 out p3");
        assertEquals("link set: port p3 is used by NAT rule 1 (nat del 1 first)",
            assertThrows(CommandProcessor.Failure.class, () -> r.run("link set p3 master br0")).getMessage());
        r.ok("nat del 1\nlink set p3 master br0");
    }

    @Test
    void aBridgePortHasNoAddressesAndABridgeNoMaster() {
        assertEquals("addr add: port \"p1\" is a port of bridge br0 (addresses and routes go on the bridge)",
            assertThrows(CommandProcessor.Failure.class, () -> r.run("addr add 203.0.113.1/24 dev p1")).getMessage());
        assertEquals("link set: port gw1 has addresses (addr del them first: a bridge port has none)",
            assertThrows(CommandProcessor.Failure.class, () -> r.run("link set gw1 master br0")).getMessage());
        assertEquals("link set: br0 is a bridge: only a port can have a master",
            assertThrows(CommandProcessor.Failure.class, () -> r.run("link set br0 master br0")).getMessage());
        assertEquals("link set: \"gw1\" is not a bridge",
            assertThrows(CommandProcessor.Failure.class, () -> r.run("link set p1 master gw1")).getMessage());
        assertEquals("fdb add: \"gw1\" is not a bridge port",
            assertThrows(CommandProcessor.Failure.class, () -> r.run("fdb add 00:00:5e:00:53:01 dev gw1")).getMessage());
    }

    @Test
    void deletingTheBridgeFreesItsPortsAndSettingsAreSaved() {
        r.ok("link set br0 ageing 10 fdb_max 1000 fdb_port_limit 100\nlink set br0 down");
        String saved = r.save();
        assertTrue(saved.contains("link add br0 type bridge address 00:00:5e:00:53:b0 mtu 1500 ageing 10 fdb_max 1000 fdb_port_limit 100\n"),
            saved);
        assertTrue(saved.contains("link set br0 down\n"), saved);
        assertTrue(r.ok("link show br0").startsWith("4: br0: <BROADCAST,MULTICAST> mtu 1500 state DOWN\n"), r.ok("link show br0"));
        Interface p1 = r.state.link("p1").iface();
        r.ok("link del br0");
        assertSame(p1, r.state.link("p1").port().upper(), "p1 is a port of its own again");
        assertTrue(r.ok("link show p1").startsWith("1: p1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP\n"));
        r.ok("addr add 203.0.113.1/24 dev p1");
        assertTrue(!r.ok("route show").contains("192.0.2.0/24"), "the bridge's routes went with it");
        // a new bridge does not get the old one's interface index before its removal finished
        r.ok("link add br1 type bridge");
        assertEquals(r.state.link("br1").iface(), r.dataplane.interfaces().get(r.state.link("br1").iface().index()));
    }

    @Test
    void saveRestoresTheSameBridge() throws Exception {
        r.ok("fdb add 00:00:5e:00:53:01 dev p2\nlink set br0 ageing 0");
        String saved = r.save();
        String fdb = r.ok("fdb show");
        r.close(); // its TAPs go: the second router makes them again
        r = null;
        try (LiveRouter second = new LiveRouter()) {
            second.runFile(saved, "saved.conf");
            assertEquals(saved, second.save());
            assertEquals(fdb, second.ok("fdb show"));
        } catch (CommandProcessor.Failure e) {
            throw new AssertionError(e.getMessage() + "\n" + saved);
        }
    }
}
