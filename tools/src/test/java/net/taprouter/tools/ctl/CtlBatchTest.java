package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.taprouter.tools.Namespaces;
import net.taprouter.tools.Routerd;
import net.taprouter.tools.Sh;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/** {@code routerctl -b FILE}: all or nothing, errors as {@code FILE:LINE: message}. */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 90)
class CtlBatchTest {
    private CtlTopology t;
    private CtlDaemon d;
    private Path dir;

    @BeforeAll
    void setUp() {
        Namespaces.assumeNetnsCapable();
        t = CtlTopology.create("batch");
        d = t.d;
        dir = CtlDaemon.newDir("batchfiles");
        d.ctlOk("route", "add", "10.7.0.0/16", "via", "198.51.100.1"); // something for the batches to delete
    }

    @AfterAll
    void tearDown() {
        Routerd.deleteTree(dir);
        if (t != null) {
            t.close();
        }
    }

    private Path write(String name, List<String> lines) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    /** Applies a failing batch: exit 1, {@code routerctl: FILE:LINE: ...}, nothing changed, forwarding intact. */
    private void assertBatchRefused(Path f, int line, String... words) {
        String before = d.snapshot();
        Sh.Result r = d.ctl("-b", f.toString());
        String[] all = new String[words.length + 1];
        all[0] = "routerctl: " + f + ":" + line + ": ";
        System.arraycopy(words, 0, all, 1, words.length);
        CtlCheck.assertError(r, 1, d.diag(), all);
        assertTrue(r.err().startsWith(all[0]), "expected the error to start with '" + all[0] + "'\n" + r.describe());
        assertEquals(before, d.snapshot(), "a refused batch changed the router (" + f.getFileName() + ")");
        assertFalse(t.tapInNs3(), "a refused batch left its new TAP in " + t.ns3);
        t.assertPingThrough("forwarding after a rolled-back batch");
    }

    private List<String> goodFive() {
        return List.of(
                t.gw2Line("00:00:5e:00:53:33"),
                "addr add 203.0.113.254/24 dev gw2",
                "route add 10.0.0.0/8 via 203.0.113.1",
                "route del 10.7.0.0/16",
                "neigh add 192.0.2.50 lladdr 00:00:5e:00:53:50 dev gw0");
    }

    @Test
    @Order(1)
    void badSixthLineAppliesNothing() throws IOException {
        List<String> lines = new java.util.ArrayList<>(goodFive());
        lines.add("route add 10.0.0.0/8 via 192.0.2.99 dev nosuch");
        lines.add("forwarding off");
        lines.add("route add 10.8.0.0/16 via 198.51.100.1");
        assertBatchRefused(write("bad6.batch", lines), 6, "route add", "no such port \"nosuch\"");
    }

    @Test
    @Order(2)
    void rollbackOfDeletesAndSettings() throws IOException {
        Path f = write("bad-later.batch", List.of(
                "# settings and deletions, then a bad line: line numbers count comments and blank lines",
                "",
                "link set gw0 mtu 1400",
                "forwarding off",
                "addr del 198.51.100.254/24 dev gw1",
                "link set gw1 down",
                "route replace 10.7.0.0/16 via 192.0.2.1",
                "neigh flush",
                "   # indented comment",
                "route add 10.0.0.1/33 via 192.0.2.1",
                "forwarding on"));
        assertBatchRefused(f, 10, "10.0.0.1/33");
    }

    @Test
    @Order(3)
    void rollbackOfLinkDel() throws IOException {
        Path f = write("linkdel.batch", List.of(
                "link del gw1",
                "route add 10.0.0.0/8 via 192.0.2.1",
                "link set gw0 down",
                "addr add 198.51.100.254/24 dev gw0",
                "route add 10.8.0.0/16 via 198.51.100.1",
                "route add 10.0.0.0/8 via 192.0.2.1"));
        assertBatchRefused(f, 6, "exists");
        assertTrue(Sh.cmd("ip", "-n", t.ns2, "link", "show", "dev", t.if2).run().ok(), "the rolled-back link del removed the TAP");
    }

    @Test
    @Order(4)
    void badLastLineAndDuplicateInsideBatch() throws IOException {
        Path f = write("dup.batch", List.of(
                "route add 10.9.0.0/16 via 198.51.100.1",
                "route add 10.10.0.0/16 via 198.51.100.1",
                "route add 10.9.0.0/16 via 192.0.2.1"));
        assertBatchRefused(f, 3, "exists");
        Path g = write("unknown.batch", List.of("route add 10.9.0.0/16 via 198.51.100.1", "frobnicate now"));
        assertBatchRefused(g, 2, "frobnicate");
    }

