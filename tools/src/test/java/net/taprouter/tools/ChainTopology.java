package net.taprouter.tools;

/**
 * Two routers in a chain: ns1 — r1 — [mid: bridge br0] — r2 — ns2, with 203.0.113.0/24 on the
 * shared middle segment (r1 .1, r2 .2). No static routes are installed at first.
 */
public final class ChainTopology implements AutoCloseable {
    public static final String R1_GW0_MAC = "00:00:5e:00:53:12";
    public static final String R1_GW1_MAC = "00:00:5e:00:53:31";
    public static final String R2_GW0_MAC = "00:00:5e:00:53:32";
    public static final String R2_GW1_MAC = "00:00:5e:00:53:21";

    public final BookTopology.Kind kind;
    public final Namespaces names = new Namespaces();
    public final String ns1;
    public final String ns2;
    public final String mid;
    public final String if1;
    public final String if2;
    public final String r1mid;
    public final String r2mid;
    public final RouterUnderTest r1;
    public final RouterUnderTest r2;
    private Routerd d1;
    private Routerd d2;

    private ChainTopology(BookTopology.Kind kind) {
        this.kind = kind;
        boolean ok = false;
        try {
            ns1 = names.create("ns1");
            ns2 = names.create("ns2");
            mid = names.create("mid");
            if1 = names.ifname("ns1v0");
            if2 = names.ifname("ns2v0");
            r1mid = names.ifname("r1mid");
            r2mid = names.ifname("r2mid");
            Sh.ok("ip", "-n", mid, "link", "add", "br0", "type", "bridge");
            Sh.ok("ip", "-n", mid, "link", "set", "br0", "up");
            if (kind == BookTopology.Kind.ROUTERD) {
                d1 = Routerd.start("r1", "# r1 of the two-router chain\n"
                        + "link add gw0 type tap ifname " + if1 + " netns " + ns1 + " address " + R1_GW0_MAC + "\n"
                        + "link add gw1 type tap ifname " + r1mid + " netns " + mid + " address " + R1_GW1_MAC + "\n"
                        + "addr add 192.0.2.254/24 dev gw0\n"
                        + "addr add 203.0.113.1/24 dev gw1\n");
                d2 = Routerd.start("r2", "# r2 of the two-router chain\n"
                        + "link add gw0 type tap ifname " + r2mid + " netns " + mid + " address " + R2_GW0_MAC + "\n"
                        + "link add gw1 type tap ifname " + if2 + " netns " + ns2 + " address " + R2_GW1_MAC + "\n"
                        + "addr add 203.0.113.2/24 dev gw0\n"
                        + "addr add 198.51.100.254/24 dev gw1\n");
                r1 = RouterUnderTest.routerd(d1);
                r2 = RouterUnderTest.routerd(d2);
            } else {
                String k1 = names.create("r1");
                String k2 = names.create("r2");
                Net.kernelForwarding(k1);
                Net.kernelForwarding(k2);
                Net.veth(ns1, if1, k1, "gw0");
                Net.veth(mid, r1mid, k1, "gw1");
                Net.veth(mid, r2mid, k2, "gw0");
                Net.veth(ns2, if2, k2, "gw1");
                Net.kernelPort(k1, "gw0", R1_GW0_MAC, "192.0.2.254/24");
                Net.kernelPort(k1, "gw1", R1_GW1_MAC, "203.0.113.1/24");
                Net.kernelPort(k2, "gw0", R2_GW0_MAC, "203.0.113.2/24");
                Net.kernelPort(k2, "gw1", R2_GW1_MAC, "198.51.100.254/24");
                r1 = RouterUnderTest.kernel(k1);
                r2 = RouterUnderTest.kernel(k2);
            }
            for (String port : new String[] {r1mid, r2mid}) {
                Sh.ok("ip", "-n", mid, "link", "set", port, "master", "br0");
                Sh.ok("ip", "-n", mid, "link", "set", port, "up");
            }
            Net.host(ns1, if1, "192.0.2.1/24", "192.0.2.254");
            Net.host(ns2, if2, "198.51.100.1/24", "198.51.100.254");
            ok = true;
        } finally {
            if (!ok) {
                close();
            }
        }
    }

    public static ChainTopology create(BookTopology.Kind kind) {
        return new ChainTopology(kind);
    }

    public String diag() {
        return (r1 == null ? "" : r1.diagnostics()) + (r2 == null ? "" : r2.diagnostics());
    }

    public String stopAndCleanUp() {
        StringBuilder problems = new StringBuilder();
        try {
            for (RouterUnderTest r : new RouterUnderTest[] {r1, r2}) {
                String p = r == null ? null : r.stop();
                if (p != null) {
                    problems.append(p).append('\n');
                }
            }
        } finally {
            if (d1 != null) {
                d1.close();
            }
            if (d2 != null) {
                d2.close();
            }
            names.close();
        }
        return problems.length() == 0 ? null : problems.toString();
    }

    @Override
    public void close() {
        if (d1 != null) {
            d1.close();
        }
        if (d2 != null) {
            d2.close();
        }
        names.close();
    }
}
