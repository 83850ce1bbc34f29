package net.taprouter.control.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.taprouter.control.model.BridgeService;
import net.taprouter.control.model.Link;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.l2.PortVlans;

/**
 * {@code bridge vlan add|del|show}: the VLANs of bridge ports, as iproute2's {@code bridge vlan}.
 * A port joins a bridge with VLAN 1 pvid untagged; {@code add} sets a VLAN's flags anew (as
 * Linux: {@code pvid} moves the pvid to it, no {@code untagged} makes it tagged); {@code del}
 * removes it (a pvid removed leaves the port without one: its untagged frames are dropped while
 * the bridge filters VLANs). The VLANs apply while the bridge has {@code vlan_filtering 1}; they
 * are kept (and can be set) while it has not. {@code show} lists every bridge and bridge port in
 * link order, a bridge with its own VLANs (its pvid, 1, and the VLANs of its sub-interfaces,
 * tagged), in {@code bridge vlan show}'s layout.
 */
public final class BridgeCommands implements CommandGroup {
    private final RouterState state;
    private final BridgeService bridges;

    public BridgeCommands(RouterState state) {
        this.state = state;
        this.bridges = new BridgeService(state);
    }

    @Override
    public String object() {
        return "bridge";
    }

    @Override
    public String help() {
        return String.join("\n",
            "bridge vlan add dev PORT vid VID[-VID] [pvid] [untagged] [master]",
            "bridge vlan del dev PORT vid VID[-VID] [master]",
            "bridge vlan show [dev NAME] [vid VID]     # port  vlan-id [PVID] [Egress Untagged]");
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        if (!verb.equals("vlan")) {
            throw args.error("unknown command \"" + verb + "\" (try: routerctl bridge help)");
        }
        String sub = args.hasNext() ? args.next("command") : "show";
        switch (sub) {
            case "add" -> modify(args, true);
            case "del", "delete" -> modify(args, false);
            case "show", "list", "lst" -> show(args, out);
            case "help" -> out.line(help());
            default -> throw args.error("unknown command \"vlan " + sub + "\" (add, del, show)");
        }
    }

    private void modify(Args args, boolean add) {
        Link port = null;
        int first = -1;
        int last = -1;
        boolean pvid = false;
        boolean untagged = false;
        while (args.hasNext()) {
            String word = args.next("option");
            switch (word) {
                case "dev" -> port = state.link(args);
                case "vid" -> {
                    String range = args.next("VLAN id");
                    int dash = range.indexOf('-');
                    first = vid(args, dash < 0 ? range : range.substring(0, dash));
                    last = dash < 0 ? first : vid(args, range.substring(dash + 1));
                    if (last < first) {
                        throw args.error("bad VLAN range \"" + range + "\"");
                    }
                }
                case "pvid" -> pvid = true;
                case "untagged" -> untagged = true;
                case "master" -> { }
                case "self" -> throw args.error("\"self\": the bridge's own VLANs are its pvid (1) and its VLAN sub-interfaces"
                    + " (link add NAME link BRIDGE type vlan id VID)");
                default -> throw args.error("unknown option \"" + word + "\"");
            }
        }
        if (port == null || first < 0) {
            throw args.error("missing \"dev PORT\" or \"vid VID\" (both are required)");
        }
        if (port.master() == null) {
            throw args.error("\"" + port.name() + "\" is not a bridge port");
        }
        if (!add && (pvid || untagged)) {
            throw args.error("pvid and untagged are for bridge vlan add");
        }
        if (pvid && first != last) {
            throw args.error("pvid cannot be configured for a VLAN range");
        }
        PortVlans vlans = port.port().vlans();
        for (int vid = first; vid <= last; vid++) {
            if (add) {
                vlans = vlans.with(vid, pvid, untagged);
            } else if (vlans.isMember(vid)) {
                vlans = vlans.without(vid);
            } else if (first == last) {
                throw args.error("port " + port.name() + " has no VLAN " + vid);
            }
        }
        bridges.portVlans(port, vlans);
        if (!add) { // as Linux: the port's learned entries in those VLANs go (static ones stay, ignored while it is no member)
            bridges.flushVlans(port, first, last);
        }
    }

