package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.GZIPInputStream;
import net.taprouter.dataplane.route.PrefixFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * routerd as {@code bin/routerd} starts it (its default JVM options): it serves before the JIT
 * warm-up, which still runs (in the background), and it stays small: proportional set size
 * (PSS, /proc/PID/smaps_rollup) at most 256 MiB idle and 1 GiB with the full BGP table.
 * Memory bounds, no timing bounds (tools/footprint measures the times).
 */
@Tag("netns")
@Timeout(value = 180)
class RouterdFootprintTest {
    private static final long MIB = 1024;
    private static final long IDLE_PSS_KIB = 256 * MIB;
    private static final long FULL_TABLE_PSS_KIB = 1024 * MIB;

    @BeforeEach
    void assumeCapable() {
        Namespaces.assumeNetnsCapable();
    }

    @Test
    void servesBeforeTheWarmupWhichStillRunsAndIdlesInAQuarterGiB() throws IOException {
        BookTopology t = BookTopology.create(BookTopology.Kind.ROUTERD);
        try {
            Routerd r = t.routerd;
            assertTrue(Sh.waitUntil(Duration.ofSeconds(60), () -> r.stderr().contains("forwarding path warmed up")),
                    "the JIT warm-up did not run\n" + r.stderr());
            String err = r.stderr();
            assertTrue(err.indexOf("routerd: serving ") < err.indexOf("forwarding path warmed up"),
                    "routerd should serve before the warm-up has finished\n" + err);
            Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c3", "-i0.05", "-W1"), 63, t.diag());
            long pss = pssKib(r);
            System.out.printf("routerd idle PSS %d MiB%n", pss / MIB);
            assertTrue(pss <= IDLE_PSS_KIB, "idle routerd PSS " + pss / MIB + " MiB > 256 MiB");
        } finally {
            assertEquals(null, t.stopAndCleanUp(), "routerd did not stop cleanly");
        }
    }

    @Test
    void fullBgpTableFitsInOneGiB() throws IOException {
        Path work = Routerd.tempDir("fp");
        BookTopology t = BookTopology.create(BookTopology.Kind.ROUTERD);
        try {
            Path batch = work.resolve("bgp.batch");
            int n = 0;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(
                    new GZIPInputStream(Files.newInputStream(PrefixFile.bgpTable())), StandardCharsets.US_ASCII));
                    BufferedWriter out = Files.newBufferedWriter(batch, StandardCharsets.US_ASCII)) {
                for (String line; (line = in.readLine()) != null;) {
                    if (!line.isBlank()) {
                        out.write("route add " + line.trim() + " via 198.51.100.1\n");
                        n++;
                    }
                }
            }
            Sh.Result load = Sh.cmd(Routerd.routerctlBin().toString(), "--socket", t.routerd.socket().toString(),
                    "-b", batch.toString()).timeout(Duration.ofSeconds(120)).run();
            assertEquals(0, load.exit(), "routerctl -b of the BGP table failed\n" + load.describe() + t.diag());
            assertEquals("1.0.0.1 via 198.51.100.1 dev gw1 src 198.51.100.254",
                    t.routerd.ctlOk("route", "get", "1.0.0.1").out().strip());
            Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c3", "-i0.05", "-W1"), 63, t.diag());
            long pss = pssKib(t.routerd);
            System.out.printf("routerd PSS with %d routes: %d MiB%n", n, pss / MIB);
            assertTrue(pss <= FULL_TABLE_PSS_KIB, "routerd PSS with the full table " + pss / MIB + " MiB > 1 GiB");
        } finally {
            String problem = t.stopAndCleanUp();
            Routerd.deleteTree(work);
            assertEquals(null, problem, "routerd did not stop cleanly");
        }
    }

    /** PSS of the routerd JVM in KiB (bin/routerd execs java, so the pid file names the JVM). */
    private static long pssKib(Routerd r) throws IOException {
        String pid = Files.readString(r.dir().resolve(r.name() + ".pid")).strip();
        for (String line : Files.readAllLines(Path.of("/proc", pid, "smaps_rollup"))) {
            if (line.startsWith("Pss:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no Pss line in /proc/" + pid + "/smaps_rollup");
    }
}
