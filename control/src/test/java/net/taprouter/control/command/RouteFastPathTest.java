package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link RouteLineFastPath}: a canonical {@code route add P via G} / {@code route del P} line does
 * exactly what the same command does the ordinary way (here forced by an extra space, which the
 * fast path does not take): same output or error, same {@code save}, {@code route show} and
 * {@code route get} answers, for good lines and every kind of bad one, given as Strings and as
 * the bytes the control socket gives.
 */
@Timeout(120)
class RouteFastPathTest {
    private static final String SETUP = """
        link add p0 type tap ifname f0 netns NS
        link add p1 type tap ifname f1 netns NS
        addr add 192.0.2.254/24 dev p0
        addr add 198.51.100.254/24 dev p1
        ro add 10.0.0.0/8 via 192.0.2.1
        """;
    /** Each run after SETUP as its own request (good ones stay for the next). */
    private static final String[] LINES = {
        "route add 10.1.0.0/16 via 192.0.2.1",
        "route add 10.1.2.0/24 via 198.51.100.1",
        "route add 10.1.2.128/25 via 198.51.100.7",
        "route add 10.1.2.200/32 via 192.0.2.9",
        "route add 0.0.0.0/0 via 198.51.100.1",
        "route add 10.1.2.0/24 via 198.51.100.1",   // exists
        "route add 10.1.2.1/24 via 198.51.100.1",   // host bits
        "route add 10.1.3.0/33 via 198.51.100.1",   // length
        "route add 10.1.3.0/08 via 198.51.100.1",   // leading zero length: ordinary path takes it (/8, host bits)
        "route add 10.01.3.0/24 via 198.51.100.1",  // leading zero octet
        "route add 10.1.3.0/24 via 203.0.113.1",    // gateway not on a connected network
        "route add 10.1.3.0/24 via 192.0.2.254",    // gateway is local
        "route add 10.1.3.0/24 via 224.0.0.1",      // multicast gateway
        "route add 10.1.3.0/24 via 255.255.255.255",
        "route add 10.1.3.0/24 via 0.0.0.0",
        "route add 10.1.3.0/24 via 192.0.2.1 dev p1",
        "route add 192.0.2.254/32 via 198.51.100.1", // a local address
        "route add 10.1.4.0/24 via 192.0.2.1 # comment",
        "route add 10.1.5.0/24 via 192.0.2.1\r",
        "route add 10.1.6.0/24 via 192.0.2.1x",
        "route add 10.1.7.0/24 via 192.0.2",
        "route add 10.1.8.0/24 via 192.0.2.1.5",
        "route add 10.1.9.0/24 via 192.0.2.1 ",
        "route add 10.1.10.0/24\r via 192.0.2.1",     // as the BGP table's lines (CRLF) make it
        "route\tadd  10.1.11.0/24 via\t192.0.2.1 \r",
        "route add 10.1.12.0/24 via 192.0.2.1 dev",
        "route add 10.1.13.0/24 via",
        "route add 10.1.14.0/24 via 192.0.2.1\u001f",
        "route add 10.1.15.0/24 via 192.0.2.1\u2003",
        "route add 10.1.16.0/24 via 192.0.2.1\u00e9",
        "route add 10.1.17.0/24 v\u00eda 192.0.2.1",
        "route del 10.1.2.128/25",
        "route del 10.1.2.128/25",                  // no such route
        "route del 10.1.2.0/24 via 198.51.100.1",
        "route del 10.200.0.0/16",
        "route add 10.1.2.0/24 via 198.51.100.1\nroute add 10.9.0.0/16 via 192.0.2.1\nroute add 10.1.2.0/24 via 198.51.100.1", // fails at line 3
        "route add 10.9.0.0/16 via 192.0.2.1\nroute get 10.9.1.1\nroute add 10.10.0.0/16 via 192.0.2.1\nroute get 10.10.1.1",
        "route show\nroute add 10.15.0.0/16 via 192.0.2.1\nroute show\nroute del 10.15.0.0/16", // a listing, then a change
        "route add 10.11.0.0/16 via 192.0.2.1\naddr add 203.0.113.254/24 dev p0\nroute add 10.12.0.0/16 via 203.0.113.1",
        "route add 10.13.0.0/16 via 192.0.2.1\naddr del 192.0.2.254/24 dev p0\nroute add 10.14.0.0/16 via 192.0.2.1",
    };
    private static final String[] PROBES = {"10.1.2.1", "10.1.2.200", "10.1.2.129", "10.1.9.9", "10.9.1.1", "10.12.0.1", "8.8.8.8",
        "192.0.2.1", "198.51.100.1"};

