package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.taprouter.tools.Namespaces;
import net.taprouter.tools.Routerd;
import net.taprouter.tools.Sh;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README's worked example, pasted as a newcomer would: its commands are taken from README.md (so
 * the test fails when README drifts) and run as one bash script with {@code set -e}; only the
 * namespace names (made unique), {@code bin/} (the repository's) and the socket
 * ({@code $ROUTERD_SOCKET}) differ. It must ping through routerd, stop it and remove everything.
 */
@Tag("netns")
@Timeout(value = 240)
class ReadmeWorkedExampleTest {
    @BeforeEach
    void assumeCapable() {
        Namespaces.assumeNetnsCapable();
    }

    /** The shell block of README's "Worked example" section (the one that starts routerd). */
    static String workedExample(String readme) {
        int section = readme.indexOf("## Worked example");
        assertTrue(section >= 0, "README has no \"## Worked example\" section");
        int end = readme.indexOf("\n## ", section + 1);
        String text = readme.substring(section, end < 0 ? readme.length() : end);
        Matcher m = Pattern.compile("(?s)```\\n(.*?)```").matcher(text);
        while (m.find()) {
            if (m.group(1).contains("bin/routerd")) {
                return m.group(1);
            }
        }
        throw new AssertionError("no code block starting bin/routerd in README's worked example");
    }

    @Test
    void workedExampleRunsAsPasted() throws IOException {
        Path repo = Routerd.repoRoot();
        String block = workedExample(Files.readString(repo.resolve("README.md")));
        String id;
        try (Namespaces names = new Namespaces()) {
            id = names.prefix(); // unique per run; names fit IFNAMSIZ with "-veth0"
        }
        String ns1 = id + "n1";
        String ns2 = id + "n2";
        String script = block.replaceAll("\\bns1\\b", ns1).replaceAll("\\bns2\\b", ns2)
                .replaceAll("(?m)(^|\\s|\\$\\()bin/", "$1" + Matcher.quoteReplacement(repo.toString()) + "/bin/");
        assertFalse(script.contains(" ns1") || script.contains(" ns2"), script);
        Path dir = CtlDaemon.newDir("readme");
        Path socket = dir.resolve("routerd.sock");
        try {
            Files.writeString(dir.resolve("example.sh"), "set -e -o pipefail\n" + script);
            Sh.Result r = Sh.cmd("bash", "-c", "cd " + dir + " && exec bash example.sh").env("ROUTERD_SOCKET", socket.toString())
                    .timeout(Duration.ofSeconds(180)).run();
            String log = Files.exists(dir.resolve("routerd.log")) ? Files.readString(dir.resolve("routerd.log")) : "(no log)";
            assertEquals(0, r.exit(), "README's worked example failed when pasted:\n" + r.describe() + "\n--- routerd.log\n" + log);
            assertTrue(r.out().contains("ttl=63") && r.out().contains(" 0% packet loss"), "ping through routerd\n" + r.out());
            assertTrue(r.out().contains("198.51.100.0/24 dev gw1 proto kernel scope link src 198.51.100.254"), r.out());
            assertTrue(Sh.waitUntil(Duration.ofSeconds(15), () -> !Files.exists(dir.resolve("routerd.pid"))),
                    "routerd did not stop (its pid file is still there)\n" + log);
            assertFalse(Namespaces.exists(ns1) || Namespaces.exists(ns2), "the example's clean-up left its namespaces");
            assertTrue(log.contains("routerd: serving " + socket), log);
        } finally {
            Path pid = dir.resolve("routerd.pid");
            if (Files.exists(pid)) {
                Sh.run("kill", Files.readString(pid).strip());
            }
            for (String ns : new String[] {ns1, ns2}) {
                if (Namespaces.exists(ns)) {
                    Sh.run("ip", "netns", "del", ns);
                }
            }
            Routerd.deleteTree(dir);
        }
    }
}
