package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** tools/demo --no-wait --no-build shows routing through routerd and leaves nothing behind. */
@Tag("netns")
@Timeout(value = 120)
class DemoScriptTest {
    @Test
    void demoShowsRoutingAndCleansUp() {
        Namespaces.assumeNetnsCapable();
        Set<String> before = Namespaces.list();
        Sh.Result r = Sh.cmd(Routerd.repoRoot().resolve("tools/demo").toString(), "--no-wait", "--no-build")
                .timeoutSeconds(100).run();
        Set<String> left = new HashSet<>(Namespaces.list());
        left.removeAll(before);
        left.removeIf(n -> !n.startsWith("demo"));
        // last resort if the script failed to clean up: do not leave the machine dirty
        left.forEach(n -> Sh.run("ip", "netns", "del", n));
        assertEquals(0, r.exit(), "tools/demo failed\n" + r.describe());
        assertTrue(r.out().contains("ttl=63"), "demo output lacks ttl=63\n" + r.describe());
        assertTrue(Pattern.compile("(?m)^\\s*1\\s+192\\.0\\.2\\.254\\s").matcher(r.out()).find(),
                "demo output lacks traceroute hop 1 192.0.2.254\n" + r.describe());
        assertTrue(Pattern.compile("(?m)^\\s*2\\s+198\\.51\\.100\\.1\\s").matcher(r.out()).find(),
                "demo output lacks traceroute hop 2 198.51.100.1\n" + r.describe());
        assertTrue(r.out().contains("192.0.2.0/24 dev gw0"), "demo output lacks route show\n" + r.describe());
        assertTrue(left.isEmpty(), "tools/demo left namespaces behind: " + left);
    }
}
