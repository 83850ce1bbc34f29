package net.taprouter.control.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.taprouter.control.model.AddressService;
import net.taprouter.control.model.Link;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.iface.InterfaceAddress;
import net.taprouter.dataplane.wire.Ipv4Address;

/** {@code addr add|del|show}: the router's own addresses. */
public final class AddrCommands implements CommandGroup {
    private final RouterState state;
    private final AddressService addresses;

    public AddrCommands(RouterState state, AddressService addresses) {
        this.state = state;
        this.addresses = addresses;
    }

    @Override
    public String object() {
        return "addr";
    }

    @Override
    public String help() {
        return String.join("\n",
            "addr add A.B.C.D/LEN dev NAME [noprefixroute]   # noprefixroute: no connected route",
            "addr del A.B.C.D/LEN dev NAME",
            "addr show [dev NAME]");
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        switch (verb) {
            case "add" -> {
                Prefix prefix = args.prefix("address", true);
                args.expect("dev");
                Link link = state.l3Link(args);
                boolean prefixRoute = !args.accept("noprefixroute");
                args.end();
                checkUsable(args, prefix);
                addresses.add(link.iface(), prefix, prefixRoute, args.command());
            }
            case "del", "delete" -> {
                Prefix prefix = args.prefix("address", true);
                Link link = dev(args);
                args.end();
                addresses.delete(link.iface(), prefix, args.command());
            }
            case "show", "list" -> show(args, out);
            default -> throw args.error("unknown command \"" + verb + "\" (try: routerctl addr help)");
        }
    }

    private static void checkUsable(Args args, Prefix prefix) {
        int a = prefix.address();
        if (Ipv4Address.isMulticast(a) || Ipv4Address.isLoopback(a) || Ipv4Address.isThisNetwork(a)
            || Ipv4Address.isReservedClassE(a) || Ipv4Address.isLimitedBroadcast(a)) {
            throw args.error("address " + prefix + " cannot be a router address");
        }
        if (prefix.length() < 31 && (a == prefix.network() || a == (prefix.network() | ~Ipv4Address.mask(prefix.length())))) {
            throw args.error("address " + prefix + " is the network or broadcast address of its subnet");
        }
    }

    private Link dev(Args args) {
        args.expect("dev");
        return state.link(args);
    }

    private void show(Args args, Output out) {
        out.listing();
        String only = null;
        if (args.accept("dev")) {
            only = args.next("port name");
        } else if (args.hasNext()) {
            only = args.next("port name");
        }
        args.end();
        if (only != null && state.link(only) == null) {
            throw args.error("no such port \"" + only + "\"");
        }
        for (Link link : state.links().values()) {
            if (only != null && !only.equals(link.name())) {
                continue;
            }
            Map<String, Object> row = LinkCommands.describe(link, out, false);
            List<Map<String, Object>> infos = new ArrayList<>();
            for (InterfaceAddress a : link.iface().addresses()) {
                int broadcast = a.broadcast();
                out.line("    inet " + a + (broadcast != 0 ? " brd " + Ipv4Address.format(broadcast) : "") + " scope global " + link.name());
                Map<String, Object> info = new java.util.LinkedHashMap<>();
                info.put("family", "inet");
                info.put("local", Ipv4Address.format(a.address()));
                info.put("prefixlen", a.prefixLength());
                if (broadcast != 0) {
                    info.put("broadcast", Ipv4Address.format(broadcast));
                }
                info.put("scope", "global");
                info.put("label", link.name());
                infos.add(info);
            }
            row.put("addr_info", infos);
        }
    }
}
