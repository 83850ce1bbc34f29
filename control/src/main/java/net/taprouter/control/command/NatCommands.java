package net.taprouter.control.command;

import java.util.List;
import java.util.Map;
import net.taprouter.control.model.ConntrackSettings;
import net.taprouter.control.model.Link;
import net.taprouter.control.model.NatRules;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.conntrack.NatRule;
import net.taprouter.dataplane.wire.Ipv4Address;

/**
 * {@code nat add|del|show}: NAT rules, applied to the first packet of each new flow (the flow's
 * conntrack entry translates the rest, both ways):
 *
 * <pre>
 *   nat add masquerade src PREFIX out NAME              # source: NAME's address toward the next hop
 *   nat add snat src PREFIX out NAME to A.B.C.D         # source: A.B.C.D
 *   nat add dnat [proto tcp|udp] dst A.B.C.D dport N to A.B.C.D[:PORT]
 *   nat show
 *   nat del ID
 *   nat portlimit [N|auto]
 * </pre>
 *
 * MASQUERADE and SNAT act at postrouting for flows from PREFIX leaving through port NAME (the
 * first rule that matches); DNAT at prerouting, before the route lookup (without {@code proto}:
 * TCP and UDP). A rule's ID is its place in {@code nat show} (1 for the first; deleting a rule
 * renumbers the ones after it, as iptables numbers rules); a port a rule names cannot be deleted
 * while the rule exists. {@code portlimit}: how many outside ports (source-NAT mappings, every
 * protocol) one inside address may hold (RFC 6888 REQ-4), so that one host cannot take them all;
 * a new flow past it is dropped ({@code drop.nat_port_limit}). Undoable; {@code save} writes them.
 */
public final class NatCommands implements CommandGroup {
    private final RouterState state;

    public NatCommands(RouterState state) {
        this.state = state;
    }

    @Override
    public String object() {
        return "nat";
    }

    @Override
    public String help() {
        return String.join("\n",
            "nat add masquerade src PREFIX out NAME",
            "nat add snat src PREFIX out NAME to A.B.C.D",
            "nat add dnat [proto tcp|udp] dst A.B.C.D dport N to A.B.C.D[:PORT]",
            "nat show",
            "nat del ID",
            "nat portlimit [N|auto]");
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        NatRules rules = state.nat();
        switch (verb) {
            case "add" -> add(args, rules);
            case "del", "delete" -> {
                int id = args.integer("rule id", 1, Integer.MAX_VALUE);
                args.end();
                rules.delete(id, args.command());
            }
            case "show", "list" -> {
                args.end();
                out.listing();
                List<NatRules.Entry> list = rules.list();
                for (int i = 0; i < list.size(); i++) {
                    Map<String, Object> row = out.row((i + 1) + ": " + list.get(i).text());
                    json(i + 1, list.get(i), row);
                }
            }
            case "portlimit" -> AddressLimitVerb.execute(ConntrackSettings.Limit.PORT, state.conntrack(), args, out);
            default -> throw args.error("unknown command \"" + verb + "\" (try: routerctl nat help)");
        }
    }

