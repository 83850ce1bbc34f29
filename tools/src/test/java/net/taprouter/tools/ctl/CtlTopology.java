package net.taprouter.tools.ctl;

import net.taprouter.tools.BookTopology;
import net.taprouter.tools.Namespaces;
import net.taprouter.tools.Net;
import net.taprouter.tools.Sh;

/**
 * The book topology (ns1 192.0.2.1 — routerd gw0/gw1 — ns2 198.51.100.1) on a {@link CtlDaemon}
 * (so routerd options can be given), plus an empty third namespace ns3 for ports that tests add.
 */
final class CtlTopology implements AutoCloseable {
    final Namespaces names = new Namespaces();
    final String ns1;
    final String ns2;
    final String ns3;
    final String if1;
    final String if2;
    final String if3;
    CtlDaemon d;

    private CtlTopology(String label, String... routerdOptions) {
        boolean ok = false;
        try {
            ns1 = names.create("ns1");
            ns2 = names.create("ns2");
            ns3 = names.create("ns3");
            if1 = names.ifname("ns1v0");
            if2 = names.ifname("ns2v0");
            if3 = names.ifname("ns3v0");
            d = CtlDaemon.start(label, BookTopology.config(ns1, if1, ns2, if2), routerdOptions);
            configureHosts();
            ok = true;
        } finally {
            if (!ok) {
                close();
            }
        }
    }

    static CtlTopology create(String label, String... routerdOptions) {
        return new CtlTopology(label, routerdOptions);
    }

    /** Addresses, link up, default routes on the hosts' NICs (again after a routerd restart). */
    void configureHosts() {
        Net.host(ns1, if1, "192.0.2.1/24", "192.0.2.254");
        Net.host(ns2, if2, "198.51.100.1/24", "198.51.100.254");
    }

    /** The ns3 port's configuration line (not applied). */
    String gw2Line(String mac) {
        return "link add gw2 type tap ifname " + if3 + " netns " + ns3 + " address " + mac;
    }

    boolean tapInNs3() {
        return Sh.cmd("ip", "-n", ns3, "link", "show", "dev", if3).run().ok();
    }

    /** Pings 198.51.100.1 from ns1 and asserts 0% loss with ttl 63. */
    void assertPingThrough(String what) {
        Net.assertPingOk(Net.ping(ns1, "198.51.100.1", "-c3", "-i0.05", "-W1"), 63, "\n" + what + d.diag());
    }

    @Override
    public void close() {
        try {
            if (d != null) {
                d.close();
            }
        } finally {
            names.close();
        }
    }
}
