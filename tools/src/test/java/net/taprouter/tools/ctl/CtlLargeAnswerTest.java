package net.taprouter.tools.ctl;

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
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import net.taprouter.dataplane.route.PrefixFile;
import net.taprouter.tools.Namespaces;
import net.taprouter.tools.Routerd;
import net.taprouter.tools.Sh;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Answers far larger than any buffer: the full BGP table (901,899 prefixes) listed with
 * {@code routerctl -j route show} (about 90 MB of JSON), and clients that ask for it and never
 * read: routerd keeps serving others and its heap does not grow by the answer's size. The same for
 * {@code save} (about 40 MB of text), whose streamed text still lists every route in order.
 */
@Tag("netns")
@Timeout(value = 600)
class CtlLargeAnswerTest {
    private static final Pattern HEAP_USED = Pattern.compile("(?m)^\\s*(?:ZHeap|garbage-first heap|def new generation|tenured generation|PSYoungGen|ParOldGen|Shenandoah).*?used (\\d+)([KMG])");

    @BeforeEach
    void assumeCapable() {
        Namespaces.assumeNetnsCapable();
    }

    @Test
    void fullTableStreamsAndNonReadingClientsCostNothing() throws IOException, InterruptedException {
        Path work = CtlDaemon.newDir("big");
        try (CtlTopology t = CtlTopology.create("big")) {
            Path batch = work.resolve("bgp.batch");
            int n = writeBatch(batch);
            Sh.Result load = Sh.cmd(Routerd.routerctlBin().toString(), "--socket", t.d.socket().toString(), "-b", batch.toString())
                    .timeout(Duration.ofSeconds(300)).run();
            assertEquals(0, load.exit(), "routerctl -b of the BGP table failed\n" + load.describe() + t.d.diag());
            int routes = n + 2; // and the two connected networks

            // 1. clients that ask for the whole table as JSON and never read a byte
            long before = heapUsedAfterGc(t.d.pid());
            long rssBefore = rss(t.d.pid());
            List<CtlWire> stuck = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    CtlWire w = CtlWire.connect(t.d.socket());
                    w.send(CtlWire.frame("route show\n", true));
                    stuck.add(w);
                }
                CtlDaemon.sleep(3000);
                Sh.Result others = Sh.cmd(Routerd.routerctlBin().toString(), "--socket", t.d.socket().toString(), "route", "get",
                        "198.51.100.1").timeout(Duration.ofSeconds(30)).run();
                assertEquals(0, others.exit(), "routerd stopped serving while clients did not read\n" + others.describe() + t.d.diag());
                long during = heapUsedAfterGc(t.d.pid());
                long rssDuring = rss(t.d.pid());
                System.out.printf("heap after GC: %d MiB before, %d MiB with 3 non-reading clients of a %d-route listing;"
                        + " RSS %d MiB before, %d MiB with them%n", before >> 20, during >> 20, routes, rssBefore >> 20, rssDuring >> 20);
                // the reply buffers may sit outside the heap (Netty direct buffers): RSS counts them
                assertTrue(rssDuring - rssBefore < 64L << 20, "RSS grew by " + ((rssDuring - rssBefore) >> 20)
                        + " MiB for 3 clients that read nothing (the answer is ~90 MB each)" + t.d.diag());
                assertTrue(during - before < 48L << 20, "heap grew by " + ((during - before) >> 20)
                        + " MiB for 3 clients that read nothing (the answer is ~90 MB each)" + t.d.diag());
            } finally {
                for (CtlWire w : stuck) {
                    w.close();
                }
            }

