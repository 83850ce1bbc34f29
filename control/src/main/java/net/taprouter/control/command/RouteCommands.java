package net.taprouter.control.command;

import java.util.Map;
import net.taprouter.control.model.Link;
import net.taprouter.control.model.Rib;
import net.taprouter.control.model.Route;
import net.taprouter.control.model.RouteService;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.InterfaceAddress;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.wire.Ipv4Address;

/** {@code route add|replace|del|show|get}: the main routing table. */
public final class RouteCommands implements CommandGroup {
    private final RouterState state;
    private final RouteService routes;

    public RouteCommands(RouterState state, RouteService routes) {
        this.state = state;
        this.routes = routes;
    }

    @Override
    public String object() {
        return "route";
    }

    @Override
    public String help() {
        return String.join("\n",
            "route add PREFIX|default via A.B.C.D [dev NAME]",
            "route add PREFIX|default dev NAME",
            "route add PREFIX dev NAME proto kernel [scope link] src A.B.C.D   # a connected route (as addr add makes)",
            "route replace PREFIX|default { via A.B.C.D [dev NAME] | dev NAME } [proto kernel ... src A.B.C.D]",
            "route del PREFIX|default",
            "route show",
            "route get A.B.C.D");
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        switch (verb) {
            case "add" -> addOrReplace(args, false);
            case "replace" -> addOrReplace(args, true);
            case "del", "delete" -> {
                Prefix prefix = args.routePrefix();
                skipSameAsAdd(args);
                routes.delete(prefix, args.command());
            }
            case "show", "list" -> {
                args.end();
                show(out);
            }
            case "get" -> get(args, out);
            default -> throw args.error("unknown command \"" + verb + "\" (try: routerctl route help)");
        }
    }

    /** {@code route del} accepts (and ignores) the via/dev words of the route, as ip does. */
    private void skipSameAsAdd(Args args) {
        while (args.hasNext()) {
            String word = args.next("option");
            if (word.equals("via")) {
                args.address("gateway");
            } else if (word.equals("dev")) {
                state.link(args).iface();
            } else {
                throw args.error("unexpected \"" + word + "\"");
            }
        }
    }

    private void addOrReplace(Args args, boolean replace) {
        Prefix prefix = args.routePrefix();
        int gateway = 0;
        Interface port = null;
        boolean kernel = false;
        int source = 0;
        while (args.hasNext()) {
            String word = args.next("option");
            switch (word) {
                case "via" -> {
                    gateway = args.address("gateway");
                    if (gateway == 0 || Ipv4Address.isMulticast(gateway) || Ipv4Address.isLimitedBroadcast(gateway)) {
                        throw args.error("bad gateway " + Ipv4Address.format(gateway));
                    }
                }
                case "dev" -> port = state.l3Link(args).iface();
                case "proto" -> {
                    String proto = args.next("protocol");
                    if (!proto.equals("kernel") && !proto.equals("static")) {
                        throw args.error("unknown protocol \"" + proto + "\" (kernel, static)");
                    }
                    kernel = proto.equals("kernel");
                }
                case "scope" -> {
                    String scope = args.next("scope");
                    if (!scope.equals("link") && !scope.equals("global")) {
                        throw args.error("unknown scope \"" + scope + "\" (link, global)");
                    }
                }
                case "src" -> source = args.address("source address");
                default -> throw args.error("unknown option \"" + word + "\"");
            }
        }
        if (gateway == 0 && port == null) {
            throw args.error("missing \"via A.B.C.D\" or \"dev NAME\"");
        }
        if (kernel) {
            checkConnected(args, prefix, gateway, port, source);
        } else if (source != 0) {
            throw args.error("src is only for connected routes (proto kernel)");
        }
        if (gateway != 0) {
            if (routes.isLocal(gateway)) {
                throw args.error("gateway " + Ipv4Address.format(gateway) + " is a local address of the router");
            }
            if (port == null) {
                port = routes.portForGateway(gateway);
                if (port == null) {
                    throw args.error("gateway " + Ipv4Address.format(gateway) + " is not on a connected network (Nexthop has invalid gateway)");
                }
            } else if (!port.isOnLink(gateway)) {
                throw args.error("gateway " + Ipv4Address.format(gateway) + " is not on a connected network of " + port.name()
                    + " (Nexthop has invalid gateway)");
            }
        }
        if (replace) {
            routes.replace(prefix, gateway, port, kernel, source, args.command());
        } else {
            routes.add(prefix, gateway, port, kernel, source, args.command());
        }
    }

