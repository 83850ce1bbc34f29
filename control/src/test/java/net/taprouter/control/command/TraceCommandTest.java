package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code trace add|show|clear} on a live control plane (real dataplane and worker, TAPs in a
 * namespace of the test): the parser and its one-line errors, the undo of a failed request, and
 * {@code trace show} as text and JSON for a ping from the namespace to the router.
 */
@Timeout(60)
class TraceCommandTest {
    private String ns;
    private LiveRouter r;

    @BeforeEach
    void setUp() {
        assumeTrue(LiveRouter.isRoot(), "needs root (TAPs in a network namespace)");
        ns = LiveRouter.createNamespace("trace");
        r = new LiveRouter();
        r.ok("link add lan type tap ifname t0 netns " + ns + " address 00:00:5e:00:53:12\n"
            + "link add br0 type bridge\naddr add 192.0.2.254/24 dev lan");
    }

    @AfterEach
    void tearDown() {
        if (r != null) {
            r.close();
        }
        LiveRouter.deleteNamespace(ns);
    }

    private String error(String request) {
        return assertThrows(CommandProcessor.Failure.class, () -> r.run(request)).getMessage();
    }

    @Test
    void badRequestsAreOneLineErrors() {
        assertEquals("trace add: missing frame count", error("trace add"));
        assertEquals("trace add: frame count 0 out of range 1..1000", error("trace add 0"));
        assertEquals("trace add: frame count 1001 out of range 1..1000", error("trace add 1001"));
        assertEquals("trace add: bad frame count \"ten\"", error("trace add ten"));
        assertEquals("trace add: no such port \"gw9\"", error("trace add 5 dev gw9"));
        assertEquals("trace add: br0 is not a port (trace its member ports)", error("trace add 5 dev br0"));
        assertEquals("trace add: unexpected \"via\" (dev PORT or match PREDICATE)", error("trace add 5 via lan"));
        assertEquals("trace add: empty match (terms: src|dst|host|net A[/LEN], proto tcp|udp|icmp|N, [src|dst] port N; with and, or, not, ( ))",
            error("trace add 5 match"));
        assertEquals("trace add: match src: \"192.0.2.300\" is not A.B.C.D or A.B.C.D/LEN", error("trace add 5 match src 192.0.2.300"));
        assertEquals("trace add: match prefix length must be 0..32, not \"33\"", error("trace add 5 match dst 192.0.2.0/33"));
        assertEquals("trace add: match proto is tcp, udp, icmp or a number, not \"sctpx\"", error("trace add 5 match proto sctpx"));
        assertEquals("trace add: match port must be 0..65535, not \"70000\"", error("trace add 5 match port 70000"));
        assertEquals("trace add: expected \"and\" or \"or\" between match terms, got \"dst\"", error("trace add 5 match src 192.0.2.1 dst 192.0.2.2"));
        assertEquals("trace add: match ends after \"and\"", error("trace add 5 match proto icmp and"));
        assertEquals("trace add: match port needs a number", error("trace add 5 match proto icmp and port"));
        assertTrue(error("trace add 5 match ether host 192.0.2.1").startsWith("trace add: unknown match term \"ether\""));
        assertEquals("trace clear: unexpected \"now\"", error("trace clear now"));
        assertEquals("trace start: unknown command \"start\" (try: routerctl trace help)", error("trace start"));
        assertEquals("no trace (trace add N [dev PORT] [match PREDICATE])\n", r.ok("trace show"), "nothing was armed");
    }

    @Test
    void theParserTakesQuotedAndUnquotedPredicates() {
        TraceCommand command = new TraceCommand(r.state);
        Args args = new Args(new java.util.ArrayList<>(java.util.List.of("3", "dev", "lan", "match", "'src", "192.0.2.0/24", "and",
            "proto", "icmp'")));
        TraceCommand.Request request = command.parse(args);
        assertEquals(3, request.frames());
        assertEquals(r.state.link("lan").port().index(), request.port());
        assertEquals("src 192.0.2.0/24 and proto icmp", request.match().toString());
        request = command.parse(new Args(new java.util.ArrayList<>(java.util.List.of("7", "match", "port", "53", "and", "dst",
            "198.51.100.0/24"))));
        assertEquals(-1, request.port());
        assertEquals("port 53 and dst 198.51.100.0/24", request.match().toString());
    }

