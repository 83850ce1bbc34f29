package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.tools.Net;
import net.taprouter.tools.Sh;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code link set NAME down|up}: the port stops and resumes forwarding, and the host sees its NIC
 * lose and regain the carrier (NO-CARRIER), like a pulled cable.
 */
@Tag("netns")
@Timeout(value = 120)
class CtlLinkStateTest {
    @Test
    void downPortDropsCarrierAndTraffic() {
        try (CtlTopology t = CtlTopology.create("linkstate")) {
            t.assertPingThrough("before link set down");
            t.d.ctlOk("link", "set", "gw1", "down");
            String hostNic = Sh.ok("ip", "-n", t.ns2, "link", "show", "dev", t.if2).out();
            assertTrue(hostNic.contains("NO-CARRIER"), "host NIC after link set down:\n" + hostNic);
            assertTrue(t.d.ctlOk("link", "show", "gw1").out().contains("state DOWN"), t.d.diag());
            assertEquals(100.0, Net.loss(Net.ping(t.ns1, "198.51.100.1", "-c2", "-i0.2", "-W1").out()), t.d.diag());

            t.d.ctlOk("link", "set", "gw1", "up");
            String back = Sh.ok("ip", "-n", t.ns2, "link", "show", "dev", t.if2).out();
            assertTrue(back.contains("LOWER_UP") && !back.contains("NO-CARRIER"), "host NIC after link set up:\n" + back);
            t.assertPingThrough("after link set up");
        }
    }
}
