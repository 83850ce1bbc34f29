package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.tools.Sh;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TCP to one of the router's own addresses: routerd listens on nothing, so a client is refused at
 * once with a reset (as a kernel router does), instead of waiting for a time-out.
 */
@Tag("netns")
@Timeout(value = 60)
class CtlLocalTcpTest {
    @Test
    void connectionToTheRouterIsRefusedAtOnce() {
        try (CtlTopology t = CtlTopology.create("localtcp")) {
            long start = System.nanoTime();
            Sh.Result nc = Sh.cmd("ip", "netns", "exec", t.ns1, "nc", "-v", "-z", "-w", "5", "192.0.2.254", "22").run();
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertFalse(nc.ok(), nc.describe());
            assertTrue((nc.out() + nc.err()).contains("refused"), "nc should report the reset:\n" + nc.describe());
            assertTrue(millis < 3000, "refused after " + millis + " ms, not at once");
            assertTrue(CtlCheck.counter(t.d.ctlOk("stats").out(), "event.tcp_resets_sent") >= 1, t.d.diag());
        }
    }
}