    private void add(Args args, NatRules rules) {
        String kind = args.next("rule type (masquerade, snat, dnat)");
        int id = 0; // NatRules numbers the rules by their place
        String command = args.command();
        switch (kind) {
            case "masquerade", "snat" -> {
                args.expect("src");
                Prefix src = args.prefix("source prefix", false);
                args.expect("out");
                Link link = state.link(args);
                int to = 0;
                if (kind.equals("snat")) {
                    args.expect("to");
                    to = args.address("address");
                    if (to == 0 || Ipv4Address.isMulticast(to) || Ipv4Address.isLimitedBroadcast(to)) {
                        throw args.error("bad address " + Ipv4Address.format(to) + " (not unicast)");
                    }
                }
                args.end();
                if (link.master() != null) {
                    throw args.error("port " + link.name() + " is a port of bridge " + link.master().name()
                        + " (NAT applies to the interface traffic is routed out of: the bridge)");
                }
                int iface = link.iface().index();
                NatRule rule = kind.equals("snat") ? NatRule.snat(id, src.address(), src.length(), iface, to)
                    : NatRule.masquerade(id, src.address(), src.length(), iface);
                String text = kind + " src " + src + " out " + link.name() + (kind.equals("snat") ? " to " + Ipv4Address.format(to) : "");
                rules.add(new NatRules.Entry(rule, text, link.name()), command);
            }
            case "dnat" -> {
                int protocol = 0;
                if (args.accept("proto")) {
                    String p = args.next("protocol");
                    protocol = switch (p) {
                        case "tcp" -> 6;
                        case "udp" -> 17;
                        default -> throw args.error("bad protocol \"" + p + "\" (tcp or udp)");
                    };
                }
                args.expect("dst");
                int dst = args.address("destination address");
                args.expect("dport");
                int dport = args.integer("destination port", 1, 65535);
                args.expect("to");
                String target = args.next("A.B.C.D[:PORT]");
                int colon = target.indexOf(':');
                int to;
                int toPort = 0;
                try {
                    to = Ipv4Address.parse(colon < 0 ? target : target.substring(0, colon));
                } catch (IllegalArgumentException e) {
                    throw args.error("bad address \"" + target + "\"");
                }
                if (colon >= 0) {
                    try {
                        toPort = Integer.parseInt(target.substring(colon + 1));
                    } catch (NumberFormatException e) {
                        toPort = -1;
                    }
                    if (toPort < 1 || toPort > 65535) {
                        throw args.error("bad port in \"" + target + "\" (1..65535)");
                    }
                }
                if (to == 0 || Ipv4Address.isMulticast(to) || Ipv4Address.isLimitedBroadcast(to)) {
                    throw args.error("bad address " + Ipv4Address.format(to) + " (not unicast)");
                }
                args.end();
                String text = "dnat" + (protocol == 6 ? " proto tcp" : protocol == 17 ? " proto udp" : "") + " dst "
                    + Ipv4Address.format(dst) + " dport " + dport + " to " + Ipv4Address.format(to) + (toPort != 0 ? ":" + toPort : "");
                rules.add(new NatRules.Entry(NatRule.dnat(id, protocol, dst, dport, to, toPort), text, null), command);
            }
            default -> throw args.error("unknown rule type \"" + kind + "\" (masquerade, snat, dnat)");
        }
    }

    private static void json(int id, NatRules.Entry e, Map<String, Object> row) {
        NatRule r = e.rule();
        row.put("id", id);
        switch (r.kind()) {
            case NatRule.MASQUERADE, NatRule.SNAT -> {
                row.put("type", r.kind() == NatRule.SNAT ? "snat" : "masquerade");
                row.put("src", Ipv4Address.format(r.srcNetwork()) + "/" + r.srcLength());
                row.put("out", e.outPort());
                if (r.kind() == NatRule.SNAT) {
                    row.put("to", Ipv4Address.format(r.to()));
                }
            }
            default -> {
                row.put("type", "dnat");
                if (r.protocol() != 0) {
                    row.put("proto", r.protocol() == 6 ? "tcp" : "udp");
                }
                row.put("dst", Ipv4Address.format(r.dst()));
                row.put("dport", r.dport());
                row.put("to", Ipv4Address.format(r.to()));
                if (r.toPort() != 0) {
                    row.put("to_port", r.toPort());
                }
            }
        }
    }

    /** {@code nat portlimit} if not the default, then the {@code nat add} lines that recreate the rules, in order (for {@code save}). */
    static java.util.List<String> saveLines(RouterState state) {
        java.util.List<String> lines = new java.util.ArrayList<>();
        String limit = AddressLimitVerb.saveLine(ConntrackSettings.Limit.PORT, state.conntrack());
        if (limit != null) {
            lines.add(limit);
        }
        for (NatRules.Entry e : state.nat().list()) {
            lines.add("nat add " + e.text());
        }
        return lines;
    }
}
