package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The host-side checks of a bridge with three hosts ns1..ns3 (192.0.2.1-3/24, MACs
 * 00:00:5e:00:53:01-03), the router's address 192.0.2.254 on the bridge (MAC
 * {@link BridgeTopology#BRIDGE_MAC}) and a fourth host 198.51.100.1 routed behind it. They look
 * only at what the hosts see (ping, tcpdump, ARP caches), so the same code runs against routerd's
 * bridge ({@link RouterdBridgeScenarioTest}) and against a Linux bridge
 * ({@link KernelBridgeScenarioTest}, the control that shows the checks pass on a real learning
 * bridge).
 *
 * @param ns the hosts' namespaces, index 1..4
 * @param ifs the hosts' NICs, index 1..4
 * @param work where tcpdump writes
 * @param diag what to add to a failure message (the bridge's tables)
 */
record BridgeChecks(String[] ns, String[] ifs, Path work, Supplier<String> diag) {

    /** tcpdump of what host {@code host} receives (-Q in: not what it sends itself). */
    Bg tcpdump(int host, String filter, String label) {
        Bg dump = Sh.ns(ns[host], "tcpdump", "-l", "-n", "-e", "-Q", "in", "--immediate-mode", "-i", ifs[host], filter)
            .start(work, label);
        assertTrue(Sh.waitUntil(Duration.ofSeconds(10), () -> dump.err().contains("listening on")),
            "tcpdump did not start\n" + dump.describe());
        return dump;
    }

    void bridgedHostsPingEachOtherWithTtl64() {
        Net.assertPingOk(Net.ping(ns[1], "192.0.2.2", "-c2", "-i0.2", "-W1"), 64, diag.get());
        Net.assertPingOk(Net.ping(ns[1], "192.0.2.3", "-c2", "-i0.2", "-W1"), 64, diag.get());
        Net.assertPingOk(Net.ping(ns[2], "192.0.2.3", "-c2", "-i0.2", "-W1"), 64, diag.get());
    }

    void onceLearnedNs3SeesNoneOfTheIcmpBetweenNs1AndNs2() {
        Net.assertPingOk(Net.ping(ns[1], "192.0.2.2", "-c1", "-W1"), 64, diag.get()); // both learned (again)
        Bg dump = tcpdump(3, "icmp", "ns3-icmp");
        try {
            Net.assertPingOk(Net.ping(ns[1], "192.0.2.2", "-c5", "-i0.2", "-W1"), 64, diag.get());
            dump.stop(Duration.ofSeconds(3));
            assertFalse(dump.out().contains("ICMP"), "ns3 saw ICMP between ns1 and ns2\n" + dump.describe() + diag.get());
            assertTrue(dump.err().contains("0 packets captured"), dump.describe());
        } finally {
            dump.close();
        }
    }

    void anArpRequestReachesEveryHostAndItsReplyOnlyTheAsker() {
        Sh.ok("ip", "-n", ns[1], "neigh", "flush", "all");
        Sh.ok("ip", "-n", ns[2], "neigh", "flush", "all");
        Bg[] dumps = {null, tcpdump(1, "arp", "arp1"), tcpdump(2, "arp", "arp2"), tcpdump(3, "arp", "arp3")};
        try {
            Net.assertPingOk(Net.ping(ns[1], "192.0.2.2", "-c1", "-W1"), 64, diag.get());
            String request = "Request who-has 192.0.2.2 tell 192.0.2.1";
            String reply = "Reply 192.0.2.2 is-at 00:00:5e:00:53:02";
            assertTrue(Sh.waitUntil(Duration.ofSeconds(3), () -> dumps[1].out().contains(reply)
                && dumps[2].out().contains(request) && dumps[3].out().contains(request)), "who-has not seen everywhere\n"
                + dumps[1].describe() + dumps[2].describe() + dumps[3].describe() + diag.get());
            for (int i = 1; i <= 3; i++) {
                dumps[i].stop(Duration.ofSeconds(3));
            }
            // (ns3 may probe its own stale neighbours meanwhile: only frames to ns1 matter here)
            assertTrue(dumps[1].out().contains("00:00:5e:00:53:02 > 00:00:5e:00:53:01, ethertype ARP (0x0806), length 42: " + reply),
                dumps[1].describe());
            assertFalse(dumps[3].out().contains("> 00:00:5e:00:53:01"), "ns3 saw a frame meant for ns1\n" + dumps[3].describe());
        } finally {
            for (int i = 1; i <= 3; i++) {
                dumps[i].close();
            }
        }
    }

    /** The router's address on the bridge answers (ttl=64), routes (ttl=63) and ARP with the bridge's MAC. */
    void theRoutersAddressOnTheBridgeAnswersAndRoutes() {
        Net.assertPingOk(Net.ping(ns[1], "192.0.2.254", "-c2", "-i0.2", "-W1"), 64, diag.get());
        Net.assertPingOk(Net.ping(ns[1], "198.51.100.1", "-c3", "-i0.2", "-W1"), 63, diag.get());
        Net.assertPingOk(Net.ping(ns[4], "192.0.2.3", "-c3", "-i0.2", "-W1"), 63, diag.get());
        Sh.ok("ip", "-n", ns[2], "neigh", "flush", "all");
        Net.assertPingOk(Net.ping(ns[2], "192.0.2.254", "-c1", "-W1"), 64, diag.get());
        String arp = Sh.ok("ip", "-n", ns[2], "neigh", "show", "192.0.2.254").out();
        assertTrue(arp.contains(BridgeTopology.BRIDGE_MAC), "the router answered ARP on the bridge with the bridge's MAC\n" + arp);
    }
}
