package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * routerd {@code --workers 2} in real namespaces (issue 9, multi-queue):
 *
 * <pre>
 *  a  192.0.2.1/24     ── gw0 (queues 2) ┐
 *  b  198.51.100.1/24  ── gw1 (queues 2) ┼─ routerd --workers 2
 *  c  203.0.113.1/24   ── gw2 (queues 1) ┘   (worker 1 writes on gw2's transmit-only queue)
 * </pre>
 *
 * Ping works between every pair (neighbours resolved by one worker are used by the other); a TCP
 * transfer of 16 streams spreads over both workers (both forwarding threads work; with 16 flows
 * hashed over 2 queues, all on one has a chance of 2 in 65536); a single TCP stream is not
 * reordered (the receiver's TcpExtTCPOFOQueue stays 0: a flow stays on one queue, one worker);
 * 4 streams through the single-queue port work too. With a NAT rule, every port's traffic is
 * steered to its queue 0: worker 0 forwards (and tracks) everything, MASQUERADE works, the other
 * worker idles.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180)
class RouterdWorkersScenarioTest {
    private static final String A = "192.0.2.1";
    private static final String B = "198.51.100.1";
    private static final String C = "203.0.113.1";

    private Namespaces names;
    private Routerd router;
    private Path work;
    private String a;
    private String b;
    private String c;

    @BeforeAll
    void setUp() throws IOException {
        Namespaces.assumeNetnsCapable();
        assertTrue(Sh.run("sh", "-c", "command -v iperf3 && command -v nstat").ok(), "iperf3 and nstat are needed");
        work = Files.createTempDirectory("trt-workers-");
        names = new Namespaces();
        a = names.create("a");
        b = names.create("b");
        c = names.create("c");
        String config = "link add gw0 type tap ifname " + names.ifname("a") + " netns " + a + " queues 2\n"
            + "link add gw1 type tap ifname " + names.ifname("b") + " netns " + b + " queues 2\n"
            + "link add gw2 type tap ifname " + names.ifname("c") + " netns " + c + "\n"
            + "addr add 192.0.2.254/24 dev gw0\naddr add 198.51.100.254/24 dev gw1\naddr add 203.0.113.254/24 dev gw2\n";
        router = Routerd.start("workers", config, List.of("--workers", "2"));
        Net.host(a, names.ifname("a"), A + "/24", "192.0.2.254");
        Net.host(b, names.ifname("b"), B + "/24", "198.51.100.254");
        Net.host(c, names.ifname("c"), C + "/24", "203.0.113.254");
    }

    @AfterAll
    void tearDown() throws IOException {
        try {
            if (router != null) {
                router.stopCleanly();
            }
        } finally {
            if (router != null) {
                router.close();
            }
            if (names != null) {
                names.close();
            }
            if (work != null) {
                try (var s = Files.walk(work)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(Sh::deleteQuietly);
                }
            }
        }
    }

    private String diag() {
        return "\n--- routerd stats ---\n" + router.ctl("stats").out() + "\n--- routerd stderr ---\n" + Routerd.tail(router.stderr());
    }

    /** CPU ticks (utime + stime) of each forwarding worker's thread, by thread id (worker 0's thread first: made first). */
    private java.util.Map<Long, Long> workerTicks() throws IOException {
        java.util.Map<Long, Long> ticks = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(router.pid()), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String comm = Files.readString(task.resolve("comm")).strip();
                if (comm.contains("forwarding")) {
                    String stat = Files.readString(task.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks.put(Long.parseLong(task.getFileName().toString()), Long.parseLong(f[11]) + Long.parseLong(f[12]));
                }
            }
        }
        return ticks;
    }

    /** iperf3 from {@code clientNs} to {@code server} with {@code streams} streams for {@code seconds}; returns its JSON. */
    private String iperf3(String serverNs, String clientNs, String server, int port, int streams, int seconds) {
        Bg srv = Sh.ns(serverNs, "iperf3", "-s", "-1", "-p", Integer.toString(port)).start(work, "iperf3-" + port);
        try {
            Net.waitListening(serverNs, "tcp", port, srv);
            Sh.Result client = Sh.ns(clientNs, "iperf3", "-c", server, "-p", Integer.toString(port), "-P", Integer.toString(streams),
                "-t", Integer.toString(seconds), "-J").timeoutSeconds(120).run();
            assertTrue(client.ok(), "iperf3 client failed\n" + client.describe() + "\n" + srv.describe() + diag());
            Matcher m = Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bytes\"\\s*:\\s*(\\d+)").matcher(client.out());
            assertTrue(m.find() && Long.parseLong(m.group(1)) > 1_000_000, "the server received data\n" + client.out());
            return client.out();
        } finally {
            srv.close();
        }
    }

    private long ofoQueue(String ns) {
        Sh.Result r = Sh.ns(ns, "nstat", "-asz", "TcpExtTCPOFOQueue").run();
        assertTrue(r.ok(), r.describe());
        Matcher m = Pattern.compile("TcpExtTCPOFOQueue\\s+(\\d+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        return Long.parseLong(m.group(1));
    }

    @Test
    @Order(1)
    void pingBetweenEveryPair() {
        for (String[] hop : new String[][] {{a, B}, {b, A}, {a, C}, {c, B}, {b, C}, {c, A}}) {
            Net.assertPingOk(Net.ping(hop[0], hop[1], "-c3", "-i0.2", "-W2"), 63, diag());
        }
        String neigh = router.ctlOk("neigh", "show").out();
        for (String host : new String[] {A, B, C}) {
            assertEquals(1, neigh.split(host + " dev", -1).length - 1, "each neighbour once (merged over the workers)\n" + neigh);
        }
        String show = router.ctlOk("link", "show").out();
        assertTrue(show.contains(" queues 2\n") && show.contains(" queues 1\n"), show);
    }

    @Test
    @Order(2)
    void sixteenStreamsUseBothWorkers() throws IOException {
        java.util.Map<Long, Long> before = workerTicks();
        assertEquals(2, before.size(), "two forwarding threads: " + before);
        iperf3(b, a, B, 5301, 16, 3);
        java.util.Map<Long, Long> after = workerTicks();
        for (Long thread : before.keySet()) {
            long used = after.get(thread) - before.get(thread);
            assertTrue(used >= 5, thread + " worked " + used + " ticks during the transfer: " + before + " -> " + after + diag());
        }
        // stats --per-worker: what each worker forwarded, summing to the total
        String perWorker = router.ctlOk("stats", "--per-worker").out();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^event\\.forwarded +(\\d+)  \\(worker0 (\\d+), worker1 (\\d+)\\)$")
            .matcher(perWorker);
        assertTrue(m.find(), "no per-worker split of event.forwarded\n" + perWorker);
        long w0 = Long.parseLong(m.group(2));
        long w1 = Long.parseLong(m.group(3));
        assertEquals(Long.parseLong(m.group(1)), w0 + w1, perWorker);
        assertTrue(w0 > 1000 && w1 > 1000, "both workers forwarded: " + w0 + ", " + w1 + "\n" + perWorker);
        String json = router.ctlOk("-j", "stats", "--per-worker").out();
        assertTrue(json.matches("(?s).*\\{\"name\":\"event\\.forwarded\",\"value\":\\d+,\"shards\":\\{\"worker0\":\\d+,\"worker1\":\\d+}}.*"), json);
    }

    @Test
    @Order(3)
    void aSingleStreamIsNotReordered() {
        long before = ofoQueue(b);
        iperf3(b, a, B, 5302, 1, 3);
        assertEquals(before, ofoQueue(b), "segments queued out of order at the receiver" + diag());
        assertEquals(0, ofoQueue(b));
    }

    @Test
    @Order(4)
    void fourStreamsThroughTheSingleQueuePort() {
        iperf3(c, a, C, 5303, 4, 2);
        iperf3(b, c, B, 5304, 4, 2);
    }

    @Test
    @Order(5)
    void natRunsOnWorkerZero() throws IOException {
        router.ctlOk("nat", "add", "masquerade", "src", "192.0.2.0/24", "out", "gw1");
        String details = Sh.ns(a, "ip", "-d", "link", "show", "dev", names.ifname("a")).run().out();
        assertTrue(details.contains("multi_queue numqueues 1 numdisabled 1"), "everything to queue 0\n" + details);
        Net.assertPingOk(Net.ping(a, B, "-c3", "-i0.2", "-W2"), 63, diag());
        java.util.Map<Long, Long> before = workerTicks();
        iperf3(b, a, B, 5305, 16, 3);
        java.util.Map<Long, Long> after = workerTicks();
        Long[] threads = before.keySet().toArray(new Long[0]);
        long worker0 = after.get(threads[0]) - before.get(threads[0]);
        long worker1 = after.get(threads[1]) - before.get(threads[1]);
        assertTrue(worker0 >= 20 && worker1 * 10 < worker0, "worker 0 forwards alone: " + worker0 + " vs " + worker1 + " ticks" + diag());
        String flows = router.ctlOk("conntrack", "-L").out();
        assertTrue(flows.contains("src=192.0.2.1 dst=198.51.100.1") && flows.contains("dst=198.51.100.254"),
            "masqueraded flows\n" + flows);
    }
}
