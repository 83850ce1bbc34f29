package net.taprouter.control.command;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.taprouter.control.model.Rib;
import net.taprouter.control.model.Bridge;
import net.taprouter.control.model.Link;
import net.taprouter.control.model.Route;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.conntrack.ConntrackTable;
import net.taprouter.dataplane.conntrack.ConntrackTimeouts;
import net.taprouter.dataplane.neigh.NeighbourEntry;
import net.taprouter.dataplane.neigh.NeighbourState;
import net.taprouter.dataplane.iface.InterfaceAddress;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.l2.FdbTables;
import net.taprouter.dataplane.wire.Ipv4Address;
import net.taprouter.dataplane.wire.MacAddress;

/**
 * {@code save}: the running configuration as commands of the same grammar, in an order that
 * {@code routerd --config} replays to the same state (and whose replay saves to the very same
 * text): links (bridges, TAPs and VLAN sub-interfaces in link order, then the bridge ports' masters
 * and their {@code bridge vlan} changes from the default), addresses,
 * routes, static neighbours, static FDB entries, link state, ICMP rate limit, forwarding switch,
 * conntrack size and timeouts (where not the defaults), the NAT port limit (where not auto), NAT rules. Connected routes are left to {@code addr add} where that reproduces them, else saved
 * explicitly (see {@link #makesItsRoute}). ({@code routerctl save FILE} writes it client-side.)
 *
 * <p>The text is a cursor ({@link Output#streamLines}): as the last command of a request it is
 * made a piece at a time as the client reads, the routes {@link Answer#ROWS_PER_PIECE} at a time
 * resumed after the last key saved (as {@code route show}), so the full BGP table (~40 MB of
 * text) never sits whole in routerd. The other sections are bounded by their tables' limits and
 * made in one piece each. Like a netlink dump, a save read while other requests change the tables
 * shows each section as it was when it was made.
 */
public final class SaveCommand implements CommandGroup {
    private final RouterState state;
    private final NeighCommands neighbours;
    private final FdbCommands fdb;

    public SaveCommand(RouterState state, NeighCommands neighbours, FdbCommands fdb) {
        this.state = state;
        this.neighbours = neighbours;
        this.fdb = fdb;
    }

    @Override
    public String object() {
        return "save";
    }

    @Override
    public String help() {
        return "save [FILE]      # running configuration as routerctl commands (stdout without FILE)";
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        if (!verb.isEmpty()) {
            throw args.error("unexpected \"" + verb + "\" (routerctl writes FILE itself)");
        }
        out.streamLines(new Listing() {
            /** 0: header, links and addresses; 1: routes, resumed after {@link #lastRoute}; 2: the rest. */
            private int section;
            private long lastRoute = -1;

            @Override
            public boolean next(Output lines, int maxRows) {
                switch (section) {
                    case 0 -> {
                        head(lines);
                        section = 1;
                        return true;
                    }
                    case 1 -> {
                        long[] keys = state.routes().sortedKeys();
                        int n = 0;
                        for (int k = Rib.after(keys, lastRoute); k < keys.length; k++) {
                            if (n == maxRows) {
                                return true;
                            }
                            route(state.routes().get(keys[k]), lines);
                            lastRoute = keys[k];
                            n++;
                        }
                        section = 2;
                        return true;
                    }
                    default -> {
                        tail(lines);
                        return false;
                    }
                }
            }
        });
    }

    /** The header, the links and their addresses (bounded by the port and address limits). */
    private void head(Output out) {
        out.line("# taprouter configuration (routerctl save)");
        for (Link link : state.links().values()) {
            Interface iface = link.iface();
            if (link.isBridge()) {
                Bridge b = link.bridge();
                out.line("link add " + iface.name() + " type bridge address " + MacAddress.format(iface.mac()) + " mtu " + iface.mtu()
                    + (b.ageingSeconds() != Bridge.DEFAULT_AGEING_SECONDS ? " ageing " + b.ageingSeconds() : "")
                    + (b.fdbMax() != FdbTables.DEFAULT_MAX_ENTRIES ? " fdb_max " + b.fdbMax() : "")
                    + (b.fdbPortLimit() != FdbTables.DEFAULT_PORT_LIMIT ? " fdb_port_limit " + b.fdbPortLimit() : "")
                    + (b.vlanFiltering() ? " vlan_filtering 1" : ""));
                continue;
            }
            if (link.isVlan()) { // after its parent: links keep the order they were made in
                out.line("link add " + iface.name() + " link " + iface.parent().name() + " type vlan id " + iface.vid()
                    + " address " + MacAddress.format(iface.mac()) + " mtu " + iface.mtu());
                continue;
            }
            out.line("link add " + iface.name() + " type tap ifname " + link.ifname()
                + (link.netns() != null ? " netns " + link.netns() : "") + (link.attach() ? " attach" : "")
                + " address " + MacAddress.format(iface.mac()) + " mtu " + iface.mtu() + (link.offload() ? "" : " offload off")
                + (link.queues() == 1 ? "" : " queues " + link.queues()));
        }
        for (Link link : state.links().values()) {
            if (link.master() != null) {
                out.line("link set " + link.name() + " master " + link.master().name());
            }
        }
        for (Link link : state.links().values()) {
            if (link.master() != null) {
                for (String line : BridgeCommands.saveLines(link.name(), link.port().vlans())) {
                    out.line(line);
                }
            }
        }
        for (Link link : state.links().values()) {
            for (InterfaceAddress a : link.iface().addresses()) {
                out.line("addr add " + a + " dev " + link.name() + (makesItsRoute(link.iface(), a) ? "" : " noprefixroute"));
            }
        }
    }

