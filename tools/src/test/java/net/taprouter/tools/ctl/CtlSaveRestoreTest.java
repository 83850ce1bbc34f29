package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.taprouter.tools.Routerd;
import net.taprouter.tools.Namespaces;
import net.taprouter.tools.Sh;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code routerctl save FILE}, SIGTERM, {@code routerd --config FILE}: the same router again. */
@Tag("netns")
@Timeout(value = 120)
class CtlSaveRestoreTest {
    private static final List<String> SHOWS = List.of("link show", "addr show", "route show", "neigh show", "forwarding show");

    @BeforeEach
    void assumeCapable() {
        Namespaces.assumeNetnsCapable();
    }

    private static Map<String, String> shows(CtlDaemon d) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String s : SHOWS) {
            m.put(s, d.ctlOk(s.split(" ")).out());
        }
        return m;
    }

    @Test
    void saveStopRestartRestoresEverything() throws IOException {
        Path keep = CtlDaemon.newDir("saved");
        try (CtlTopology t = CtlTopology.create("sr1")) {
            CtlDaemon d = t.d;
            for (String c : List.of(
                    t.gw2Line("00:00:5e:00:53:33") + " mtu 1400",
                    "addr add 203.0.113.254/24 dev gw2",
                    "addr add 192.0.2.253/24 dev gw0",
                    "route add default via 192.0.2.1",
                    "route add 10.0.0.0/8 via 198.51.100.1",
                    "route add 10.20.0.0/16 dev gw1",
                    "route add 10.30.0.0/16 via 203.0.113.1 dev gw2",
                    "route add 10.40.1.0/24 via 198.51.100.2 dev gw1",
                    "neigh add 192.0.2.50 lladdr 00:00:5e:00:53:50 dev gw0",
                    "neigh add 198.51.100.2 lladdr 00:00:5e:00:53:51 dev gw1",
                    "link set gw2 down",
                    "forwarding off")) {
                d.ctlOk(c.split(" "));
            }
            Path f = keep.resolve("router.conf");
            Sh.Result save = d.ctlOk("save", f.toString());
            assertTrue(save.out().isEmpty(), save.describe());
            String saved = Files.readString(f);
            for (String want : List.of("link add gw2 type tap ifname " + t.if3 + " netns " + t.ns3, "mtu 1400",
                    "addr add 203.0.113.254/24 dev gw2", "addr add 192.0.2.253/24 dev gw0", "route add default via 192.0.2.1",
                    "route add 10.0.0.0/8 via 198.51.100.1", "route add 10.20.0.0/16 dev gw1",
                    "neigh add 192.0.2.50 lladdr 00:00:5e:00:53:50 dev gw0", "link set gw2 down", "forwarding off")) {
                assertTrue(saved.contains(want), "saved configuration lacks '" + want + "'\n" + saved);
            }
            Map<String, String> before = shows(d);

            int rc = d.stop();
            assertEquals(0, rc, "routerd did not exit 0 on SIGTERM" + d.diag());
            d.close();
            boolean gone = Sh.waitUntil(Duration.ofSeconds(5), () -> !t.tapInNs3()
                    && !Sh.cmd("ip", "-n", t.ns1, "link", "show", "dev", t.if1).run().ok());
            assertTrue(gone, "the TAPs outlived routerd");

            CtlDaemon d2 = CtlDaemon.startWithConfigFile("sr2", f);
            t.d = d2; // closed with the topology
            t.configureHosts();
            assertEquals(saved, d2.ctlOk("save").out(), "save after restore differs from the saved file" + d2.diag());
            // link state follows the hosts' side (configured again above): allow a moment
            boolean same = Sh.waitUntil(Duration.ofSeconds(5), () -> shows(d2).equals(before));
            Map<String, String> after = shows(d2);
            for (String s : SHOWS) {
                assertEquals(before.get(s), after.get(s), "'" + s + "' differs after restore" + d2.diag());
            }
            assertTrue(same);
            d2.ctlOk("forwarding", "on");
            t.assertPingThrough("ping through the restored router");
            assertEquals(0, d2.stop(), "restored routerd did not exit 0 on SIGTERM" + d2.diag());
        } finally {
            Routerd.deleteTree(keep);
        }
    }

    /**
     * Issue 6: after {@code route replace} of a connected route routerd refused its own saved file
     * ({@code route 198.51.100.0/24 exists}), and a deleted connected route came back. save, restart with
     * {@code --config} of the saved file, save again: byte for byte the same, and forwarding follows the
     * replaced route.
     */
    @Test
    void replacedAndDeletedConnectedRoutesSurviveARestart() throws IOException {
        Path keep = CtlDaemon.newDir("saved2");
        try (CtlTopology t = CtlTopology.create("sr3")) {
            CtlDaemon d = t.d;
            for (String c : List.of(
                    t.gw2Line("00:00:5e:00:53:33"),
                    "addr add 203.0.113.254/24 dev gw2",
                    "addr add 198.18.0.1/24 dev gw2",
                    "route del 198.18.0.0/24",
                    "route replace 198.51.100.0/24 dev gw1",
                    "addr add 192.0.2.200/32 dev gw0",
                    "neigh add 198.51.100.7 lladdr 00:00:5e:00:53:07 dev gw1",
                    "neigh add 192.0.2.9 lladdr 00:00:5e:00:53:09 dev gw0")) {
                d.ctlOk(c.split(" "));
            }
            Path f = keep.resolve("router.conf");
            d.ctlOk("save", f.toString());
            String saved = Files.readString(f);
            String routes = d.ctlOk("route", "show").out();
            assertTrue(!routes.contains("198.18.0.0/24"), routes);
            assertEquals(0, d.stop(), "routerd did not exit 0 on SIGTERM" + d.diag());
            d.close();
            assertTrue(Sh.waitUntil(Duration.ofSeconds(5), () -> !t.tapInNs3()), "the TAPs outlived routerd");

            CtlDaemon d2 = CtlDaemon.startWithConfigFile("sr4", f);
            t.d = d2;
            t.configureHosts();
            assertEquals(saved, d2.ctlOk("save").out(), "save after a restart with the saved file differs" + d2.diag());
            assertEquals(routes, d2.ctlOk("route", "show").out(), "routes differ after the restart" + d2.diag());
            t.assertPingThrough("ping through the restored router");
        } finally {
            Routerd.deleteTree(keep);
        }
    }
}