    @Test
    void aFailedRequestDoesNotLeaveATraceArmed() {
        error("trace add 5\nroute add 198.51.100.0/24 via 10.9.9.9");
        assertEquals("no trace (trace add N [dev PORT] [match PREDICATE])\n", r.ok("trace show"));
    }

    @Test
    void aPingToTheRouterIsShownAsTextAndJson() throws Exception {
        LiveRouter.sh("ip", "-n", ns, "addr", "add", "192.0.2.1/24", "dev", "t0");
        LiveRouter.sh("ip", "-n", ns, "link", "set", "t0", "up");
        r.ok("trace add 1 dev lan match 'proto icmp and dst 192.0.2.254/32'");
        assertEquals("0 frames traced of 1, match proto icmp and dst 192.0.2.254/32 (still tracing)\n", r.ok("trace show"));
        LiveRouter.sh("ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "2", "192.0.2.254");
        String text = r.ok("trace show");
        String[] lines = text.split("\n");
        assertEquals("1 frame traced of 1, match proto icmp and dst 192.0.2.254/32", lines[0], text);
        assertTrue(lines[1].matches("Frame 1: \\d\\d:\\d\\d:\\d\\d\\.\\d{9} in on lan, 98 bytes"), text);
        assertTrue(lines[2].matches("  ..:..:..:..:..:.. > 00:00:5e:00:53:12, IP 192.0.2.1 > 192.0.2.254: ICMP echo request, id \\d+,"
            + " seq 1, ttl 64, length 84"), text);
        String[] expected = {
            "ethernet-input: dev lan, IPv4",
            "ipv4-input: ok", // no offload state: no gso-input; no NAT rule: conntrack is dormant, no hook step
            "route-lookup: local 192.0.2.254",
            "local-delivery: answered: echo reply 192.0.2.254 > 192.0.2.1",
            "route-output: 192.0.2.0/24 dev lan",
        };
        Pattern stage = Pattern.compile(" {2} *(\\d+) ns  (.*)");
        long last = -1;
        for (int i = 0; i < expected.length; i++) {
            Matcher m = stage.matcher(lines[3 + i]);
            assertTrue(m.matches(), lines[3 + i]);
            assertEquals(expected[i], m.group(2), text);
            assertTrue(Long.parseLong(m.group(1)) >= last, "ns since the frame came in, growing");
            last = Long.parseLong(m.group(1));
        }
        assertTrue(text.contains("ns  transmit: dev lan\n"), text);

        String json = r.processor.run("trace show", "-", true);
        assertTrue(json.startsWith("[{\"frame\":1,\"worker\":0,\"time_ns\":"), json);
        assertTrue(json.contains("\"dev\":\"lan\",\"length\":98,\"summary\":\""), json);
        assertTrue(json.contains("\"stages\":[{\"stage\":\"ethernet-input\",\"ns\":"), json);
        assertTrue(json.contains("\"decision\":\"dev lan, IPv4\"},{\"stage\":\"ipv4-input\""), json);
        assertTrue(json.contains("{\"stage\":\"transmit\",\"ns\":"), json);
        assertTrue(json.endsWith("\"truncated\":false}]\n"), json);

        r.ok("trace clear");
        assertEquals("no trace (trace add N [dev PORT] [match PREDICATE])\n", r.ok("trace show"));
        assertEquals("[]\n", r.processor.run("trace show", "-", true));
    }

    @Test
    void helpListsTheTraceCommands() {
        String help = r.ok("help");
        assertTrue(help.contains("  trace add N [dev PORT] [match 'PREDICATE']"), help);
        assertTrue(help.contains("  trace show [-j]"), help);
        assertTrue(help.contains("  trace clear"), help);
    }
}
