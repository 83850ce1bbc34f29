package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.tools.Net;
import net.taprouter.tools.Sh;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Egress MTU in real namespaces: with gw1's MTU lowered to 1000, a 1228-byte packet with DF gets
 * ICMP Fragmentation Needed carrying mtu 1000 (ping -M do), and without DF it is fragmented by
 * routerd and reassembled by the host (ping -M dont gets its replies).
 */
@Tag("netns")
@Timeout(value = 120)
class CtlMtuTest {
    @Test
    void dfGetsFragmentationNeededOtherwiseFragmented() {
        try (CtlTopology t = CtlTopology.create("mtu")) {
            t.assertPingThrough("before the MTU change");
            t.d.ctlOk("link", "set", "gw1", "mtu", "1000");
            assertTrue(t.d.ctlOk("link", "show", "gw1").out().contains("mtu 1000"), t.d.diag());

            long before = CtlCheck.counter(t.d.ctlOk("stats").out(), "event.fragments_created");
            Sh.Result frag = Net.ping(t.ns1, "198.51.100.1", "-c3", "-i0.2", "-W2", "-M", "dont", "-s", "1200");
            assertEquals(0.0, Net.loss(frag.out()), "ping -M dont:\n" + frag.describe() + t.d.diag());
            long after = CtlCheck.counter(t.d.ctlOk("stats").out(), "event.fragments_created");
            assertEquals(6, after - before, "two fragments per 1228-byte packet toward ns2\n" + t.d.diag());

            // after this the host caches the path MTU (1000) and fragments by itself
            Sh.Result df = Net.ping(t.ns1, "198.51.100.1", "-c1", "-W2", "-M", "do", "-s", "1200");
            assertTrue(df.out().contains("Frag needed and DF set (mtu = 1000)"), "ping -M do:\n" + df.describe() + t.d.diag());
        }
    }
}
