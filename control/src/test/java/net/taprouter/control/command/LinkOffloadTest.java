package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import net.taprouter.dataplane.port.Port;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code link add ... offload on|off}: on by default (a TAP with a virtio-net header and the
 * offloads this kernel accepts: all five on Linux 6.2+), off on request (a plain TAP); {@code link
 * show} says which, in text and JSON; {@code save} writes {@code offload off} only; a lost port
 * comes back with the same choice; bad values are refused.
 */
@Timeout(60)
class LinkOffloadTest {
    private String ns;
    private LiveRouter r;

    @BeforeEach
    void setUp() {
        assumeTrue(LiveRouter.isRoot(), "needs root (TAPs in a network namespace)");
        ns = LiveRouter.createNamespace("offl");
        r = new LiveRouter();
        r.ok("link add on0 type tap ifname t0 netns " + ns + "\n"
            + "link add off0 type tap ifname t1 netns " + ns + " offload off\n"
            + "link add on1 type tap ifname t2 netns " + ns + " offload on mtu 1400");
    }

    @AfterEach
    void tearDown() {
        if (r != null) {
            r.close();
        }
        LiveRouter.deleteNamespace(ns);
    }

    private Port port(String name) {
        return r.state.link(name).port();
    }

    @Test
    void onByDefaultWithWhatTheKernelAccepted() {
        assertEquals(10, port("on0").tap().headroom(), "a virtio-net header");
        assertEquals(0x01 | 0x02 | 0x04 | 0x20 | 0x40, port("on0").tap().offloads(), "csum tso4 tso6 uso4 uso6 (Linux 6.2+)");
        assertEquals(0, port("off0").tap().headroom());
        assertEquals(0, port("off0").tap().offloads());
        String show = r.ok("link show");
        assertTrue(show.contains("    tap ifname t0 netns " + ns + " offload csum tso4 tso6 uso4 uso6 queues 1\n"), show);
        assertTrue(show.contains("    tap ifname t1 netns " + ns + " offload off queues 1\n"), show);
        assertTrue(show.contains("    tap ifname t2 netns " + ns + " offload csum tso4 tso6 uso4 uso6 queues 1\n"), show);
    }

    @Test
    void jsonSaysItToo() throws CommandProcessor.Failure {
        String json = r.processor.run("link show on0\nlink show off0", "-", true);
        assertTrue(json.contains("\"offload\":true") && json.contains("\"offloads\":[\"csum\",\"tso4\",\"tso6\",\"uso4\",\"uso6\"]"), json);
        assertTrue(json.contains("\"offload\":false") && json.contains("\"offloads\":[]"), json);
    }

    @Test
    void saveWritesOffloadOffOnly() {
        String save = r.save();
        assertTrue(save.contains("link add off0 type tap ifname t1 netns " + ns + " address " ) && save.contains(" mtu 1500 offload off\n"), save);
        assertEquals(1, save.split("offload", -1).length - 1, "only the port with offloads off says so\n" + save);
    }

    @Test
    void aLostPortComesBackWithTheSameChoice() {
        for (String name : new String[] {"on0", "off0"}) {
            LiveRouter.sh("ip", "-n", ns, "link", "del", name.equals("on0") ? "t0" : "t1"); // the TAP vanishes
            port(name).markCarrierLost(); // as the RX agent would, soon
            r.ok("link set " + name + " up");
            assertFalse(port(name).carrierLost());
        }
        assertEquals(10, port("on0").tap().headroom());
        assertTrue(port("on0").tap().offloads() != 0);
        assertEquals(0, port("off0").tap().headroom());
    }

    @Test
    void badValuesAreRefused() {
        CommandProcessor.Failure e = assertThrows(CommandProcessor.Failure.class,
            () -> r.run("link add x0 type tap ifname t9 netns " + ns + " offload maybe"));
        assertTrue(e.getMessage().contains("bad offload \"maybe\" (on or off)"), e.getMessage());
        assertThrows(CommandProcessor.Failure.class, () -> r.run("link add x0 type tap ifname t9 netns " + ns + " offload"));
        assertFalse(LiveRouter.deviceExists(ns, "t9"), "nothing made");
    }
}
