package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import net.taprouter.dataplane.port.Port;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 6's transaction defects, each on a live control plane (real dataplane, TAPs in a
 * namespace of the test): a failed request leaves every table as it was, a committed one does
 * exactly what it says.
 */
@Timeout(60)
class TransactionDefectsTest {
    private String ns;
    private LiveRouter r;

    @BeforeEach
    void setUp() {
        assumeTrue(LiveRouter.isRoot(), "needs root (TAPs in a network namespace)");
        ns = LiveRouter.createNamespace("tx");
    }

    @AfterEach
    void tearDown() {
        if (r != null) {
            r.close();
        }
        LiveRouter.deleteNamespace(ns);
    }

    private String link(String name, String ifname) {
        return "link add " + name + " type tap ifname " + ifname + " netns " + ns;
    }

    private LiveRouter twoPorts() {
        r = new LiveRouter();
        r.ok(link("p0", "t0") + "\n" + link("p1", "t1") + "\naddr add 192.0.2.254/24 dev p0\naddr add 198.51.100.254/24 dev p1");
        return r;
    }

    /** A request that must fail on its last line and change nothing (save and the LPM view alike). */
    private void assertRefusedUnchanged(String batch) {
        String before = r.save() + r.ok("route show") + r.ok("neigh show");
        assertThrows(CommandProcessor.Failure.class, () -> r.run(batch + "\nfrobnicate"));
        assertEquals(before, r.save() + r.ok("route show") + r.ok("neigh show"), "a refused request changed the router:\n" + batch);
    }

    @Test
    void linkDelAndLinkAddInOneRequestKeepTheNewPort() {
        twoPorts();
        r.ok("link del p0\n" + link("p2", "t2") + "\nneigh add 203.0.113.7 lladdr 00:00:5e:00:53:07 dev p2");
        Port p2 = r.state.link("p2").port();
        assertSame(p2, r.dataplane.ports().get(p2.index()), "the new port is not in the port table after the commit");
        assertTrue(r.ok("neigh show").contains("203.0.113.7 dev p2 lladdr 00:00:5e:00:53:07 PERMANENT"),
            "the commit of 'link del p0' wiped p2's neighbours:\n" + r.ok("neigh show"));
        for (Port p : r.dataplane.ports().snapshot()) {
            assertTrue(p == null || r.state.link(p.name()) != null && r.state.link(p.name()).port() == p, "a stale port in the port table");
        }
        // a second round: the index of p0 is free again only after its removal finished
        r.ok("link del p1\n" + link("p3", "t3"));
        Port p3 = r.state.link("p3").port();
        assertSame(p3, r.dataplane.ports().get(p3.index()));
        assertSame(p2, r.dataplane.ports().get(p2.index()));
        // and so for their L3 interfaces
        for (String name : new String[] {"p2", "p3"}) {
            var iface = r.state.link(name).iface();
            assertSame(iface, r.dataplane.interfaces().get(iface.index()), "interface of " + name);
            assertSame(iface, r.state.link(name).port().upper(), "port " + name + " belongs to its interface");
        }
        for (var i : r.dataplane.interfaces().snapshot()) {
            assertTrue(i == null || r.state.link(i.name()) != null && r.state.link(i.name()).iface() == i, "a stale interface");
        }
    }

    @Test
    void neighDelIsUndone() {
        twoPorts();
        r.ok("neigh add 192.0.2.50 lladdr 00:00:5e:00:53:50 dev p0");
        assertRefusedUnchanged("neigh del 192.0.2.50 dev p0");
    }

    @Test
    void neighReplaceOverAPermanentEntryIsUndoneToTheOldMac() {
        twoPorts();
        r.ok("neigh add 192.0.2.50 lladdr 00:00:5e:00:53:50 dev p0");
        assertRefusedUnchanged("neigh replace 192.0.2.50 lladdr 00:00:5e:00:53:99 dev p0");
        assertRefusedUnchanged("neigh add 192.0.2.50 lladdr 00:00:5e:00:53:98 dev p0\nneigh del 192.0.2.50 dev p0\n"
            + "neigh add 192.0.2.50 lladdr 00:00:5e:00:53:97 dev p0");
    }

