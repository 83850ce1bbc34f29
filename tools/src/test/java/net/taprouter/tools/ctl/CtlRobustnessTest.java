package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.taprouter.tools.Namespaces;
import net.taprouter.tools.Sh;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/** Broken and hostile clients on the control socket; many sequential routerctl calls. */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 90)
class CtlRobustnessTest {
    private CtlDaemon d;
    private String baseline;

    @BeforeAll
    void setUp() {
        Namespaces.assumeNetnsCapable();
        d = CtlDaemon.start("robust", "# no ports needed\nforwarding on\n");
        baseline = d.snapshot();
    }

    @AfterAll
    void tearDown() {
        if (d != null) {
            int rc = d.stop();
            d.close();
            assertEquals(0, rc, "routerd did not exit 0 on SIGTERM" + d.diag());
        }
    }

    private void assertStillServingUnchanged(String after) {
        assertTrue(d.alive(), "routerd died after " + after + d.diag());
        Sh.Result r = d.ctl("forwarding", "show");
        assertEquals(0, r.exit(), "routerd stopped serving after " + after + "\n" + r.describe() + d.diag());
        assertEquals("forwarding on", r.out().strip(), "state changed after " + after);
        assertEquals(baseline, d.snapshot(), "state changed after " + after);
    }

    private CtlWire.Reply sendRaw(byte[] bytes, String what) throws IOException {
        try (CtlWire w = CtlWire.connect(d.socket())) {
            w.send(bytes);
            byte[] raw = w.readUntilClosed(Duration.ofSeconds(10));
            CtlWire.Reply r = CtlWire.decode(raw);
            assertNotNull(r, what + ": expected one reply frame and the connection closed, got " + raw.length + " bytes: "
                    + new String(raw, StandardCharsets.ISO_8859_1) + d.diag());
            return r;
        }
    }

    @Test
    @Order(1)
    void halfFrameThenDisconnectChangesNothing() throws IOException {
        byte[] full = CtlWire.frame("forwarding off\n", false);
        for (int cut : new int[] {1, 3, 4, 10, full.length - 1}) {
            try (CtlWire w = CtlWire.connect(d.socket())) {
                w.send(Arrays.copyOf(full, cut));
            }
            assertStillServingUnchanged("a client sent " + cut + " of " + full.length + " bytes and went away");
        }
        // a client that stays connected mid-frame must not block other clients
        List<CtlWire> stuck = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                CtlWire w = CtlWire.connect(d.socket());
                stuck.add(w);
                w.send(Arrays.copyOf(full, full.length / 2));
            }
            assertStillServingUnchanged("20 clients stalled mid-frame");
        } finally {
            for (CtlWire w : stuck) {
                w.close();
            }
        }
        assertStillServingUnchanged("the stalled clients went away");
    }

    @Test
    @Order(2)
    void oversizedOrNegativeLengthGetsAnErrorReply() throws IOException {
        for (int length : new int[] {Integer.MAX_VALUE, (256 << 20) + 1, -1}) {
            CtlWire.Reply r = sendRaw(CtlWire.lengthOnly(length), "length " + length);
            assertEquals("error", r.status(), "length " + length + ": " + r);
            assertTrue(r.text().contains(Integer.toString(length)) || r.text().toLowerCase().contains("too large"),
                    "length " + length + ": the error should say what was wrong: " + r);
            assertStillServingUnchanged("a request of length " + length);
        }
    }

    @Test
    @Order(3)
    void garbageGetsAnErrorReply() throws IOException {
        List<byte[]> garbage = List.of(
                "GET /metrics HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                CtlWire.frameOf("hello\n".getBytes(StandardCharsets.US_ASCII)),
                CtlWire.frameOf("taprouter/99 json=0 source=-\nforwarding off\n".getBytes(StandardCharsets.US_ASCII)),
                CtlWire.frameOf("forwarding off\n".getBytes(StandardCharsets.US_ASCII)),
                CtlWire.frameOf(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, '\n', (byte) 0xc3}),
                CtlWire.frameOf(new byte[0]));
        for (byte[] g : garbage) {
            String what = "garbage " + new String(g, StandardCharsets.ISO_8859_1).replace("\n", "\\n").replace("\r", "\\r");
            CtlWire.Reply r = sendRaw(g, what);
            assertEquals("error", r.status(), what + ": " + r);
            assertTrue(!r.text().isBlank() && r.text().strip().indexOf('\n') < 0, what + ": expected a one-line message: " + r);
            assertStillServingUnchanged(what);
        }
    }

    @Test
    @Order(4)
    void twoHundredSequentialCallsAndRoundTrip() throws IOException {
        String[][] cmds = {{"forwarding", "show"}, {"link", "show"}, {"route", "show"}, {"stats"}};
        long total = 0;
        long worst = 0;
        for (int i = 0; i < 200; i++) {
            String[] c = cmds[i % cmds.length];
            long t0 = System.nanoTime();
            Sh.Result r = d.ctl(c);
            long ns = System.nanoTime() - t0;
            total += ns;
            worst = Math.max(worst, ns);
            assertEquals(0, r.exit(), "call " + (i + 1) + " of 200 failed\n" + r.describe() + d.diag());
        }
        double meanMs = total / 200 / 1e6;
        long p0 = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            assertTrue(CtlWire.request(d.socket(), "forwarding show\n", false).ok());
        }
        double protoMs = (System.nanoTime() - p0) / 200 / 1e6;
        System.out.printf("routerctl round trip: mean %.1f ms, worst %.1f ms over 200 calls (process start included);"
                + " protocol only (in-process client): mean %.3f ms%n", meanMs, worst / 1e6, protoMs);
        assertStillServingUnchanged("200 calls");
    }
}