    private String ns;
    private final List<LiveRouter> routers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        assumeTrue(LiveRouter.isRoot(), "needs root (TAPs in a network namespace)");
        ns = LiveRouter.createNamespace("fast");
    }

    @AfterEach
    void tearDown() {
        routers.forEach(LiveRouter::close);
        LiveRouter.deleteNamespace(ns);
    }

    /** The ordinary path for the same command: "ro add ..." (the fast path takes only "route"). */
    private static String ordinary(String request) {
        return request.replaceAll("(?m)^route(?=[ \\t])", "ro");
    }

    private interface Runner {
        String run(LiveRouter r, String request) throws CommandProcessor.Failure;
    }

    private long fastLines;

    private List<String> transcript(Runner runner, boolean fast) {
        LiveRouter r = new LiveRouter();
        routers.add(r);
        r.ok(SETUP.replace("f0", "f0" + routers.size()).replace("f1", "f1" + routers.size()).replace("NS", ns));
        List<String> out = new ArrayList<>();
        for (String line : LINES) {
            String request = fast ? line : ordinary(line);
            String result;
            try {
                result = "ok: " + runner.run(r, request);
            } catch (CommandProcessor.Failure e) {
                result = "error: " + e.getMessage();
            }
            StringBuilder probes = new StringBuilder();
            for (String probe : PROBES) {
                try {
                    probes.append(r.run("route get " + probe));
                } catch (CommandProcessor.Failure e) {
                    probes.append(e.getMessage()).append('\n');
                }
            }
            out.add(line.replace("\r", "\\r").replace("\t", "\\t") + " -> " + result + "\n" + r.save().replaceAll("ifname f[01]\\d+", "ifname F")
                + r.ok("route show") + probes);
        }
        fastLines = r.processor.fastRouteLines();
        return out;
    }

    @Test
    void canonicalRouteLinesDoWhatTheOrdinaryPathDoes() {
        List<String> expected = transcript(LiveRouter::run, false);
        assertEquals(0, fastLines, "the ordinary runs must not take the fast path");
        assertTrue(expected.get(0).contains("10.1.0.0/16 via 192.0.2.1 dev p0"), expected.get(0));
        assertTrue(expected.get(5).contains("exists"), expected.get(5));
        List<String> strings = transcript(LiveRouter::run, true);
        assertTrue(fastLines >= 12, "the fast path ran " + fastLines + " lines");
        List<String> bytes = transcript((r, request) -> r.runBytes(request, "-"), true);
        assertTrue(fastLines >= 12, "the fast path ran " + fastLines + " lines from bytes");
        List<String> file = transcript((r, request) -> r.runBytes(request, "batch.txt"), true);
        List<String> fileOrdinary = transcript((r, request) -> r.runFile(request, "batch.txt"), false);
        for (int k = 0; k < LINES.length; k++) {
            assertEquals(expected.get(k), strings.get(k), "as Strings, line " + k);
            assertEquals(expected.get(k), bytes.get(k), "as bytes, line " + k);
            assertEquals(fileOrdinary.get(k), file.get(k), "as a file, line " + k);
        }
    }
}