    @Test
    void linkSetAddressKeepsPermanentNeighbours() {
        twoPorts();
        r.ok("neigh add 192.0.2.50 lladdr 00:00:5e:00:53:50 dev p0");
        assertRefusedUnchanged("link set p0 address 00:00:5e:00:53:01");
        r.ok("link set p0 address 00:00:5e:00:53:02");
        assertTrue(r.save().contains("neigh add 192.0.2.50 lladdr 00:00:5e:00:53:50 dev p0\n"),
            "link set address lost the port's permanent neighbour:\n" + r.save());
    }

    @Test
    void linkDelIsUndoneWithItsNeighboursAndItsPlace() {
        twoPorts();
        r.ok("neigh add 192.0.2.50 lladdr 00:00:5e:00:53:50 dev p0\nroute add 10.0.0.0/8 via 192.0.2.1");
        assertRefusedUnchanged("link del p0");
        assertRefusedUnchanged("link del p0\n" + link("p0", "t9") + "\nlink del p1");
        assertTrue(LiveRouter.deviceExists(ns, "t0"));
        assertFalse(LiveRouter.deviceExists(ns, "t9"), "a rolled-back link add left its TAP");
    }

    /** A command group that misbehaves, for the failure paths that no real command reaches on purpose. */
    private static final class Misbehaving implements CommandGroup {
        private final net.taprouter.control.model.RouterState state;

        Misbehaving(net.taprouter.control.model.RouterState state) {
            this.state = state;
        }

        @Override
        public String object() {
            return "misbehave";
        }

        @Override
        public String help() {
            return "misbehave error | undo";
        }

        @Override
        public void execute(String verb, Args args, Output out) {
            switch (verb) {
                case "error" -> throw new AssertionError("a bug in a command");
                case "undo" -> state.transaction().onRollback(() -> {
                    throw new IllegalStateException("undo cannot be done");
                });
                default -> throw args.error("?");
            }
        }
    }

    @Test
    void anErrorRollsBackToo() {
        twoPorts();
        r.processor.register(new Misbehaving(r.state));
        String before = r.save();
        CommandProcessor.Failure f = assertThrows(CommandProcessor.Failure.class,
            () -> r.run("forwarding off\nroute add 10.0.0.0/8 via 192.0.2.1\nmisbehave error"));
        assertTrue(f.getMessage().contains("internal error"), f.getMessage());
        assertEquals(before, r.save());
    }

    @Test
    void aFailedUndoIsReportedAndFurtherChangesRefused() {
        twoPorts();
        r.processor.register(new Misbehaving(r.state));
        CommandProcessor.Failure f = assertThrows(CommandProcessor.Failure.class,
            () -> r.run("forwarding off\nmisbehave undo\nfrobnicate"));
        assertTrue(f.getMessage().contains("rollback failed"), f.getMessage());
        CommandProcessor.Failure next = assertThrows(CommandProcessor.Failure.class, () -> r.run("route add 10.0.0.0/8 via 192.0.2.1"));
        assertTrue(next.getMessage().contains("restart routerd"), next.getMessage());
        assertTrue(r.state.dataplane().settings().forwarding(), "the other undo steps did not run");
    }

    @Test
    @Timeout(90)
    void aTimeoutInsideCommitNeitherEscapesNorLeaksTheTap() throws Exception {
        r = new LiveRouter(LiveRouter.SMALL, false); // no dataplane threads: every call to them times out
        r.ok(link("p0", "t0") + "\naddr add 192.0.2.254/24 dev p0");
        assertTrue(LiveRouter.deviceExists(ns, "t0"));
        String out = r.run("link del p0"); // committed: the port is gone whatever the dataplane says
        assertNotNull(out);
        assertFalse(LiveRouter.deviceExists(ns, "t0"), "link del did not close the TAP");
        assertEquals(null, r.state.link("p0"));
        r.ok(link("p0", "t0")); // and the name and the TAP can be used again
    }
}