    /**
     * A connected route ({@code proto kernel}), as {@code addr add} makes and {@code save} writes
     * when it cannot leave it to {@code addr add}: on-link, its source an address of the port on
     * exactly that subnet.
     */
    private static void checkConnected(Args args, Prefix prefix, int gateway, Interface port, int source) {
        if (gateway != 0 || port == null) {
            throw args.error("proto kernel routes are on-link: \"dev NAME\" without \"via\"");
        }
        for (InterfaceAddress a : port.addresses()) {
            if (a.address() == source && a.network() == prefix.network() && a.prefixLength() == prefix.length()) {
                return;
            }
        }
        throw args.error("proto kernel needs \"src A.B.C.D\", an address of " + port.name() + " on " + prefix.toRouteString());
    }

    /**
     * {@code route show}: a cursor over the main table in key order (the default route first, as
     * iproute2 prints it), resumed after the last key shown, so it survives changes between pieces.
     */
    private void show(Output out) {
        out.stream(new Listing() {
            private long last = -1;

            @Override
            public boolean next(Output rows, int maxRows) {
                long[] keys = state.routes().sortedKeys();
                int n = 0;
                for (int k = Rib.after(keys, last); k < keys.length; k++) {
                    if (n == maxRows) {
                        return true;
                    }
                    describe(state.routes().get(keys[k]), rows);
                    last = keys[k];
                    n++;
                }
                return false;
            }
        });
    }

    /** A route as {@code ip route} prints it, and its JSON form. */
    static String text(Route route) {
        StringBuilder s = new StringBuilder(route.prefix().toRouteString());
        if (route.gateway() != 0) {
            s.append(" via ").append(Ipv4Address.format(route.gateway()));
        }
        s.append(" dev ").append(route.iface().name());
        if (route.kernel()) {
            s.append(" proto kernel");
        }
        if (route.gateway() == 0) {
            s.append(" scope link");
        }
        if (route.source() != 0) {
            s.append(" src ").append(Ipv4Address.format(route.source()));
        }
        return s.toString();
    }

    private static void describe(Route route, Output out) {
        Map<String, Object> row = out.row(text(route));
        row.put("dst", route.prefix().toRouteString());
        if (route.gateway() != 0) {
            row.put("gateway", Ipv4Address.format(route.gateway()));
        }
        row.put("dev", route.iface().name());
        row.put("protocol", route.kernel() ? "kernel" : "static");
        row.put("scope", route.gateway() == 0 ? "link" : "global");
        if (route.source() != 0) {
            row.put("prefsrc", Ipv4Address.format(route.source()));
        }
    }

    /** What the forwarding path does with a destination: the dataplane's own LPM answer. */
    private void get(Args args, Output out) {
        int destination = args.address("address");
        args.end();
        out.listing();
        RouteTable table = state.dataplane().routes();
        NextHops nextHops = state.dataplane().nextHops();
        int nextHop = table.lookup(destination);
        if (nextHop == RouteTable.NO_ROUTE) {
            throw args.error("network unreachable: no route to " + Ipv4Address.format(destination));
        }
        Interface port = state.dataplane().interfaces().get(nextHops.iface(nextHop));
        String dst = Ipv4Address.format(destination);
        String portName = port == null ? "?" : port.name();
        Map<String, Object> row;
        switch (nextHops.type(nextHop)) {
            case NextHops.TYPE_LOCAL -> {
                row = out.row("local " + dst + " dev " + portName + " src " + dst);
                row.put("type", "local");
                row.put("dst", dst);
                row.put("dev", portName);
                row.put("prefsrc", dst);
            }
            case NextHops.TYPE_BROADCAST -> {
                row = out.row("broadcast " + dst + " dev " + portName);
                row.put("type", "broadcast");
                row.put("dst", dst);
                row.put("dev", portName);
            }
            default -> {
                int gateway = nextHops.type(nextHop) == NextHops.TYPE_GATEWAY ? nextHops.address(nextHop) : 0;
                int source = port == null ? 0 : port.sourceAddressFor(gateway != 0 ? gateway : destination);
                String line = dst + (gateway != 0 ? " via " + Ipv4Address.format(gateway) : "") + " dev " + portName
                    + (source != 0 ? " src " + Ipv4Address.format(source) : "");
                row = out.row(line);
                row.put("dst", dst);
                if (gateway != 0) {
                    row.put("gateway", Ipv4Address.format(gateway));
                }
                row.put("dev", portName);
                if (source != 0) {
                    row.put("prefsrc", Ipv4Address.format(source));
                }
                Route route = routes.lookup(destination);
                if (route != null) {
                    row.put("route", route.prefix().toRouteString());
                }
            }
        }
    }
}
