package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 10's trace check on the book topology: {@code routerctl trace add 1 match ...} + one ping
 * from ns1 → {@code trace show} lists the echo request's stages in order, ending in transmit on
 * gw1 with TTL 64→63; after {@code route del}, the trace of the next one ends in
 * {@code drop: no_route} and the ICMP error (net unreachable) that goes back to ns1; {@code -j}.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120)
class RouterdTraceTest {
    private static final Pattern STAGE = Pattern.compile("^ +(\\d+) ns  ([a-z0-9-]+)(?:: (.*))?$");
    private BookTopology t;

    @BeforeAll
    void setUp() {
        Namespaces.assumeNetnsCapable();
        t = BookTopology.create(BookTopology.Kind.ROUTERD);
    }

    @AfterAll
    void tearDown() {
        String problem = t == null ? null : t.stopAndCleanUp();
        if (problem != null) {
            fail(problem);
        }
    }

    /** The "stage: decision" lines of the trace's only frame, checked to be in time order. */
    private List<String> stagesOfTheOnlyFrame(String show) {
        List<String> stages = new ArrayList<>();
        int frames = 0;
        long last = -1;
        for (String line : show.lines().toList()) {
            if (line.startsWith("Frame ")) {
                frames++;
            }
            Matcher m = STAGE.matcher(line);
            if (m.matches()) {
                long ns = Long.parseLong(m.group(1));
                assertTrue(ns >= last, "stages in time order\n" + show);
                last = ns;
                stages.add(m.group(3) == null ? m.group(2) : m.group(2) + ": " + m.group(3));
            }
        }
        assertEquals(1, frames, show);
        return stages;
    }

    @Test
    @Order(1)
    void aPingsEchoRequestGoesThroughTheStagesToGw1WithTtl64To63() {
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c1", "-W2"), 63, t.diag()); // ARP resolved: nothing parks
        t.router.ctlOk("trace", "add", "1", "dev", "gw0", "match", "proto icmp and dst 198.51.100.1");
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c1", "-W2"), 63, t.diag());
        String show = t.router.ctlOk("trace", "show").out();
        System.out.println(show);
        assertTrue(show.startsWith("1 frame traced of 1, match proto icmp and dst 198.51.100.1\n"), show);
        assertTrue(show.contains(" > " + BookTopology.GW0_MAC + ", IP 192.0.2.1 > 198.51.100.1: ICMP echo request, id "), show);
        List<String> stages = stagesOfTheOnlyFrame(show);
        List<String> names = stages.stream().map(s -> s.split(":")[0]).toList();
        // no offload state (an echo request): no gso-input, no offload-output; no NAT rule: no hook step
        assertEquals(List.of("ethernet-input", "ipv4-input", "route-lookup", "forward", "adjacency", "mtu", "transmit"), names, show);
        assertEquals("ethernet-input: dev gw0, IPv4", stages.get(0), show);
        assertEquals("route-lookup: 198.51.100.0/24 dev gw1", stages.get(2), show);
        assertTrue(stages.get(3).matches("forward: ttl 64→63 csum 0x[0-9a-f]{4}→0x[0-9a-f]{4}"), show);
        assertTrue(stages.get(4).matches("adjacency: resolved ..:..:..:..:..:.. \\(198\\.51\\.100\\.1\\)"), show);
        assertEquals("transmit: dev gw1", stages.get(stages.size() - 1), show);

        Sh.Result json = t.router.ctlOk("-j", "trace", "show");
        assertTrue(json.out().startsWith("[{\"frame\":1,\"worker\":0,\"time_ns\":"), json.describe());
        assertTrue(json.out().contains("{\"stage\":\"transmit\",\"ns\":") && json.out().contains("\"decision\":\"dev gw1\"}"),
            json.describe());
    }

