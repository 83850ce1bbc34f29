package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.AssertionFailedError;

/**
 * Control of {@link RouterdBridgeScenarioTest}: the same host-side checks ({@link BridgeChecks})
 * against a Linux bridge, which shows that they pass on a real learning bridge (and so that what
 * they demand of routerd is what a kernel bridge does). The hosts are those of
 * {@link BridgeTopology} (same namespaces' roles, addresses, MACs), joined by veth pairs to a
 * "switch" namespace that holds {@code br0} ({@code ip link add type bridge}, STP off, the
 * bridge's MAC and 192.0.2.254/24 on it) and the routed port gw1 198.51.100.254/24 to ns4, with
 * {@code ip_forward=1}. The last test turns the bridge into a hub and shows that the checks then
 * fail.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120)
class KernelBridgeScenarioTest {
    private final Namespaces names = new Namespaces();
    private final String[] ns = new String[5];
    private final String[] ifs = new String[5];
    private String sw;
    private Path work;

    @BeforeAll
    void setUp() throws IOException {
        Namespaces.assumeNetnsCapable();
        work = Files.createTempDirectory("trt-kbridge-");
        sw = names.create("sw");
        for (String n : new String[] {sw}) {
            Sh.ns(n, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1").ok();
            Sh.ns(n, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1").ok();
        }
        Sh.ok("ip", "-n", sw, "link", "add", "br0", "type", "bridge", "stp_state", "0");
        Sh.ok("ip", "-n", sw, "link", "set", "br0", "address", BridgeTopology.BRIDGE_MAC);
        for (int i = 1; i <= 4; i++) {
            ns[i] = names.create("ns" + i);
            ifs[i] = names.ifname("ns" + i + "v0");
            Sh.ns(ns[i], "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1").ok();
            Sh.ns(ns[i], "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1").ok();
            String port = i <= 3 ? "p" + i : "gw1";
            Net.veth(ns[i], ifs[i], sw, port);
            if (i <= 3) {
                BridgeTopology.hostNic(ns[i], ifs[i], BridgeTopology.hostMac(i));
                Sh.ok("ip", "-n", sw, "link", "set", port, "master", "br0");
                Sh.ok("ip", "-n", sw, "link", "set", port, "up");
                Net.host(ns[i], ifs[i], "192.0.2." + i + "/24", "192.0.2.254");
            } else {
                Net.kernelPort(sw, port, "00:00:5e:00:53:21", "198.51.100.254/24");
                Net.host(ns[i], ifs[i], "198.51.100.1/24", "198.51.100.254");
            }
        }
        Sh.ok("ip", "-n", sw, "addr", "add", "192.0.2.254/24", "dev", "br0");
        Sh.ok("ip", "-n", sw, "link", "set", "br0", "up");
        Net.kernelForwarding(sw);
    }

    @AfterAll
    void tearDown() {
        names.close();
        if (work != null) {
            Routerd.deleteTree(work);
        }
    }

    private String diag() {
        return "\n--- switch: bridge fdb show br br0 / ip neigh ---\n"
            + Sh.run("bridge", "-n", sw, "fdb", "show", "br", "br0").out()
            + Sh.run("ip", "-n", sw, "neigh", "show").out();
    }

    private BridgeChecks checks() {
        return new BridgeChecks(ns, ifs, work, this::diag);
    }

    @Test
    @Order(1)
    void bridgedHostsPingEachOtherWithTtl64() {
        checks().bridgedHostsPingEachOtherWithTtl64();
    }

    @Test
    @Order(2)
    void bridgeFdbShowListsTheThreeHostsOnTheirPorts() {
        String show = Sh.ok("bridge", "-n", sw, "fdb", "show", "br", "br0").out();
        for (int i = 1; i <= 3; i++) {
            assertTrue(show.contains(BridgeTopology.hostMac(i) + " dev p" + i + " master br0"), show);
        }
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
    }

    /**
     * The checks tell a learning bridge from a hub: with {@code ageing_time 0} every FDB entry of
     * the Linux bridge expires at once, so it floods every frame; then ns3 sees ns1's and ns2's
     * ICMP and the ARP reply meant for ns1, and those two checks fail.
     */
    @Test
    @Order(6)
    void theChecksFailOnAHub() {
        Sh.ok("ip", "-n", sw, "link", "set", "br0", "type", "bridge", "ageing_time", "0");
        try {
            assertThrows(AssertionFailedError.class, () -> checks().onceLearnedNs3SeesNoneOfTheIcmpBetweenNs1AndNs2());
            assertThrows(AssertionFailedError.class, () -> checks().anArpRequestReachesEveryHostAndItsReplyOnlyTheAsker());
            checks().bridgedHostsPingEachOtherWithTtl64(); // a hub still connects them
        } finally {
            Sh.ok("ip", "-n", sw, "link", "set", "br0", "type", "bridge", "ageing_time", "30000");
        }
        checks().onceLearnedNs3SeesNoneOfTheIcmpBetweenNs1AndNs2();
    }
}
