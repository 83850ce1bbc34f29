package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The book scenarios against routerd, plus the checks only routerctl can answer. */
class RouterdBookScenarioTest extends BookScenarios {
    @Override
    BookTopology.Kind kind() {
        return BookTopology.Kind.ROUTERD;
    }

    @Test
    @Order(40)
    void statsCountTrafficAndNameDropReasons() {
        Sh.Result s1 = t.router.ctlOk("stats");
        assertFalse(s1.out().isBlank(), "stats printed nothing" + diag());
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c3", "-i0.2", "-W1"), 63, diag());
        Sh.Result s2 = t.router.ctlOk("stats");
        assertNotEquals(s1.out(), s2.out(), "stats did not change after forwarding 3 pings\n" + s2.out() + diag());
        assertTrue(Pattern.compile("(?i)(rx|tx)[_ -]?(packets|pkts|frames)|\\bgw0\\b").matcher(s2.out()).find(),
                "stats should show rx/tx packet counters or per-port counters\n" + s2.out());
        assertTrue(Pattern.compile("(?i)drop").matcher(s2.out()).find(),
                "stats should include drop reasons by name\n" + s2.out());
    }

    @Test
    @Order(41)
    void linkShowStatisticsPerPort() {
        Sh.Result r = t.router.ctlOk("link", "show", "-s");
        assertTrue(r.out().contains("gw0") && r.out().contains("gw1"), "link show -s\n" + r.out());
        assertTrue(Pattern.compile("(?i)rx").matcher(r.out()).find() && Pattern.compile("(?i)tx").matcher(r.out()).find(),
                "link show -s should show rx/tx counters\n" + r.out());
    }
}
