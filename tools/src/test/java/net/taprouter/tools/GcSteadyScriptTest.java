package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 9's steady state without GC, end to end: {@code tools/gc-steady} forwards iperf3 TCP through
 * a real routerd and reads what its threads allocated meanwhile (jcmd Thread.print -e). The
 * dataplane thread must have allocated (almost) nothing: the script exits 1 above 64 KiB, and this
 * test reads the figure itself.
 */
@Tag("netns")
@Timeout(value = 120)
class GcSteadyScriptTest {
    private static final Pattern DATAPLANE_ROW = Pattern.compile("^\\| (\\S.*) \\(dataplane\\) \\| ([\\d,]+) B \\|", Pattern.MULTILINE);

    @Test
    void theDataplaneAllocatesNothingWhileForwardingIperf3() {
        Namespaces.assumeNetnsCapable();
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of(Routerd.repoRoot().resolve("tools/gc-steady").toString(),
            "--seconds", "5"));
        argv.addAll(Routerd.ioOptions()); // both I/O modes (the tools module runs the suite in each)
        Sh.Result r = Sh.cmd(argv).timeoutSeconds(100).run();
        System.out.println(r.out());
        assertEquals(0, r.exit(), r.describe());
        Matcher m = DATAPLANE_ROW.matcher(r.out());
        assertTrue(m.find(), "no dataplane thread in the table\n" + r.describe());
        do {
            long bytes = Long.parseLong(m.group(2).replace(",", ""));
            assertTrue(bytes <= 65536, m.group(1) + " allocated " + bytes + " B while forwarding\n" + r.describe());
        } while (m.find());
        assertTrue(r.out().contains(" GB forwarded, "), r.describe());
    }
}