    private static int vid(Args args, String word) {
        try {
            int vid = Integer.parseInt(word);
            if (vid < PortVlans.MIN_VID || vid > PortVlans.MAX_VID) {
                throw args.error("VLAN id " + vid + " out of range " + PortVlans.MIN_VID + ".." + PortVlans.MAX_VID);
            }
            return vid;
        } catch (NumberFormatException e) {
            throw args.error("bad VLAN id \"" + word + "\"");
        }
    }

    /** One VLAN of a port as {@code bridge vlan show} prints it. */
    private record Vlan(int vid, boolean pvid, boolean untagged) {
        String text() {
            return vid + (pvid ? " PVID" : "") + (untagged ? " Egress Untagged" : "");
        }
    }

    private void show(Args args, Output out) {
        out.listing();
        Link only = null;
        int onlyVid = 0;
        while (args.hasNext()) {
            String word = args.next("option");
            switch (word) {
                case "dev" -> only = state.link(args);
                case "vid" -> onlyVid = vid(args, args.next("VLAN id"));
                default -> throw args.error("unexpected \"" + word + "\"");
            }
        }
        if (!out.json()) {
            out.line(String.format("%-16s  %-9s", "port", "vlan-id"));
        }
        for (Link link : state.links().values()) {
            if (only != null && link != only) {
                continue;
            }
            List<Vlan> vlans = vlans(link);
            if (vlans == null) {
                continue;
            }
            if (onlyVid != 0) {
                final int wanted = onlyVid;
                vlans.removeIf(v -> v.vid() != wanted);
            }
            if (vlans.isEmpty()) {
                continue;
            }
            StringBuilder text = new StringBuilder();
            List<Map<String, Object>> json = new ArrayList<>();
            for (int i = 0; i < vlans.size(); i++) {
                Vlan v = vlans.get(i);
                text.append(i == 0 ? "" : "\n").append(String.format("%-16s  ", i == 0 ? link.name() : "")).append(v.text());
                Map<String, Object> entry = new java.util.LinkedHashMap<>();
                entry.put("vlan", v.vid());
                List<String> flags = new ArrayList<>();
                if (v.pvid()) {
                    flags.add("PVID");
                }
                if (v.untagged()) {
                    flags.add("Egress Untagged");
                }
                if (!flags.isEmpty()) {
                    entry.put("flags", flags);
                }
                json.add(entry);
            }
            Map<String, Object> row = out.row(text.toString());
            row.put("ifname", link.name());
            row.put("vlans", json);
        }
    }

    /**
     * The VLANs {@code link} has as a bridge or a bridge port, in VID order (a new list); null if
     * it is neither.
     */
    private static List<Vlan> vlans(Link link) {
        List<Vlan> list = new ArrayList<>();
        if (link.isBridge()) {
            Interface bridge = link.iface();
            List<Integer> vids = new ArrayList<>();
            for (Interface upper : bridge.vlanUppers()) {
                vids.add(upper.vid());
            }
            vids.sort(null);
            list.add(new Vlan(PortVlans.DEFAULT_PVID, true, true));
            for (int vid : vids) {
                list.add(new Vlan(vid, false, false));
            }
            return list;
        }
        if (link.master() == null) {
            return null;
        }
        PortVlans vlans = link.port().vlans();
        for (int vid : vlans.vids()) {
            list.add(new Vlan(vid, vlans.pvid() == vid, vlans.isUntagged(vid)));
        }
        return list;
    }

    /**
     * {@code save}: the commands that turn a port's VLANs from those it joins with (VLAN 1 pvid
     * untagged) into {@code vlans}: one {@code add} per VLAN with its flags, then {@code del} of
     * VLAN 1 if it is no member (in that order: an add with pvid moves the pvid first).
     */
    static List<String> saveLines(String port, PortVlans vlans) {
        List<String> lines = new ArrayList<>();
        if (vlans.equals(PortVlans.DEFAULT)) {
            return lines;
        }
        for (int vid : vlans.vids()) {
            lines.add("bridge vlan add dev " + port + " vid " + vid + (vlans.pvid() == vid ? " pvid" : "")
                + (vlans.isUntagged(vid) ? " untagged" : ""));
        }
        if (!vlans.isMember(PortVlans.DEFAULT_PVID)) {
            lines.add("bridge vlan del dev " + port + " vid " + PortVlans.DEFAULT_PVID);
        }
        return lines;
    }
}
