package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One host fills the neighbour table with spoofed on-link ARP senders (scapy): learned entries
 * nobody uses are evicted, so a new neighbour on another port still resolves.
 */
@Tag("netns")
@Timeout(value = 180)
class RouterdNeighbourFloodTest {
    /** 6000 ARP requests for the router's address, each from another sender in 198.18.0.0/15. */
    private static final String SPOOF = String.join("\n",
            "from scapy.all import Ether, ARP, sendp",
            "import sys",
            "iface, count = sys.argv[1], int(sys.argv[2])",
            "frames = []",
            "for i in range(count):",
            "    ip = '198.18.%d.%d' % ((i + 1) // 250, (i + 1) % 250 + 1)",
            "    mac = '02:aa:00:%02x:%02x:%02x' % ((i >> 16) & 255, (i >> 8) & 255, i & 255)",
            "    frames.append(Ether(src=mac, dst='ff:ff:ff:ff:ff:ff') / ARP(op=1, hwsrc=mac, psrc=ip, pdst='198.18.255.254'))",
            "sendp(frames, iface=iface, verbose=0)",
            "");

    private BookTopology t;

    @BeforeEach
    void setUp() {
        Namespaces.assumeNetnsCapable();
        t = BookTopology.create(BookTopology.Kind.ROUTERD);
    }

    @AfterEach
    void tearDown() {
        String problem = t == null ? null : t.stopAndCleanUp();
        if (problem != null) {
            fail(problem);
        }
    }

    @Test
    void spoofedArpSendersCannotLockOutNewNeighbours() {
        t.routerd.ctlOk("addr", "add", "198.18.255.254/15", "dev", "gw0");
        Sh.Result spoof = Sh.ns(t.ns1, "/usr/bin/python3", "-c", SPOOF, t.if1, "6000").timeoutSeconds(150).run();
        assertTrue(spoof.ok(), "scapy failed\n" + spoof.describe());
        String stats = t.routerd.ctlOk("stats").out();
        long learned = RouterdHostileHostTest.counter(stats, "event.arp_learned");
        assertTrue(learned >= 4096, "the spoofed senders were not learned (" + learned + ")\n" + stats);
        // ns2 was never resolved: it needs a new entry on gw1
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c3", "-i0.2", "-W2"), 63,
                "\n" + t.routerd.ctlOk("stats").out() + t.diag());
        stats = t.routerd.ctlOk("stats").out();
        assertTrue(RouterdHostileHostTest.counter(stats, "event.neighbour_evicted") > 0, "no eviction counted\n" + stats);
    }
}
