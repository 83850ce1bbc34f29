package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.taprouter.tools.Bg;
import net.taprouter.tools.Namespaces;
import net.taprouter.tools.Routerd;
import net.taprouter.tools.Sh;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Control-socket limits (connections, request size), routerd's files (pid file, socket, counter
 * file: never through a planted symbolic link, their final modes from creation), and the command
 * line as people type it ({@code -j}/{@code -s} anywhere, prefixes that say what is wrong).
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180)
class CtlLimitsTest {
    private CtlDaemon d;

    @BeforeAll
    void setUp() {
        Namespaces.assumeNetnsCapable();
        d = CtlDaemon.start("limits", "forwarding on\n", "--max-clients", "3", "--max-request", "65536");
    }

    @AfterAll
    void tearDown() {
        if (d != null) {
            int rc = d.stop();
            d.close();
            assertEquals(0, rc, "routerd did not exit 0 on SIGTERM" + d.diag());
        }
    }

    @Test
    void connectionsBeyondTheLimitAreRefusedWithOneLine() throws IOException {
        List<CtlWire> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                idle.add(CtlWire.connect(d.socket()));
            }
            CtlDaemon.sleep(300);
            Sh.Result r = d.ctl("link", "show");
            assertEquals(1, r.exit(), r.describe());
            assertEquals("routerctl: too many control connections (3 open; try again)\n", r.err());
        } finally {
            for (CtlWire w : idle) {
                w.close();
            }
        }
        assertTrue(Sh.waitUntil(Duration.ofSeconds(5), () -> d.ctl("forwarding", "show").ok()), "served again" + d.diag());
    }

    @Test
    void aRequestOverTheLimitIsRefusedAndABigOneWithinItApplies() throws IOException {
        Path big = d.dir().resolve("big.batch");
        StringBuilder ok = new StringBuilder();
        while (ok.length() < 60_000) {
            ok.append("forwarding on\n");
        }
        Files.writeString(big, ok);
        d.ctlOk("-b", big.toString());
        Files.writeString(big, ok.append(ok));
        Sh.Result r = d.ctl("-b", big.toString());
        assertEquals(1, r.exit(), r.describe());
        assertTrue(r.err().startsWith("routerctl: request too large or malformed (")
                && r.err().contains("routerd takes up to 65536, routerd --max-request)"), r.err());
    }

    @Test
    void jsonAndStatisticsFlagsAnywhere() {
        assertEquals("[]", d.ctlOk("route", "show", "-j").out().strip());
        assertEquals("[]", d.ctlOk("route", "--json", "show").out().strip());
        assertEquals(d.ctlOk("link", "show", "-s").out(), d.ctlOk("-s", "link", "show").out());
        assertEquals("[]", d.ctlOk("-s", "link", "show", "-j").out().strip());
        assertEquals("", d.ctlOk("route", "show", "-s").out(), "-s is accepted (and means nothing) for routes, as ip does");
    }

    @Test
    void malformedPrefixesAndAddressesSayWhy() {
        String[][] cases = {
            {"route add 10.0.0.0/33 dev gw0", "route add: bad prefix 10.0.0.0/33 (length > 32)"},
            {"route add 10.0.0/8 dev gw0", "route add: bad prefix 10.0.0/8 (an IPv4 address has 4 octets A.B.C.D, not 3)"},
            {"route add 10.0.0.256/32 dev gw0", "route add: bad prefix 10.0.0.256/32 (octet 256 > 255)"},
            {"route del 10.0.0.0/x", "route del: bad prefix 10.0.0.0/x (length \"x\" is not a number)"},
            {"addr add 192.0.2.1/40 dev gw0", "addr add: bad address 192.0.2.1/40 (length > 32)"},
            {"route get 192.0.2.01", "route get: bad address 192.0.2.01 (octet 01 has a leading zero)"},
        };
        for (String[] c : cases) {
            Sh.Result r = d.ctl(c[0].split(" "));
            assertEquals(1, r.exit(), r.describe());
            assertEquals("routerctl: " + c[1] + "\n", r.err(), c[0]);
        }
    }

    @Test
    void plantedSymlinksAreNotFollowed() throws IOException {
        for (String what : List.of("pidfile", "counters", "socket")) {
            Path dir = CtlDaemon.newDir("sym");
            try {
                Path victim = dir.resolve("victim");
                Files.writeString(victim, "precious\n");
                Path socket = dir.resolve("r.sock");
                Path pidfile = dir.resolve("r.pid");
                Path counters = dir.resolve("r.counters");
                Path link = what.equals("pidfile") ? pidfile : what.equals("counters") ? counters : socket;
                Files.createSymbolicLink(link, victim);
                Sh.Result r = Sh.cmd(Routerd.routerdBin().toString(), "--socket", socket.toString(), "--pidfile", pidfile.toString(),
                        "--counters", counters.toString(), "--warmup", "0").timeout(Duration.ofSeconds(40)).run();
                String kind = what.equals("pidfile") ? "pid file" : what.equals("counters") ? "counter file" : "socket";
                assertEquals(1, r.exit(), what + ": routerd must refuse a symbolic link\n" + r.describe());
                assertTrue(r.err().contains(kind + " " + link + " is a symbolic link; not following it (remove it if it is yours)"),
                        r.err());
                assertEquals("precious\n", Files.readString(victim), what + ": the link's target was touched");
                assertTrue(Files.isSymbolicLink(link), what + ": the link itself is left alone");
                assertTrue(!Files.exists(socket, LinkOption.NOFOLLOW_LINKS) || link.equals(socket), "no socket left behind");
            } finally {
                Routerd.deleteTree(dir);
            }
        }
    }

    @Test
    void filesHaveTheirFinalModesFromCreation() throws IOException {
        Path dir = CtlDaemon.newDir("modes");
        Path socket = dir.resolve("r.sock");
        Path pidfile = dir.resolve("r.pid");
        Path counters = dir.resolve("r.counters");
        // a long JIT warm-up keeps routerd between creating the counter file and serving for a while
        Bg routerd = Sh.cmd(Routerd.routerdBin().toString(), "--socket", socket.toString(), "--pidfile", pidfile.toString(),
                "--counters", counters.toString(), "--warmup", "1000000").start(dir, "modes");
        try {
            String countersMode = null;
            String socketMode = null;
            String pidMode = null;
            long end = System.nanoTime() + Routerd.READY_TIMEOUT.toNanos() * 3;
            while ((countersMode == null || socketMode == null || pidMode == null) && System.nanoTime() < end && routerd.alive()) {
                countersMode = countersMode != null ? countersMode : mode(counters);
                socketMode = socketMode != null ? socketMode : mode(socket);
                pidMode = pidMode != null ? pidMode : mode(pidfile);
            }
            assertNotNull(pidMode, "routerd never served\n" + routerd.describe());
            assertEquals("rw-r-----", countersMode, "counter file mode when first seen");
            assertEquals("rw-rw----", socketMode, "socket mode when first seen");
            assertEquals("rw-r--r--", pidMode, "pid file mode when first seen");
            try (var left = Files.list(dir)) {
                assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".rd")).toList(),
                        "the private bind directory is gone");
            }
        } finally {
            routerd.stop(Duration.ofSeconds(15));
            Routerd.deleteTree(dir);
        }
    }

    private static String mode(Path p) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            return null;
        }
    }
}
