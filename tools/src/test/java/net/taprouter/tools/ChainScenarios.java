package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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

/** Two routers in a chain over a bridged 203.0.113.0/24 segment: static routes make it work. */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120)
abstract class ChainScenarios {
    protected ChainTopology t;
    private boolean routesAdded;

    abstract BookTopology.Kind kind();

    @BeforeAll
    void setUp() {
        Namespaces.assumeNetnsCapable();
        t = ChainTopology.create(kind());
    }

    @AfterAll
    void tearDown() {
        String problem = t == null ? null : t.stopAndCleanUp();
        if (problem != null) {
            fail(problem);
        }
    }

    private void addRoutes() {
        if (!routesAdded) {
            t.r1.ctlOk("route", "add", "198.51.100.0/24", "via", "203.0.113.2");
            t.r2.ctlOk("route", "add", "192.0.2.0/24", "via", "203.0.113.1");
            routesAdded = true;
        }
    }

    @Test
    @Order(1)
    void netUnreachableWithoutRoutesThenTtl62WithStaticRoutes() {
        Sh.Result none = Net.ping(t.ns1, "198.51.100.1", "-c2", "-i0.2", "-W1");
        assertTrue(Pattern.compile("From 192\\.0\\.2\\.254 .*Destination Net Unreachable").matcher(none.out()).find(),
                "without routes r1 should answer 'Destination Net Unreachable'\n" + none.describe() + t.diag());
        // the first router alone works already
        Net.assertPingOk(Net.ping(t.ns1, "203.0.113.1", "-c2", "-i0.2", "-W1"), 64, t.diag());
        addRoutes();
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c3", "-i0.2", "-W1"), 62, t.diag());
        Net.assertPingOk(Net.ping(t.ns2, "192.0.2.1", "-c3", "-i0.2", "-W1"), 62, t.diag());
    }

    @Test
    @Order(2)
    void tracerouteShowsBothRouters() {
        addRoutes();
        Sh.Result tr = Sh.ns(t.ns1, "traceroute", "-n", "-q1", "-w1", "198.51.100.1").timeoutSeconds(60).run();
        assertTrue(tr.ok(), tr.describe() + t.diag());
        for (String hop : new String[] {"1\\s+192\\.0\\.2\\.254", "2\\s+203\\.0\\.113\\.2", "3\\s+198\\.51\\.100\\.1"}) {
            assertTrue(Pattern.compile("(?m)^\\s*" + hop + "\\s").matcher(tr.out()).find(),
                    "traceroute hop /" + hop + "/ missing\n" + tr.describe() + t.diag());
        }
    }

    @Test
    @Order(3)
    void staticRouteShowAndRouteGet() {
        addRoutes();
        String show = t.r1.ctlOk("route", "show").out();
        assertTrue(BookScenarios.hasLine(show, "198.51.100.0/24 via 203.0.113.2 dev gw1"),
                "route show on r1 should have '198.51.100.0/24 via 203.0.113.2 dev gw1'\n" + show + t.diag());
        assertTrue(BookScenarios.hasLine(show, "203.0.113.0/24 dev gw1 proto kernel scope link src 203.0.113.1"),
                "route show on r1\n" + show + t.diag());
        String get = t.r1.ctlOk("route", "get", "198.51.100.7").out();
        String first = get.lines().findFirst().orElse("").strip();
        assertTrue(first.startsWith("198.51.100.7 via 203.0.113.2 dev gw1 src 203.0.113.1"),
                "route get 198.51.100.7 on r1 should print '198.51.100.7 via 203.0.113.2 dev gw1 src 203.0.113.1'\n"
                        + get + t.diag());
        if (t.r1.isRouterd()) {
            // routerd prints exactly the iproute2 line, nothing after it
            assertTrue(first.equals("198.51.100.7 via 203.0.113.2 dev gw1 src 203.0.113.1"), "route get: '" + first + "'");
        }
    }
}
