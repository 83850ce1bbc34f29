package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import net.jqwik.api.lifecycle.SkipExecutionHook.SkipResult;

/**
 * Random command sequences on a live control plane (real dataplane, TAPs in a namespace of the
 * test), for the two transaction properties of issue 6:
 * <ul>
 *   <li>a request whose last line is bad changes nothing: {@code save}, {@code route show},
 *       {@code neigh show} and the dataplane's own answers ({@code route get}) are as before;</li>
 *   <li>{@code save} round-trips: a fresh router given the saved text as its config file saves
 *       the very same text and answers {@code route get} alike.</li>
 * </ul>
 * Tables are small ({@link LiveRouter#SMALL}) so that full tables are reached too.
 */
@AddLifecycleHook(TransactionPropertiesTest.NeedsRoot.class)
class TransactionPropertiesTest {
    /** Skips the properties unless we are root (TAPs in a network namespace). */
    static final class NeedsRoot implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            return LiveRouter.isRoot() ? SkipResult.doNotSkip() : SkipResult.skip("needs root (TAPs in a network namespace)");
        }
    }

    private static final String[] PORTS = {"p0", "p1", "p2"};
    /** Where addresses, routes and neighbours go: the ports and the bridge. */
    private static final String[] INTERFACES = {"p0", "p1", "p2", "br0", "p0.10", "br0.20"};
    private static final String[] ADDRESSES = {"192.0.2.254/24", "192.0.2.253/24", "192.0.2.130/25", "198.51.100.254/24",
        "198.51.100.1/24", "203.0.113.254/24", "203.0.113.10/28", "198.18.0.1/16", "198.18.5.5/32", "100.64.0.1/10"};
    private static final String[] PREFIXES = {"default", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.128/25",
        "10.1.2.200/32", "10.1.2.192/27", "10.2.3.0/26", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "203.0.113.0/28",
        "198.18.0.0/16", "192.0.2.128/25"};
    private static final String[] GATEWAYS = {"192.0.2.1", "192.0.2.2", "198.51.100.1", "203.0.113.1", "203.0.113.5",
        "198.18.1.1", "100.64.9.9", "192.0.2.253"};
    private static final String[] NEIGHBOURS = {"192.0.2.1", "192.0.2.50", "198.51.100.1", "203.0.113.1", "10.0.0.1"};
    private static final String[] MACS = {"00:00:5e:00:53:01", "00:00:5e:00:53:02", "00:00:5e:00:53:03", "02:00:00:00:00:aa"};
    private static final String[] PROBES = {"10.1.2.3", "10.1.2.129", "10.1.2.200", "10.1.2.222", "10.2.3.4", "10.9.9.9",
        "192.0.2.1", "192.0.2.130", "192.0.2.127", "192.0.2.253", "192.0.2.254", "192.0.2.255", "198.51.100.1",
        "198.51.100.254", "198.51.100.255", "203.0.113.1", "203.0.113.10", "203.0.113.15", "203.0.113.255", "198.18.0.1",
        "198.18.5.5", "198.18.255.255", "100.64.0.1", "100.127.255.255", "8.8.8.8"};

    private static String ns;

    @BeforeContainer
    static void createNamespace() {
        if (LiveRouter.isRoot()) {
            ns = LiveRouter.createNamespace("prop");
        }
    }

    @AfterContainer
    static void deleteNamespace() {
        LiveRouter.deleteNamespace(ns);
    }

    // ---------------------------------------------------------------- generators

    /** Three ports (random MAC and MTU), maybe a bridge, then random commands, addresses and routes first. */
    @Provide
    Arbitrary<List<String>> setups() {
        return Combinators.combine(link(0), link(1), link(2), bridge().injectNull(0.4), address().list().ofMinSize(1).ofMaxSize(6),
                command().list().ofMinSize(3).ofMaxSize(25), vlanCommand().list().ofMaxSize(8))
            .as((l0, l1, l2, br, addresses, rest, vlans) -> {
                List<String> all = new ArrayList<>(List.of(l0, l1, l2));
                if (br != null) {
                    all.add(br);
                    if (!vlans.isEmpty()) { // VLANs on a filtering bridge with two ports
                        all.addAll(List.of("link set br0 vlan_filtering 1", "link set p1 master br0", "link set p2 master br0"));
                    }
                }
                all.addAll(vlans);
                all.addAll(addresses);
                all.addAll(rest);
                return all;
            });
    }

    private static Arbitrary<String> bridge() {
        return Combinators.combine(Arbitraries.of(MACS).injectNull(0.5), Arbitraries.of(0, 10, 300).injectNull(0.5),
                Arbitraries.of(4, 65536).injectNull(0.5), Arbitraries.of(2, 8192).injectNull(0.6),
                Arbitraries.of("", "", " vlan_filtering 1", " vlan_filtering 0"))
            .as((mac, ageing, max, limit, filtering) -> "link add br0 type bridge" + (mac != null ? " address " + mac : "")
                + (ageing != null ? " ageing " + ageing : "") + (max != null ? " fdb_max " + max : "")
                + (limit != null ? " fdb_port_limit " + limit : "") + filtering);
    }

    private static Arbitrary<String> bridgeCommand() {
        return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(2, bridge()),
            net.jqwik.api.Tuple.of(1, Arbitraries.just("link del br0")),
            net.jqwik.api.Tuple.of(5, port().map(p -> "link set " + p + " master br0")),
            net.jqwik.api.Tuple.of(2, port().map(p -> "link set " + p + " nomaster")),
            net.jqwik.api.Tuple.of(2, Arbitraries.of("link set br0 ageing 0", "link set br0 ageing 30", "link set br0 fdb_max 2",
                "link set br0 fdb_max 100 fdb_port_limit 3", "link set br0 down", "link set br0 up", "link set br0 mtu 9000",
                "link set br0 address 02:00:00:00:00:bb")),
            net.jqwik.api.Tuple.of(4, Combinators.combine(Arbitraries.of("add", "add", "del"), Arbitraries.of(MACS), port())
                .as((verb, mac, p) -> "fdb " + verb + " " + mac + " dev " + p)),
            net.jqwik.api.Tuple.of(1, Arbitraries.of("fdb flush", "fdb flush dev p0", "fdb flush br br0")),
            net.jqwik.api.Tuple.of(4, vlanCommand()));
    }

    /** VLANs (issue 7): filtering, bridge ports' VLANs, VLAN sub-interfaces of ports and of the bridge, static entries in a VLAN. */
    private static Arbitrary<String> vlanCommand() {
        return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(2, Arbitraries.of("link set br0 vlan_filtering 1", "link set br0 vlan_filtering 0")),
            net.jqwik.api.Tuple.of(5, Combinators.combine(port(), Arbitraries.of("1", "10", "20", "10-12"),
                Arbitraries.of("", " pvid", " untagged", " pvid untagged"))
                .as((p, vid, flags) -> "bridge vlan add dev " + p + " vid " + vid + flags)),
            net.jqwik.api.Tuple.of(3, Combinators.combine(port(), Arbitraries.of("1", "10", "20", "11-12"))
                .as((p, vid) -> "bridge vlan del dev " + p + " vid " + vid)),
            net.jqwik.api.Tuple.of(3, Arbitraries.of("link add p0.10 link p0 type vlan id 10",
                "link add p1.30 link p1 type vlan id 30 mtu 1400", "link add br0.20 link br0 type vlan id 20",
                "link add br0.20 link br0 type vlan id 20 address 02:00:00:00:00:cc")),
            net.jqwik.api.Tuple.of(2, Arbitraries.of("link del p0.10", "link del p1.30", "link del br0.20", "link set p0.10 down",
                "link set br0.20 mtu 1400")),
            net.jqwik.api.Tuple.of(2, Combinators.combine(Arbitraries.of("add", "del"), Arbitraries.of(MACS), port(),
                Arbitraries.of(10, 20)).as((verb, mac, p, vid) -> "fdb " + verb + " " + mac + " dev " + p + " vlan " + vid)));
    }

    @Provide
    Arbitrary<List<String>> batches() {
        return command().list().ofMinSize(1).ofMaxSize(8);
    }

    private static Arbitrary<String> port() {
        return Arbitraries.of(PORTS);
    }

    private Arbitrary<String> links() {
        return Arbitraries.integers().between(0, 2).flatMap(this::link);
    }

    private Arbitrary<String> link(int i) {
        return Combinators.combine(Arbitraries.of(MACS).injectNull(0.5), Arbitraries.of(1500, 1400, 9000, 576).injectNull(0.5),
                Arbitraries.of("", "", " offload on", " offload off"), Arbitraries.of("", "", " queues 1", " queues 2", " queues 3"))
            .as((mac, mtu, offload, queues) -> "link add p" + i + " type tap ifname t" + i + " netns " + ns
                + (mac != null ? " address " + mac : "") + (mtu != null ? " mtu " + mtu : "") + offload + queues);
    }

    private static Arbitrary<String> iface() {
        return Arbitraries.of(INTERFACES);
    }

    private Arbitrary<String> address() {
        return Combinators.combine(Arbitraries.of(ADDRESSES), iface(), Arbitraries.of("", "", "", " noprefixroute"))
            .as((a, p, flag) -> "addr add " + a + " dev " + p + flag);
    }

    private Arbitrary<String> command() {
        return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(2, links()),
            net.jqwik.api.Tuple.of(1, port().map(p -> "link del " + p)),
            net.jqwik.api.Tuple.of(3, Combinators.combine(port(), Arbitraries.of("up", "down", "address", "mtu"), Arbitraries.of(MACS),
                Arbitraries.of(1500, 1280, 68, 9000)).as((p, what, mac, mtu) -> "link set " + p + " " + switch (what) {
                    case "address" -> "address " + mac;
                    case "mtu" -> "mtu " + mtu;
                    default -> what;
                })),
            net.jqwik.api.Tuple.of(5, address()),
            net.jqwik.api.Tuple.of(3, Combinators.combine(Arbitraries.of(ADDRESSES), iface()).as((a, p) -> "addr del " + a + " dev " + p)),
            net.jqwik.api.Tuple.of(8, Combinators.combine(Arbitraries.of("add", "replace", "replace", "del"), Arbitraries.of(PREFIXES),
                Arbitraries.of(GATEWAYS).injectNull(0.4), iface().injectNull(0.3)).as((verb, prefix, via, dev) -> {
                    if (verb.equals("del")) {
                        return "route del " + prefix;
                    }
                    String how = (via != null ? " via " + via : "") + (dev != null ? " dev " + dev : "");
                    return "route " + verb + " " + prefix + (how.isEmpty() ? " dev p0" : how);
                })),
            net.jqwik.api.Tuple.of(2, Combinators.combine(Arbitraries.of("add", "replace"), Arbitraries.of(ADDRESSES), iface())
                .as((verb, a, p) -> {
                    String[] parts = a.split("/");
                    int length = Integer.parseInt(parts[1]);
                    long address = net.taprouter.dataplane.wire.Ipv4Address.parse(parts[0]) & 0xFFFF_FFFFL;
                    long network = address & (length == 0 ? 0 : (0xFFFF_FFFFL << (32 - length)) & 0xFFFF_FFFFL);
                    return "route " + verb + " " + net.taprouter.dataplane.wire.Ipv4Address.format((int) network) + "/" + length
                        + " dev " + p + " proto kernel scope link src " + parts[0];
                })),
            net.jqwik.api.Tuple.of(4, Combinators.combine(Arbitraries.of("add", "replace", "del"), Arbitraries.of(NEIGHBOURS),
                Arbitraries.of(MACS), iface()).as((verb, a, mac, p) -> "neigh " + verb + " " + a
                    + (verb.equals("del") ? "" : " lladdr " + mac) + " dev " + p)),
            net.jqwik.api.Tuple.of(1, Arbitraries.just("neigh flush")),
            net.jqwik.api.Tuple.of(6, bridgeCommand()),
            net.jqwik.api.Tuple.of(8, vlanCommand()),
            net.jqwik.api.Tuple.of(1, Arbitraries.of("forwarding on", "forwarding off")),
            net.jqwik.api.Tuple.of(1, Combinators.combine(Arbitraries.of(0, 10, 1000), Arbitraries.of(1, 50, 200))
                .as((rate, burst) -> "icmp ratelimit " + rate + " burst " + burst)),
            net.jqwik.api.Tuple.of(4, nat()),
            net.jqwik.api.Tuple.of(2, conntrack()));
    }

    private static final String[] NAT_SOURCES = {"192.0.2.0/24", "10.0.0.0/8", "198.18.0.0/16", "0.0.0.0/0", "192.0.2.1/32"};
    private static final String[] NAT_ADDRESSES = {"203.0.113.254", "198.51.100.254", "192.0.2.1", "198.18.0.1"};

    /** nat add masquerade|snat|dnat (good and bad), nat del. */
    private static Arbitrary<String> nat() {
        return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Combinators.combine(Arbitraries.of(NAT_SOURCES), port())
                .as((src, p) -> "nat add masquerade src " + src + " out " + p)),
            net.jqwik.api.Tuple.of(2, Combinators.combine(Arbitraries.of(NAT_SOURCES), port(), Arbitraries.of(NAT_ADDRESSES))
                .as((src, p, to) -> "nat add snat src " + src + " out " + p + " to " + to)),
            net.jqwik.api.Tuple.of(3, Combinators.combine(Arbitraries.of("", " proto tcp", " proto udp"), Arbitraries.of(NAT_ADDRESSES),
                Arbitraries.of(80, 8080, 54321), Arbitraries.of(NAT_ADDRESSES), Arbitraries.of("", ":80", ":22", ":0"))
                .as((proto, dst, dport, to, toPort) -> "nat add dnat" + proto + " dst " + dst + " dport " + dport + " to " + to + toPort)),
            net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(1, 5).map(id -> "nat del " + id)));
    }

    /** conntrack max and timeouts (and a bad one). */
    private static Arbitrary<String> conntrack() {
        return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(1, Arbitraries.of(1024, 4096, 262144).map(n -> "conntrack max " + n)),
            net.jqwik.api.Tuple.of(1, Arbitraries.of("0", "1", "512", "auto", "65536").map(n -> "nat portlimit " + n)),
            net.jqwik.api.Tuple.of(1, Arbitraries.of("0", "1", "70000", "auto", "4194304").map(n -> "conntrack hostlimit " + n)),
            net.jqwik.api.Tuple.of(3, Combinators.combine(Arbitraries.of("tcp established", "tcp syn_sent", "udp unreplied",
                "udp replied", "icmp", "generic", "tcp bogus"), Arbitraries.of(1, 30, 600, 7440, 432000))
                .as((name, seconds) -> "conntrack timeout " + name + " " + seconds)));
    }

    // ---------------------------------------------------------------- observations

    /** Everything a request can change that is visible from outside, the dataplane's LPM answers included. */
    private static String observe(LiveRouter r) {
        StringBuilder s = new StringBuilder();
        s.append("## save\n").append(r.save());
        s.append("## route show\n").append(r.ok("route show"));
        s.append("## neigh show\n").append(r.ok("neigh show"));
        s.append("## fdb show\n").append(r.ok("fdb show"));
        s.append("## bridge vlan show\n").append(r.ok("bridge vlan show"));
        // link show without the interface numbers (a restored router numbers them without the holes)
        s.append("## link show\n").append(r.ok("link show").replaceAll("(?m)^[0-9]+: ", ""));
        s.append("## nat show\n").append(r.ok("nat show"));
        s.append("## conntrack\n").append(r.ok("conntrack max")).append(r.ok("conntrack timeout show")).append(r.ok("nat portlimit")).append(r.ok("conntrack hostlimit"));
        s.append("## route get\n");
        for (String probe : PROBES) {
            try {
                s.append(r.run("route get " + probe));
            } catch (CommandProcessor.Failure e) {
                s.append(e.getMessage()).append('\n');
            }
        }
        return s.toString();
    }

    private static List<String> applyEach(LiveRouter r, List<String> commands) {
        List<String> applied = new ArrayList<>();
        for (String c : commands) {
            if (r.tries(c)) {
                applied.add(c);
            }
        }
        return applied;
    }

    // ---------------------------------------------------------------- properties

    @Property(tries = 60)
    void aRequestWithABadLastLineChangesNothing(@ForAll("setups") List<String> setup, @ForAll("batches") List<String> batch) {
        try (LiveRouter r = new LiveRouter()) {
            List<String> applied = applyEach(r, setup);
            String before = observe(r);
            String request = String.join("\n", batch) + "\nroute add 10.0.0.1/33 via 192.0.2.1";
            assertThrows(CommandProcessor.Failure.class, () -> r.run(request));
            String after = observe(r);
            if (!before.equals(after)) {
                fail("a refused request changed the router\n--- applied before:\n" + String.join("\n", applied)
                    + "\n--- request:\n" + request + "\n--- before:\n" + before + "\n--- after:\n" + after);
            }
            // and the router still takes changes: the good part of the request applies
            for (String c : batch) {
                r.tries(c);
            }
        }
    }

    @Property(tries = 60)
    void saveThenConfigReproducesSave(@ForAll("setups") List<String> commands) {
        String saved;
        String observed;
        List<String> applied;
        try (LiveRouter first = new LiveRouter()) {
            applied = applyEach(first, commands);
            saved = first.save();
            observed = observe(first);
            Statistics.label("saved").collect(saved.contains("noprefixroute"), saved.contains("proto kernel"));
            Statistics.label("applied").collect(applied.size() / 10 * 10);
            Statistics.label("vlans saved").collect(saved.contains("vlan_filtering 1"), saved.contains("bridge vlan"),
                saved.contains("type vlan"));
        }
        try (LiveRouter second = new LiveRouter()) {
            try {
                second.runFile(saved, "saved.conf");
            } catch (CommandProcessor.Failure e) {
                fail("routerd refuses its own saved configuration: " + e.getMessage() + "\n--- commands:\n"
                    + String.join("\n", applied) + "\n--- saved:\n" + saved);
            }
            assertEquals(observed, observe(second), "the restored router differs\n--- commands:\n" + String.join("\n", applied));
        }
    }
}