    /** A route's line, unless replaying the addr add lines recreates it. */
    private void route(Route route, Output out) {
        if (route.kernel()) {
            if (!leftToAddrAdd(route)) {
                out.line("route add " + route.prefix().toRouteString() + " dev " + route.iface().name()
                    + " proto kernel scope link src " + Ipv4Address.format(route.source()));
            }
            return;
        }
        out.line("route add " + route.prefix().toRouteString()
            + (route.gateway() != 0 ? " via " + Ipv4Address.format(route.gateway()) : "") + " dev " + route.iface().name());
    }

    /** Static neighbours, link state and settings (bounded by the neighbour table's limit). */
    private void tail(Output out) {
        List<String> linkOrder = new ArrayList<>(state.links().keySet());
        List<String[]> neighbourLines = new ArrayList<>();
        for (NeighbourEntry e : neighbours.entries()) {
            Interface port = state.dataplane().interfaces().get(e.iface());
            if (e.state() == NeighbourState.PERMANENT && port != null && state.link(port.name()) != null) {
                neighbourLines.add(new String[] {port.name(), Long.toString(e.address() & 0xFFFF_FFFFL),
                    "neigh add " + Ipv4Address.format(e.address()) + " lladdr " + MacAddress.format(e.mac()) + " dev " + port.name()});
            }
        }
        // table slots are no order: ports in link order, then addresses
        neighbourLines.sort(Comparator.<String[]>comparingInt(l -> linkOrder.indexOf(l[0])).thenComparingLong(l -> Long.parseLong(l[1])));
        for (String[] line : neighbourLines) {
            out.line(line[2]);
        }
        for (FdbCommands.Entry e : fdb.entries(null)) {
            if (e.entry().isStatic()) {
                out.line("fdb add " + MacAddress.format(e.entry().mac()) + " dev " + e.port().name()
                    + (e.entry().vlan() != 0 ? " vlan " + e.entry().vlan() : ""));
            }
        }
        for (Link link : state.links().values()) {
            if (!link.iface().adminUp()) {
                out.line("link set " + link.name() + " down");
            }
        }
        var settings = state.dataplane().settings();
        out.line("icmp ratelimit " + settings.icmpRatePerSecond() + " burst " + settings.icmpBurst());
        out.line("forwarding " + (settings.forwarding() ? "on" : "off"));
        conntrackAndNat(out);
    }

    /** {@code conntrack max}, hostlimit and timeouts that differ from the defaults, then the NAT rules in order. */
    private void conntrackAndNat(Output out) {
        var conntrack = state.conntrack();
        if (conntrack.max() != ConntrackTable.DEFAULT_MAX) {
            out.line("conntrack max " + conntrack.max());
        }
        String hostLimit = AddressLimitVerb.saveLine(net.taprouter.control.model.ConntrackSettings.Limit.HOST, conntrack);
        if (hostLimit != null) {
            out.line(hostLimit);
        }
        ConntrackTimeouts timeouts = conntrack.timeouts();
        for (String name : ConntrackTimeouts.names()) {
            if (timeouts.get(name) != ConntrackTimeouts.DEFAULTS.get(name)) {
                out.line("conntrack timeout " + name + " " + timeouts.get(name));
            }
        }
        for (String line : NatCommands.saveLines(state)) {
            out.line(line);
        }
    }

    /**
     * Replaying {@code addr add} (without noprefixroute) makes the subnet's connected route: the
     * first address of the port on that subnet creates "proto kernel src ADDRESS", the others find
     * it there. That reproduces the running state only if the connected route is exactly that and
     * no other port has an address on the subnet (its addr add would find the route and fail).
     * Otherwise every address of the subnet is saved with {@code noprefixroute} and the route, if
     * any (replaced by a static one, or connected with another source), is saved as such; a
     * deleted connected route stays deleted.
     */
    private boolean makesItsRoute(Interface port, InterfaceAddress address) {
        if (address.prefixLength() == 32) {
            return true;
        }
        Route route = state.route(new Prefix(address.network(), address.prefixLength()));
        return route != null && route.kernel() && leftToAddrAdd(route);
    }

    /** Does replaying the addr add lines make this connected route exactly (see {@link #makesItsRoute})? */
    private boolean leftToAddrAdd(Route route) {
        Integer first = null;
        for (Link link : state.links().values()) {
            for (InterfaceAddress a : link.iface().addresses()) {
                if (a.network() != route.prefix().network() || a.prefixLength() != route.prefix().length()) {
                    continue;
                }
                if (link.iface() != route.iface()) {
                    return false;
                }
                if (first == null) {
                    first = a.address();
                }
            }
        }
        return first != null && first == route.source();
    }
}