    @Test
    @Order(5)
    void goodBatchAppliesFully() throws IOException {
        List<String> lines = new java.util.ArrayList<>(goodFive());
        lines.add("route add 10.8.0.0/16 via 198.51.100.1");
        lines.add("link set gw0 mtu 1400");
        Path f = write("good.batch", lines);
        Sh.Result r = d.ctlOk("-b", f.toString());
        assertTrue(r.err().isEmpty() && r.out().isEmpty(), "a good batch prints nothing\n" + r.describe());
        try {
            assertTrue(t.tapInNs3(), "link add in the batch did not create the TAP");
            String save = d.ctlOk("save").out();
            for (String want : List.of("link add gw2 type tap ifname " + t.if3, "addr add 203.0.113.254/24 dev gw2",
                    "route add 10.0.0.0/8 via 203.0.113.1 dev gw2", "neigh add 192.0.2.50 lladdr 00:00:5e:00:53:50 dev gw0",
                    "route add 10.8.0.0/16 via 198.51.100.1 dev gw1", "address 00:00:5e:00:53:12 mtu 1400")) {
                assertTrue(save.contains(want), "after the good batch, save lacks '" + want + "'\n" + save);
            }
            assertFalse(save.contains("10.7.0.0/16"), "route del in the batch not applied\n" + save);
            assertEquals("10.1.2.3 via 203.0.113.1 dev gw2 src 203.0.113.254", d.ctlOk("route", "get", "10.1.2.3").out().strip());
            t.assertPingThrough("after a good batch");
        } finally {
            d.ctl("link", "del", "gw2");
        }
    }

    @Test
    @Order(6)
    void batchFromStdinAndUnreadableFile() throws IOException {
        Path f = write("stdin.batch", List.of("route add 10.11.0.0/16 via 198.51.100.1", "route del 10.11.0.0/16",
                "route add 10.12.0.0/16 via 198.51.100.1"));
        Sh.Result r = Sh.cmd(net.taprouter.tools.Routerd.routerctlBin().toString(), "--socket", d.socket().toString(), "-b", "-")
                .stdin(f).run();
        assertEquals(0, r.exit(), r.describe() + d.diag());
        assertEquals("10.12.0.1 via 198.51.100.1 dev gw1 src 198.51.100.254", d.ctlOk("route", "get", "10.12.0.1").out().strip());
        assertTrue(d.ctl("route", "get", "10.11.0.1").exit() != 0 || !d.ctl("route", "get", "10.11.0.1").out().contains("10.11"),
                "10.11.0.0/16 should be gone");
        d.ctlOk("route", "del", "10.12.0.0/16");
        String before = d.snapshot();
        Sh.Result missing = d.ctl("-b", dir.resolve("does-not-exist.batch").toString());
        assertTrue(missing.exit() != 0, missing.describe());
        assertEquals(1, CtlCheck.lines(missing.err()).size(), "one line\n" + missing.describe());
        assertTrue(missing.err().startsWith("routerctl: ") && missing.err().contains("does-not-exist.batch"), missing.describe());
        assertEquals(before, d.snapshot());
    }

    /**
     * Issue 6: {@code link del A} + {@code link add B} in one batch left B dead (B took A's index and the
     * commit of A's removal cleared it). The new port must forward, keep its neighbours, and A's TAP go.
     */
    @Test
    @Order(7)
    void linkDelAndLinkAddInOneBatchLeaveTheNewPortWorking() throws IOException {
        Path f = write("swap.batch", List.of(
                "link del gw1",
                t.gw2Line("00:00:5e:00:53:33"),
                "addr add 203.0.113.254/24 dev gw2",
                "neigh add 203.0.113.99 lladdr 00:00:5e:00:53:99 dev gw2"));
        d.ctlOk("-b", f.toString());
        assertTrue(Sh.waitUntil(java.time.Duration.ofSeconds(5),
                () -> !Sh.cmd("ip", "-n", t.ns2, "link", "show", "dev", t.if2).run().ok()), "gw1's TAP outlived its link del");
        net.taprouter.tools.Net.host(t.ns3, t.if3, "203.0.113.1/24", "203.0.113.254");
        net.taprouter.tools.Net.assertPingOk(net.taprouter.tools.Net.ping(t.ns1, "203.0.113.1", "-c3", "-i0.05", "-W1"), 63,
                "\nping through the port added in the same batch as a link del" + d.diag());
        assertTrue(d.ctlOk("neigh", "show", "dev", "gw2").out().contains("203.0.113.99 dev gw2 lladdr 00:00:5e:00:53:99 PERMANENT"),
                "the commit of 'link del gw1' wiped gw2's neighbours\n" + d.ctlOk("neigh", "show").out());
        String links = d.ctlOk("link", "show").out();
        assertFalse(links.contains("gw1"), links);
        assertTrue(links.contains("gw2") && links.contains("state UP"), links);
    }
}