    @Test
    @Order(2)
    void afterRouteDelTheTraceEndsInNoRouteAndTheIcmpError() {
        t.router.ctlOk("route", "add", "203.0.113.0/24", "via", "198.51.100.1");
        try {
            t.router.ctlOk("trace", "add", "1", "match", "dst 203.0.113.0/24");
            Net.ping(t.ns1, "203.0.113.9", "-c1", "-W1"); // ns2 does not answer for 203.0.113.9: only the trace counts
            List<String> routed = stagesOfTheOnlyFrame(t.router.ctlOk("trace", "show").out());
            assertEquals("route-lookup: 203.0.113.0/24 via 198.51.100.1 dev gw1", routed.get(2), routed.toString());
            assertEquals("transmit: dev gw1", routed.get(routed.size() - 1), routed.toString());

            t.router.ctlOk("route", "del", "203.0.113.0/24");
            t.router.ctlOk("trace", "add", "1", "match", "dst 203.0.113.0/24");
            Sh.Result ping = Net.ping(t.ns1, "203.0.113.9", "-c1", "-W2");
            assertTrue(ping.out().contains("Destination Net Unreachable"), ping.describe());
            String show = t.router.ctlOk("trace", "show").out();
            System.out.println(show);
            List<String> stages = stagesOfTheOnlyFrame(show);
            int drop = stages.indexOf("drop: no_route");
            assertTrue(drop > 0, show);
            assertEquals("route-lookup: no route to 203.0.113.9", stages.get(drop - 1), show);
            assertEquals("icmp-error: net unreachable 192.0.2.254 > 192.0.2.1", stages.get(drop + 1), show);
            assertEquals("transmit: dev gw0", stages.get(stages.size() - 1), "the error goes back out of gw0\n" + show);
        } finally {
            t.router.ctl("route", "del", "203.0.113.0/24");
        }
        t.router.ctlOk("trace", "clear");
        assertTrue(t.router.ctlOk("trace", "show").out().startsWith("no trace"));
        String err = t.routerd.stderr();
        assertTrue(!err.contains("internal error"), err);
    }

    @Test
    @Order(3)
    void aTracerouteProbeWithTtl1ExpiresHereAndIsAnsweredWithTimeExceeded() {
        t.router.ctlOk("trace", "add", "1", "dev", "gw0", "match", "proto udp and dst 198.51.100.1");
        Sh.Result traceroute = Sh.ns(t.ns1, "traceroute", "-n", "-q1", "-w1", "-m1", "198.51.100.1").timeoutSeconds(20).run();
        assertTrue(traceroute.out().contains(" 1  192.0.2.254 "), traceroute.describe());
        String show = t.router.ctlOk("trace", "show").out();
        List<String> stages = stagesOfTheOnlyFrame(show);
        assertTrue(show.contains("UDP, ttl 1, length 60"), show);
        int drop = stages.indexOf("drop: ttl_exceeded");
        assertTrue(drop > 0, show);
        assertEquals("forward: ttl 1: expires here", stages.get(drop - 1), show);
        assertEquals("icmp-error: time exceeded 192.0.2.254 > 192.0.2.1", stages.get(drop + 1), show);
        assertEquals("transmit: dev gw0", stages.get(stages.size() - 1), show);
    }

    @Test
    @Order(4)
    void throughMasqueradeTheTraceShowsTheFlowAndTheTranslation() {
        t.router.ctlOk("nat", "add", "masquerade", "src", "192.0.2.0/24", "out", "gw1");
        try {
            t.router.ctlOk("trace", "add", "1", "match", "proto icmp and src 192.0.2.1");
            Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c1", "-W2"), 63, t.diag());
            String show = t.router.ctlOk("trace", "show").out();
            List<String> stages = stagesOfTheOnlyFrame(show);
            assertTrue(stages.contains("prerouting: conntrack new"), show);
            int post = stages.indexOf("postrouting: conntrack new flow 0 original");
            assertTrue(post > 0, show);
            assertEquals("nat: src 192.0.2.1 → 198.51.100.254", stages.get(post + 1), show);
            assertEquals("transmit: dev gw1", stages.get(stages.size() - 1), show);
        } finally {
            t.router.ctl("nat", "del", "1");
            t.router.ctl("trace", "clear");
        }
    }
}
