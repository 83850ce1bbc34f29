package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.tools.Sh;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile input through a real TAP: thousands of malformed and random frames (scapy's fuzz() of
 * IPv4/ICMP/UDP/TCP/ARP headers, truncated headers, bad IHL/length/checksum, odd EtherTypes,
 * runts) at the router's MAC. routerd must count and drop them, never crash or stop: afterwards
 * it still forwards and answers, and its drop counters have moved.
 */
@Tag("netns")
@Timeout(value = 180)
class CtlMalformedFramesTest {
    private static final String FUZZ = String.join("\n",
        "import random",
        "from scapy.all import *",
        "conf.verb = 0",
        "random.seed(7)",
        "r = '00:00:5e:00:53:12'",
        "iface = '%s'",
        "frames = []",
        "for i in range(600):",
        "    frames.append(Ether(dst=r)/fuzz(IP(src='192.0.2.1', dst='198.51.100.1')/ICMP()))",
        "    frames.append(Ether(dst=r)/fuzz(IP(dst='192.0.2.254')/UDP()))",
        "    frames.append(Ether(dst=r)/fuzz(IP(dst='198.51.100.1', ttl=random.randint(0, 2))/TCP()))",
        "    frames.append(Ether(dst=r)/fuzz(ARP()))",
        "for n in range(0, 60):",
        "    frames.append(Ether(dst=r, type=0x0800)/Raw(bytes(random.getrandbits(8) for _ in range(n))))",
        "    frames.append(Ether(dst=r, type=0x0806)/Raw(bytes(random.getrandbits(8) for _ in range(n))))",
        "for ihl in range(0, 16):",
        "    frames.append(Ether(dst=r)/IP(dst='198.51.100.1', ihl=ihl, options=[])/Raw(b'x' * 40))",
        "for length in (0, 1, 19, 20, 21, 1000, 65535):",
        "    frames.append(Ether(dst=r)/IP(dst='198.51.100.1', len=length)/Raw(b'y' * 30))",
        "frames.append(Ether(dst=r)/IP(dst='198.51.100.1', chksum=0)/ICMP())",
        "frames.append(Ether(dst=r, type=0x86dd)/Raw(b'z' * 60))",
        "frames.append(Ether(dst=r, type=0x8100)/Raw(b'v' * 60))",
        "sendp(frames, iface=iface)",
        "print(len(frames))");

    @Test
    void malformedAndRandomFramesAreCountedNotFatal() {
        try (CtlTopology t = CtlTopology.create("fuzz")) {
            t.assertPingThrough("before the fuzz");
            long before = drops(t);
            Sh.Result fuzz = Sh.ns(t.ns1, "/usr/bin/python3", "-c", String.format(FUZZ, t.if1)).timeoutSeconds(150).run();
            assertTrue(fuzz.ok(), "scapy fuzz run failed\n" + fuzz.describe());
            t.assertPingThrough("after " + fuzz.out().strip() + " malformed/random frames");
            Sh.Result ping = Sh.cmd("ip", "netns", "exec", t.ns1, "ping", "-c2", "-i0.2", "-W1", "192.0.2.254").run();
            assertTrue(ping.ok(), "the router itself must still answer\n" + ping.describe() + t.d.diag());
            long after = drops(t);
            assertTrue(after - before > 1000, "drop counters moved by " + (after - before) + "\n" + t.d.diag());
            assertTrue(t.d.ctlOk("link", "show").out().contains("gw1"), "routerd still serves its control socket");
            assertTrue(!t.d.stderr().contains("dataplane error") && !t.d.stderr().contains("Exception"),
                "no exception in the dataplane\n" + t.d.diag());
        }
    }

    /** Sum of all drop.* counters. */
    private static long drops(CtlTopology t) {
        long sum = 0;
        for (String line : CtlCheck.lines(t.d.ctlOk("stats").out())) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && f[0].startsWith("drop.")) {
                sum += Long.parseLong(f[1]);
            }
        }
        return sum;
    }
}
