package net.taprouter.control.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** routerctl against a scripted fake routerd: what it sends, how it reads, when it gives up. */
@Timeout(60)
class RouterCtlTest {
    private Path dir;
    private Path socket;
    private ServerSocketChannel listener;
    private final AtomicReference<String> request = new AtomicReference<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "rct-");
        socket = dir.resolve("s.sock");
        listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
    }

    @AfterEach
    void tearDown() throws IOException {
        listener.close();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }

    /** Accepts one connection, records its request, answers with {@code pieces} (null: never answers). */
    private Thread serve(List<String> pieces) {
        Thread t = new Thread(() -> {
            try (SocketChannel ch = listener.accept()) {
                DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
                byte[] bytes = new byte[in.readInt()];
                in.readFully(bytes);
                request.set(new String(bytes, StandardCharsets.UTF_8));
                if (pieces == null) {
                    Thread.sleep(30_000);
                    return;
                }
                DataOutputStream out = new DataOutputStream(Channels.newOutputStream(ch));
                for (String p : pieces) {
                    byte[] b = p.getBytes(StandardCharsets.UTF_8);
                    out.writeInt(b.length);
                    out.write(b);
                }
                out.writeInt(0);
                out.flush();
            } catch (IOException | InterruptedException e) {
                // the client went away
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    private record Run(int exit, String out, String err) {
    }

    private Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--socket", socket.toString()));
        all.addAll(List.of(args));
        int exit = RouterCtl.run(all.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void jsonAndStatisticsFlagsAreAcceptedAnywhere() {
        serve(List.of("ok\n[]\n"));
        Run r = run("route", "show", "-j");
        assertEquals(0, r.exit(), r.err());
        assertEquals("taprouter/2 json=1 source=-\nroute show\n", request.get());
        assertEquals("[]\n", r.out());

        serve(List.of("ok\n"));
        assertEquals(0, run("-s", "link", "--json", "show", "gw0").exit());
        assertEquals("taprouter/2 json=1 source=-\nlink show gw0 -s\n", request.get());
    }

    @Test
    void aQuotedMatchPredicateIsSentAsItsWords() {
        serve(List.of("ok\n"));
        Run r = run("trace", "add", "5", "dev", "gw0", "match", " src 192.0.2.0/24  and proto icmp ");
        assertEquals(0, r.exit(), r.err());
        assertEquals("taprouter/2 json=0 source=-\ntrace add 5 dev gw0 match src 192.0.2.0/24 and proto icmp\n", request.get());
        r = run("trace", "add", "5", "dev", "gw 0");
        assertEquals(2, r.exit(), "spaces are refused outside a match predicate");
        assertTrue(r.err().contains("bad argument \"gw 0\""), r.err());
    }

    @Test
    void conntrackKeepsMinusSAsItsSourceFilterAndPrintsItsTrailers() {
        String line = "udp      17 29 src=192.0.2.1 dst=203.0.113.1 sport=40000 dport=9 [UNREPLIED] src=203.0.113.1"
            + " dst=203.0.113.254 sport=9 dport=40000 mark=0 use=1\n";
        serve(List.of("ok\n" + line, line));
        Run r = run("conntrack", "-L", "-s", "192.0.2.1", "-p", "udp");
        assertEquals(0, r.exit(), r.err());
        assertEquals("taprouter/2 json=0 source=-\nconntrack -L -s 192.0.2.1 -p udp\n", request.get());
        assertEquals(line + line, r.out());
        assertEquals("conntrack v1.4.7 (taprouter): 2 flow entries have been shown.\n", r.err());

        serve(List.of("ok\n[{\"proto\":\"udp\",\"original\":{\"src\":\"192.0.2.1\"},\"reply\":{}}", ",{\"proto\":\"tcp\"}]\n"));
        r = run("-j", "conntrack", "-L");
        assertEquals("conntrack v1.4.7 (taprouter): 2 flow entries have been shown.\n", r.err());

        serve(List.of("ok\n"));
        r = run("conntrack", "-D", "--orig-src", "192.0.2.9");
        assertEquals(1, r.exit(), "conntrack -D that deletes nothing exits 1");
        assertEquals("conntrack v1.4.7 (taprouter): 0 flow entries have been deleted.\n", r.err());

        serve(List.of("ok\n"));
        r = run("conntrack", "-F");
        assertEquals(0, r.exit());
        assertEquals("conntrack v1.4.7 (taprouter): connection tracking table has been emptied.\n", r.err());

        serve(List.of("ok\n0\n"));
        r = run("-s", "conntrack", "-C");
        assertEquals("taprouter/2 json=0 source=-\nconntrack -C -s\n", request.get(), "a leading -s is the statistics flag");
        assertEquals("", r.err());
    }

    /** routerctl as its own process (it prints conntrack -E's trailer from a shutdown hook, at exit). */
    private Run runProcess(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"), RouterCtl.class.getName(), "--socket", socket.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        java.util.concurrent.CompletableFuture<byte[]> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "routerctl did not exit");
        return new Run(p.exitValue(), out, new String(err.join(), StandardCharsets.UTF_8));
    }

    @Test
    void conntrackEventsPrintTheirTrailerOnlyWhenTheyStreamed() throws Exception {
        serve(List.of("error\nconntrack -E: bad event \"FOO\" (NEW, UPDATE, DESTROY or ALL)"));
        Run r = runProcess("conntrack", "-E", "-e", "FOO");
        assertEquals(1, r.exit());
        assertEquals("taprouter/2 json=0 source=-\nconntrack -E -e FOO\n", request.get());
        assertEquals("routerctl: conntrack -E: bad event \"FOO\" (NEW, UPDATE, DESTROY or ALL)\n", r.err(), "an error is one line");

        String event = "    [NEW] udp      17 30 src=192.0.2.1 dst=203.0.113.1 sport=40000 dport=9 [UNREPLIED] src=203.0.113.1"
            + " dst=203.0.113.254 sport=9 dport=40000\n";
        serve(List.of("ok\n", "O" + event)); // then routerd ends the stream (it stopped)
        r = runProcess("conntrack", "-E");
        assertEquals(0, r.exit(), r.err());
        assertEquals(event, r.out());
        assertEquals("conntrack v1.4.7 (taprouter): 1 flow event has been shown.\n", r.err(), "the trailer once");

        listener.close();
        Files.delete(socket);
        r = runProcess("conntrack", "-E");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("routerctl: cannot talk to routerd at " + socket), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void aBatchThatIsNotUtf8TextIsNamedSo() throws IOException {
        Path batch = dir.resolve("binary");
        Files.write(batch, new byte[] {'l', 'i', 'n', 'k', ' ', (byte) 0xff, '\n'});
        try {
            Run r = run("-b", batch.toString());
            assertEquals(1, r.exit());
            assertEquals("routerctl: cannot read " + batch + ": not UTF-8 text (bad byte at offset 5)\n", r.err());
            assertEquals(null, request.get(), "nothing sent");
        } finally {
            Files.delete(batch);
        }
    }

    @Test
    void saveTakesOneFileAtMost() throws IOException {
        Run r = run("save", "a", "b");
        assertEquals(1, r.exit());
        assertEquals("routerctl: save: unexpected \"b\" (save [FILE]: one FILE at most)\n", r.err());
        assertEquals(null, request.get(), "nothing sent");

        Path file = dir.resolve("saved.conf");
        serve(List.of("ok\nforwarding on\n"));
        try {
            r = run("-s", "save", file.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals("taprouter/2 json=0 source=-\nsave\n", request.get(), "-s is not taken for save's FILE");
            assertEquals("forwarding on\n", Files.readString(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void aReplyInManyPiecesIsPrintedWhole() {
        List<String> pieces = new ArrayList<>(List.of("ok\n["));
        StringBuilder expected = new StringBuilder("[");
        for (int i = 0; i < 2000; i++) {
            String row = (i == 0 ? "" : ",") + "{\"dst\":\"10." + (i >> 8) + "." + (i & 255) + ".0/24\"}";
            pieces.add(row);
            expected.append(row);
        }
        pieces.add("]\n");
        expected.append("]\n");
        serve(pieces);
        Run r = run("-j", "route", "show");
        assertEquals(0, r.exit(), r.err());
        assertEquals(expected.toString(), r.out());
    }

    @Test
    void aSilentRouterdIsGivenUpAfterTheTimeout() {
        serve(null);
        long t0 = System.nanoTime();
        Run r = run("--timeout", "1", "link", "show");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(2, r.exit());
        assertEquals("routerctl: no answer from routerd at " + socket + " within 1 s (routerctl --timeout SECONDS; 0 = no limit)\n",
            r.err());
        assertTrue(seconds < 20, "gave up after " + seconds + " s");
    }

    @Test
    void aCutReplyIsAnError() {
        Thread t = new Thread(() -> {
            try (SocketChannel ch = listener.accept()) {
                DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
                in.readFully(new byte[in.readInt()]);
                DataOutputStream out = new DataOutputStream(Channels.newOutputStream(ch));
                out.writeInt(5);
                out.write("ok\nab".getBytes(StandardCharsets.UTF_8)); // and no end frame
            } catch (IOException e) {
                // gone
            }
        });
        t.start();
        Run r = run("route", "show");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("reply cut short"), r.err());
    }

    @Test
    void waitGivesUpWhenNothingAnswers() throws IOException {
        listener.close();
        Files.delete(socket);
        Run r = run("wait", "--timeout", "0.5");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("routerctl: routerd at " + socket + " did not answer within 0.5 s"), r.err());
    }

    /** A routerd that is full for a moment (all slots taken, request budget in use) is waited for. */
    @Test
    void waitRetriesWhileRouterdIsFull() throws Exception {
        Thread server = new Thread(() -> {
            for (String reply : List.of("error\ntoo many control connections (32 open; try again)",
                    "error\nrouterd busy: other requests are being received (90 MiB buffered); retry", "ok\n")) {
                Thread one = serve(List.of(reply));
                try {
                    one.join();
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        server.setDaemon(true);
        server.start();
        Run r = run("wait", "--timeout", "10");
        assertEquals(0, r.exit(), r.err());
        server.join(5000);
        assertTrue(!server.isAlive(), "all three answers were asked for");
    }

    @Test
    void waitStopsAtARealError() {
        serve(List.of("error\npermission denied: routerd serves only root"));
        Run r = run("wait", "--timeout", "10");
        assertEquals(1, r.exit());
        assertEquals("routerctl: permission denied: routerd serves only root\n", r.err());
    }
}
