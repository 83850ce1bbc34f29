package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.regex.Pattern;

/** A host namespace vanishes under routerd: routerd keeps running, gw1 goes down. */
class RouterdVanishedNamespaceTest extends VanishedNamespaceScenarios {
    private static final Pattern DOWN = Pattern.compile("(?i)\\bdown\\b|NO-CARRIER|LOWERLAYERDOWN");

    @Override
    BookTopology.Kind kind() {
        return BookTopology.Kind.ROUTERD;
    }

    @Override
    protected void afterVanish() {
        assertTrue(t.routerd.alive(), "routerd died when ns2 vanished" + t.diag());
        String[] last = {""};
        boolean down = Sh.waitUntil(Duration.ofSeconds(5), () -> {
            Sh.Result r = t.routerd.ctl("link", "show", "gw1");
            last[0] = r.describe();
            return r.ok() && DOWN.matcher(r.out()).find();
        });
        assertTrue(down, "link show gw1 should report the port down after its namespace vanished\n" + last[0] + t.diag());
        Sh.Result all = t.routerd.ctlOk("link", "show");
        assertTrue(all.out().contains("gw0"), "link show\n" + all.out());
        assertTrue(t.routerd.alive(), "routerd died" + t.diag());
    }
}
