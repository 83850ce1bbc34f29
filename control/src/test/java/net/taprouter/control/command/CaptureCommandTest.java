package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code capture}'s refusals and help, and a live command (capture, monitor, conntrack -E) that
 * is not the last of its request, on a live control plane (no port needed: {@code capture drops}).
 */
@Timeout(60)
class CaptureCommandTest {
    private LiveRouter r;

    @BeforeEach
    void setUp() {
        assumeTrue(LiveRouter.isRoot(), "needs root (a real dataplane)");
        r = new LiveRouter();
    }

    @AfterEach
    void tearDown() {
        if (r != null) {
            r.close();
        }
    }

    private String error(String request) {
        return assertThrows(CommandProcessor.Failure.class, () -> r.run(request)).getMessage();
    }

    @Test
    void aMissingPortIsNamedAsCaptureNotCaptureShow() {
        String message = error("capture");
        assertTrue(message.startsWith("capture: missing port name (capture PORT "), message);
        assertTrue(message.contains("capture drops"), message);
        assertFalse(message.contains("\n"), message);
        assertEquals("capture gw9: no such port \"gw9\"", error("capture gw9"));
    }

    @Test
    void theSnapLengthIsTheWordSnaplen() {
        assertEquals("capture drops: snap length 0 out of range 1..65535", error("capture drops snaplen 0"));
        // what routerd gets for "routerctl capture drops -s 60": -s is the statistics flag, 60 is left over
        assertEquals("capture drops: unexpected \"60\" (the snap length is snaplen N: -s is routerctl's statistics flag)",
            error("capture drops -s 60"));
        assertEquals("capture drops: unexpected \"bogus\"", error("capture drops bogus"));
        String help = r.ok("capture help");
        assertTrue(help.contains("[snaplen N]"), help);
        assertFalse(help.contains("SNAPLEN"), help);
    }

    @Test
    void aLiveCommandBeforeAnotherLineIsNamed() {
        assertEquals("b:2: a live command (capture) must be the last of a request",
            assertThrows(CommandProcessor.Failure.class, () -> r.runFile("capture drops -c 1\nroute show\n", "b")).getMessage());
        assertEquals("b:2: a live command (monitor) must be the last of a request",
            assertThrows(CommandProcessor.Failure.class, () -> r.runFile("monitor route\nroute show\n", "b")).getMessage());
        assertEquals("b:3: a live command (conntrack -E) must be the last of a request",
            assertThrows(CommandProcessor.Failure.class,
                () -> r.runFile("forwarding on\nconntrack -E -e NEW\nforwarding on\n", "b")).getMessage());
    }
}