            // 1b. the same with save (~40 MB of text with the full table): made as the client reads
            long saveBefore = heapUsedAfterGc(t.d.pid());
            long saveRssBefore = rss(t.d.pid());
            List<CtlWire> saving = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    CtlWire w = CtlWire.connect(t.d.socket());
                    w.send(CtlWire.frame("save\n", false));
                    saving.add(w);
                }
                CtlDaemon.sleep(3000);
                long saveDuring = heapUsedAfterGc(t.d.pid());
                long saveRssDuring = rss(t.d.pid());
                System.out.printf("save: heap after GC %d MiB before, %d MiB with 3 non-reading clients; RSS %d MiB before, %d MiB%n",
                        saveBefore >> 20, saveDuring >> 20, saveRssBefore >> 20, saveRssDuring >> 20);
                assertTrue(saveRssDuring - saveRssBefore < 64L << 20, "RSS grew by " + ((saveRssDuring - saveRssBefore) >> 20)
                        + " MiB for 3 save clients that read nothing (the answer is ~40 MB each)" + t.d.diag());
                assertTrue(saveDuring - saveBefore < 48L << 20, "heap grew by " + ((saveDuring - saveBefore) >> 20)
                        + " MiB for 3 save clients that read nothing (the answer is ~40 MB each)" + t.d.diag());
            } finally {
                for (CtlWire w : saving) {
                    w.close();
                }
            }

            // 2. the whole table as JSON, streamed to a file and parsed
            Path json = work.resolve("routes.json");
            Sh.Result show = Sh.cmd(Routerd.routerctlBin().toString(), "--socket", t.d.socket().toString(), "-j", "route", "show")
                    .stdout(json).timeout(Duration.ofSeconds(180)).run();
            assertEquals(0, show.exit(), "routerctl -j route show failed\n" + show.describe() + t.d.diag());
            Sh.Result count = Sh.cmd("/usr/bin/python3", "-c",
                    "import json,sys; r=json.load(open(sys.argv[1])); print(len(r), sum(1 for x in r if x.get('gateway')=='198.51.100.1'))",
                    json.toString()).timeout(Duration.ofSeconds(120)).run();
            assertEquals(0, count.exit(), "not valid JSON\n" + count.describe());
            assertEquals(routes + " " + n, count.out().strip(), "routes in the JSON listing");

            // 3. and as text, line by line
            Path text = work.resolve("routes.txt");
            Sh.Result plain = Sh.cmd(Routerd.routerctlBin().toString(), "--socket", t.d.socket().toString(), "route", "show")
                    .stdout(text).timeout(Duration.ofSeconds(180)).run();
            assertEquals(0, plain.exit(), plain.describe());
            List<String> shown = Files.readAllLines(text);
            assertEquals(routes, shown.size());

            // 4. save streamed to stdout: its route lines are route show's static routes, in the same order
            Path saved = work.resolve("saved.conf");
            Sh.Result save = Sh.cmd(Routerd.routerctlBin().toString(), "--socket", t.d.socket().toString(), "save")
                    .stdout(saved).timeout(Duration.ofSeconds(180)).run();
            assertEquals(0, save.exit(), "routerctl save failed\n" + save.describe() + t.d.diag());
            List<String> config = Files.readAllLines(saved);
            List<String> expectedRoutes = new ArrayList<>();
            for (String route : shown) {
                if (!route.contains(" proto kernel")) {
                    expectedRoutes.add("route add " + route.replace(" scope link", ""));
                }
            }
            List<String> savedRoutes = config.stream().filter(l -> l.startsWith("route add ")).toList();
            assertEquals(n, savedRoutes.size(), "route lines in save");
            assertEquals(expectedRoutes, savedRoutes, "save's routes differ from route show's");
            assertEquals("# taprouter configuration (routerctl save)", config.get(0));
            assertEquals("forwarding on", config.get(config.size() - 1));
        } finally {
            Routerd.deleteTree(work);
        }
    }

    /** "route add P via 198.51.100.1" for every prefix of the BGP table; returns how many. */
    static int writeBatch(Path batch) throws IOException {
        int n = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(PrefixFile.bgpTable())), StandardCharsets.US_ASCII));
                BufferedWriter out = Files.newBufferedWriter(batch, StandardCharsets.US_ASCII)) {
            for (String line; (line = in.readLine()) != null;) {
                String p = line.trim();
                if (!p.isEmpty()) {
                    out.write("route add " + p + " via 198.51.100.1\n");
                    n++;
                }
            }
        }
        assertTrue(n > 900_000, "only " + n + " prefixes in " + PrefixFile.bgpTable());
        return n;
    }

    /** The resident set size of a process (VmRSS), in bytes. */
    static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
            }
        }
        throw new AssertionError("no VmRSS for pid " + pid);
    }

    /** routerd's Java heap in use right after a full collection (jcmd GC.run, GC.heap_info). */
    static long heapUsedAfterGc(long pid) {
        Sh.Result gc = Sh.cmd("jcmd", Long.toString(pid), "GC.run").timeout(Duration.ofSeconds(60)).run();
        assertEquals(0, gc.exit(), gc.describe());
        Sh.Result info = Sh.cmd("jcmd", Long.toString(pid), "GC.heap_info").timeout(Duration.ofSeconds(60)).run();
        Matcher m = HEAP_USED.matcher(info.out());
        long total = 0;
        boolean found = false;
        while (m.find()) {
            found = true;
            long v = Long.parseLong(m.group(1));
            total += switch (m.group(2)) {
                case "K" -> v << 10;
                case "M" -> v << 20;
                default -> v << 30;
            };
        }
        assertTrue(found, "no heap figure in jcmd GC.heap_info:\n" + info.describe());
        return total;
    }
}
