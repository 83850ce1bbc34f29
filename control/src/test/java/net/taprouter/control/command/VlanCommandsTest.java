package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.l2.PortVlans;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The VLAN commands on a live control plane (TAPs in a namespace of the test): vlan_filtering,
 * bridge vlan add/del/show, VLAN sub-interfaces of a port and of a bridge, fdb ... vlan N; their
 * outputs (iproute2's layouts), what the dataplane sees, save, and every one undone by a failed
 * request.
 */
@Timeout(60)
class VlanCommandsTest {
    private String ns;
    private LiveRouter r;

    @BeforeEach
    void setUp() {
        assumeTrue(LiveRouter.isRoot(), "needs root (TAPs in a network namespace)");
        ns = LiveRouter.createNamespace("vlan");
        r = new LiveRouter();
        r.ok("link add p1 type tap ifname t1 netns " + ns + " address 00:00:5e:00:53:a1\n"
            + "link add p2 type tap ifname t2 netns " + ns + " address 00:00:5e:00:53:a2\n"
            + "link add trunk type tap ifname t3 netns " + ns + " address 00:00:5e:00:53:a3\n"
            + "link add gw0 type tap ifname t4 netns " + ns + " address 00:00:5e:00:53:a4\n"
            + "link add br1 type bridge address 00:00:5e:00:53:b1 vlan_filtering 1\n"
            + "link set p1 master br1\nlink set p2 master br1\nlink set trunk master br1");
    }

    @AfterEach
    void tearDown() {
        if (r != null) {
            r.close();
        }
        LiveRouter.deleteNamespace(ns);
    }

    private String json(String command) {
        try {
            return r.processor.run(command, "-", true).strip();
        } catch (CommandProcessor.Failure e) {
            throw new AssertionError(e.getMessage());
        }
    }

    private String refused(String request) {
        return assertThrows(CommandProcessor.Failure.class, () -> r.run(request)).getMessage();
    }

    private void assertRefusedUnchanged(String batch) {
        String before = r.save() + r.ok("link show") + r.ok("bridge vlan show") + r.ok("fdb show");
        assertThrows(CommandProcessor.Failure.class, () -> r.run(batch + "\nfrobnicate"));
        assertEquals(before, r.save() + r.ok("link show") + r.ok("bridge vlan show") + r.ok("fdb show"),
            "a refused request changed the router:\n" + batch);
    }

    private PortVlans vlansOf(String port) {
        return r.state.link(port).port().vlans();
    }

    @Test
    void portsStartWithVlanOnePvidUntaggedAndShowAsIproute2Does() {
        assertEquals("port              vlan-id  \n"
            + "p1                1 PVID Egress Untagged\n"
            + "p2                1 PVID Egress Untagged\n"
            + "trunk             1 PVID Egress Untagged\n"
            + "br1               1 PVID Egress Untagged\n", r.ok("bridge vlan show"));
        r.ok("bridge vlan add dev p1 vid 10 pvid untagged\nbridge vlan del dev p1 vid 1\n"
            + "bridge vlan add dev p2 vid 20 pvid untagged\nbridge vlan del dev p2 vid 1\n"
            + "bridge vlan add dev trunk vid 10\nbridge vlan add dev trunk vid 20");
        assertEquals("port              vlan-id  \n"
            + "p1                10 PVID Egress Untagged\n"
            + "p2                20 PVID Egress Untagged\n"
            + "trunk             1 PVID Egress Untagged\n"
            + "                  10\n"
            + "                  20\n"
            + "br1               1 PVID Egress Untagged\n", r.ok("bridge vlan show"));
        assertEquals("port              vlan-id  \ntrunk             1 PVID Egress Untagged\n                  10\n                  20\n",
            r.ok("bridge vlan show dev trunk"));
        assertEquals("port              vlan-id  \ntrunk             20\n", r.ok("bridge vlan show dev trunk vid 20"));
        assertEquals("[{\"ifname\":\"p1\",\"vlans\":[{\"vlan\":10,\"flags\":[\"PVID\",\"Egress Untagged\"]}]}]",
            json("bridge vlan show dev p1"));
        assertEquals("[{\"ifname\":\"trunk\",\"vlans\":[{\"vlan\":1,\"flags\":[\"PVID\",\"Egress Untagged\"]},{\"vlan\":10},{\"vlan\":20}]}]",
            json("bridge vlan show dev trunk"));
        PortVlans p1 = vlansOf("p1");
        assertEquals(10, p1.pvid());
        assertTrue(p1.isUntagged(10) && !p1.isMember(1));
        PortVlans trunk = vlansOf("trunk");
        assertTrue(trunk.isMember(10) && !trunk.isUntagged(10) && trunk.isMember(20) && trunk.pvid() == 1);
        String saved = r.save();
        assertTrue(saved.contains("link add br1 type bridge address 00:00:5e:00:53:b1 mtu 1500 vlan_filtering 1\n"), saved);
        assertTrue(saved.contains("link set trunk master br1\n"
            + "bridge vlan add dev p1 vid 10 pvid untagged\nbridge vlan del dev p1 vid 1\n"
            + "bridge vlan add dev p2 vid 20 pvid untagged\nbridge vlan del dev p2 vid 1\n"
            + "bridge vlan add dev trunk vid 1 pvid untagged\nbridge vlan add dev trunk vid 10\nbridge vlan add dev trunk vid 20\n"), saved);
    }

    @Test
    void addSetsTheFlagsAnewAndDelOfThePvidLeavesNone() {
        r.ok("bridge vlan add dev p1 vid 10-12 untagged");
        assertTrue(vlansOf("p1").isUntagged(11));
        r.ok("bridge vlan add dev p1 vid 11");
        assertTrue(vlansOf("p1").isMember(11) && !vlansOf("p1").isUntagged(11), "re-added without untagged: tagged");
        r.ok("bridge vlan add dev p1 vid 12 pvid");
        assertEquals(12, vlansOf("p1").pvid(), "pvid moves");
        assertTrue(vlansOf("p1").isUntagged(1), "VLAN 1 stays untagged, no longer the pvid");
        r.ok("bridge vlan del dev p1 vid 12");
        assertEquals(0, vlansOf("p1").pvid());
        assertEquals("p1                1 Egress Untagged\n                  10 Egress Untagged\n                  11\n",
            r.ok("bridge vlan show dev p1").substring(28));
        assertEquals("bridge vlan: port p1 has no VLAN 99", refused("bridge vlan del dev p1 vid 99"));
        assertEquals("bridge vlan: \"gw0\" is not a bridge port", refused("bridge vlan add dev gw0 vid 10"));
        assertEquals("bridge vlan: VLAN id 4095 out of range 1..4094", refused("bridge vlan add dev p1 vid 4095"));
        assertEquals("bridge vlan: pvid cannot be configured for a VLAN range", refused("bridge vlan add dev p1 vid 3-4 pvid"));
        assertEquals("bridge vlan: missing \"dev PORT\" or \"vid VID\" (both are required)", refused("bridge vlan add dev p1"));
        assertRefusedUnchanged("bridge vlan add dev p1 vid 30 pvid untagged\nbridge vlan del dev p1 vid 1");
        r.ok("link set p1 nomaster");
        assertEquals(PortVlans.DEFAULT, vlansOf("p1"), "a port that leaves loses its bridge VLANs");
        r.ok("bridge vlan add dev p2 vid 5\nlink set p2 nomaster\nlink set p2 master br1");
        assertEquals(PortVlans.DEFAULT, vlansOf("p2"), "and joins with the default ones");
    }

    @Test
    void vlanFilteringIsLiveSavedAndUndone() {
        r.ok("link add br2 type bridge");
        Interface br2 = r.state.link("br2").iface();
        assertTrue(!br2.vlanFiltering());
        assertTrue(!r.ok("link show br2").contains("vlan_filtering"), "off: the line as before");
        r.ok("link set br2 vlan_filtering 1");
        assertTrue(br2.vlanFiltering());
        assertTrue(r.ok("link show br2").contains("    bridge ageing 300 fdb_max 65536 fdb_port_limit 8192 vlan_filtering 1\n"));
        assertTrue(json("link show br2").contains("\"vlan_filtering\":1"));
        assertRefusedUnchanged("link set br2 vlan_filtering 0");
        assertTrue(br2.vlanFiltering(), "undone");
        assertEquals("link set: vlan_filtering 2 out of range 0..1", refused("link set br2 vlan_filtering 2"));
        assertEquals("link set: gw0 is not a bridge (ageing, fdb_max, fdb_port_limit and vlan_filtering are a bridge's)",
            refused("link set gw0 vlan_filtering 1"));
        r.ok("link set br2 vlan_filtering 0");
        assertTrue(!br2.vlanFiltering());
    }

    @Test
    void subInterfacesOfAPortAndOfTheBridge() {
        r.ok("link add gw0.10 link gw0 type vlan id 10\nlink add br1.20 link br1 type vlan id 20 mtu 1400\n"
            + "addr add 192.0.2.254/24 dev gw0.10\naddr add 198.51.100.254/24 dev br1.20\naddr add 203.0.113.254/24 dev gw0");
        String show = r.ok("link show gw0.10");
        assertEquals("6: gw0.10@gw0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP\n"
            + "    link/ether 00:00:5e:00:53:a4 brd ff:ff:ff:ff:ff:ff\n"
            + "    vlan protocol 802.1Q id 10\n", show);
        assertTrue(r.ok("link show br1.20").startsWith("7: br1.20@br1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 state UP\n"
            + "    link/ether 00:00:5e:00:53:b1 "), r.ok("link show br1.20"));
        assertTrue(json("link show gw0.10").contains("\"ifname\":\"gw0.10\",\"link\":\"gw0\""), json("link show gw0.10"));
        assertTrue(json("link show gw0.10").contains("\"kind\":\"vlan\",\"protocol\":\"802.1Q\",\"id\":10"), json("link show gw0.10"));
        assertTrue(r.ok("addr show dev gw0.10").contains("inet 192.0.2.254/24"), r.ok("addr show dev gw0.10"));
        assertTrue(r.ok("route show").contains("192.0.2.0/24 dev gw0.10 proto kernel scope link src 192.0.2.254"));
        assertTrue(r.ok("bridge vlan show dev br1").contains("br1               1 PVID Egress Untagged\n                  20\n"));
        Interface gw0 = r.state.link("gw0").iface();
        Interface sub = r.state.link("gw0.10").iface();
        assertEquals(sub, gw0.vlanUpper(10));
        assertEquals(10, sub.txVlan());
        assertEquals(gw0.port(), sub.port());
        String saved = r.save();
        assertTrue(saved.contains("link add gw0.10 link gw0 type vlan id 10 address 00:00:5e:00:53:a4 mtu 1500\n"
            + "link add br1.20 link br1 type vlan id 20 address 00:00:5e:00:53:b1 mtu 1400\n"), saved);
        r.ok("link set gw0.10 down");
        assertTrue(r.ok("link show gw0.10").startsWith("6: gw0.10@gw0: <BROADCAST,MULTICAST> mtu 1500 state DOWN\n"));
        assertTrue(r.save().contains("link set gw0.10 down\n"));
        r.ok("link set gw0.10 up\nlink set gw0 down");
        assertTrue(r.ok("link show gw0.10").startsWith("6: gw0.10@gw0: <BROADCAST,MULTICAST,UP> mtu 1500 state LOWERLAYERDOWN\n"));
        r.ok("link set gw0 up");
        assertEquals("link add: VLAN 10 of gw0 exists (gw0.10)", refused("link add x link gw0 type vlan id 10"));
        assertEquals("link add: \"p1\" is a port of bridge br1 (its frames are the bridge's: link add ... link br1)",
            refused("link add p1.5 link p1 type vlan id 5"));
        assertEquals("link add: \"gw0.10\" is a VLAN interface (one tag only: 802.1ad is not supported)",
            refused("link add q link gw0.10 type vlan id 5"));
        assertEquals("link add: VLAN 1 is bridge br1's own (its pvid): its address goes on br1",
            refused("link add br1.1 link br1 type vlan id 1"));
        assertEquals("link add: missing \"id VID\"", refused("link add v link gw0 type vlan"));
        assertEquals("link add: \"link PARENT\" is for type vlan only", refused("link add v link gw0 type bridge"));
        r.ok("link add br3 type bridge");
        assertEquals("link add: bridge br3 does not filter VLANs (link set br3 vlan_filtering 1 first)",
            refused("link add br3.5 link br3 type vlan id 5"));
        assertEquals("link set: bridge br1 has VLAN sub-interfaces (link del br1.20 first)", refused("link set br1 vlan_filtering 0"));
        assertEquals("link set: port gw0 has VLAN sub-interfaces (link del gw0.10 first: a bridge port's frames are the bridge's)",
            refused("addr del 203.0.113.254/24 dev gw0\nlink set gw0 master br1"));
        assertEquals("link set: gw0.10 is a VLAN interface: only a port can have a master", refused("link set gw0.10 master br1"));
        assertRefusedUnchanged("link add gw0.11 link gw0 type vlan id 11\naddr add 100.64.0.1/24 dev gw0.11");
        assertRefusedUnchanged("link del gw0.10");
        assertRefusedUnchanged("link del gw0");
        assertRefusedUnchanged("link del br1");
        assertEquals(sub, gw0.vlanUpper(10), "undone: still gw0's sub-interface");
        r.ok("link del gw0.10");
        assertEquals(null, gw0.vlanUpper(10));
        assertTrue(!r.ok("route show").contains("192.0.2.0/24"), "its routes went with it");
        r.ok("link add gw0.10 link gw0 type vlan id 10\nlink del gw0");
        assertEquals(null, r.state.link("gw0.10"), "a port's sub-interfaces go with it");
        r.ok("link del br1");
        assertEquals(null, r.state.link("br1.20"));
    }

    @Test
    void staticEntriesInAVlan() {
        r.ok("bridge vlan add dev p1 vid 10 pvid untagged\nfdb add 00:00:5e:00:53:01 dev p1 vlan 10\n"
            + "fdb add 00:00:5e:00:53:01 dev p1 vlan 1");
        assertEquals("00:00:5e:00:53:01 dev p1 vlan 1 master br1 permanent\n00:00:5e:00:53:01 dev p1 vlan 10 master br1 permanent\n",
            r.ok("fdb show"));
        assertEquals("00:00:5e:00:53:01 dev p1 vlan 10 master br1 permanent\n", r.ok("fdb show vlan 10"));
        assertEquals("[{\"mac\":\"00:00:5e:00:53:01\",\"ifname\":\"p1\",\"vlan\":10,\"master\":\"br1\",\"state\":\"permanent\"}]",
            json("fdb show vlan 10"));
        assertTrue(r.save().contains("fdb add 00:00:5e:00:53:01 dev p1 vlan 1\nfdb add 00:00:5e:00:53:01 dev p1 vlan 10\n"), r.save());
        r.ok("fdb add 00:00:5e:00:53:02 dev p2 vlan 10\nfdb del 00:00:5e:00:53:02 dev p2 vlan 10"); // no member: kept, unused
        assertEquals("fdb del: no entry 00:00:5e:00:53:01 vlan 20 on p1", refused("fdb del 00:00:5e:00:53:01 dev p1 vlan 20"));
        assertRefusedUnchanged("fdb del 00:00:5e:00:53:01 dev p1 vlan 10");
        r.ok("fdb del 00:00:5e:00:53:01 dev p1 vlan 10");
        assertEquals("00:00:5e:00:53:01 dev p1 vlan 1 master br1 permanent\n", r.ok("fdb show"));
    }

    @Test
    void deletingAVlanFlushesThePortsLearnedEntriesInIt() {
        String host = LiveRouter.sh("ip", "-n", ns, "-o", "link", "show", "t1").replaceAll("(?s).*link/ether ([0-9a-f:]{17}).*", "$1").strip();
        LiveRouter.sh("ip", "-n", ns, "addr", "add", "192.0.2.1/24", "dev", "t1");
        LiveRouter.sh("ip", "-n", ns, "link", "set", "t1", "up");
        r.ok("fdb add 00:00:5e:00:53:09 dev p1 vlan 1");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!r.ok("fdb show dev p1").contains(host + " dev p1 vlan 1 master br1 age") && System.nanoTime() < deadline) {
            LiveRouter.shQuiet("ip", "netns", "exec", ns, "ping", "-c1", "-W1", "192.0.2.9"); // its ARP request is learned
        }
        assertTrue(r.ok("fdb show dev p1").contains(host + " dev p1 vlan 1 master br1 age"), r.ok("fdb show"));
        assertRefusedUnchanged("bridge vlan del dev p1 vid 1");
        assertTrue(r.ok("fdb show dev p1").contains(host + " dev p1 vlan 1 master br1 age"), "put back: " + r.ok("fdb show"));
        r.ok("bridge vlan add dev p1 vid 10 pvid untagged\nbridge vlan del dev p1 vid 1");
        LiveRouter.sh("ip", "-n", ns, "link", "set", "t1", "down"); // nothing learned again meanwhile
        assertEquals("00:00:5e:00:53:09 dev p1 vlan 1 master br1 permanent\n", r.ok("fdb show dev p1").replaceAll("(?m)^.* vlan 10 .*\n", ""),
            "the learned entry in VLAN 1 went with the VLAN, the static one stays (as Linux)");
    }

    @Test
    void saveRoundTripsByteForByte() {
        r.ok("bridge vlan add dev p1 vid 10 pvid untagged\nbridge vlan del dev p1 vid 1\nbridge vlan add dev p2 vid 1\n"
            + "bridge vlan add dev trunk vid 10-11\nbridge vlan del dev trunk vid 1\n"
            + "link add gw0.10 link gw0 type vlan id 10\nlink add br1.11 link br1 type vlan id 11\n"
            + "addr add 192.0.2.254/24 dev gw0.10\naddr add 198.51.100.254/24 dev br1.11\n"
            + "fdb add 00:00:5e:00:53:01 dev trunk vlan 11");
        String saved = r.save();
        assertTrue(saved.contains("bridge vlan add dev p2 vid 1\n"), "p2 has VLAN 1 tagged without a pvid: " + saved);
        String vlans = r.ok("bridge vlan show");
        String fdb = r.ok("fdb show");
        r.close();
        r = new LiveRouter();
        try {
            r.runFile(saved, "saved.conf");
        } catch (CommandProcessor.Failure e) {
            throw new AssertionError("routerd refuses its own saved configuration: " + e.getMessage() + "\n" + saved);
        }
        assertEquals(saved, r.save());
        assertEquals(vlans, r.ok("bridge vlan show"));
        assertEquals(fdb, r.ok("fdb show"));
    }
}
