package net.taprouter.control.command;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.taprouter.control.model.Link;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.agent.WorkerControl;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.l2.FdbEntry;
import net.taprouter.dataplane.l2.PortVlans;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.wire.MacAddress;

/**
 * {@code fdb show|add|del|flush}: the bridges' forwarding databases, in the style of iproute2's
 * {@code bridge fdb}. Each forwarding worker owns its replica of every bridge's FDB (it learns on
 * it), so every command goes to all of them through the typed proxy ({@link WorkerControl}):
 * changes are made on every worker (and undone on every worker if the request fails), {@code show}
 * merges their entries. Static entries ({@code fdb add}) are configuration ({@code save} writes
 * them); learned ones are not.
 */
public final class FdbCommands implements CommandGroup {
    private final RouterState state;

    public FdbCommands(RouterState state) {
        this.state = state;
    }

    @Override
    public String object() {
        return "fdb";
    }

    @Override
    public String help() {
        return String.join("\n",
            "fdb show [br BRIDGE] [dev PORT] [vlan VID]     # MAC dev PORT [vlan VID] master BRIDGE permanent | age Ns",
            "fdb add MAC dev PORT [vlan VID] [master] [static|permanent]     # a static entry on PORT's bridge",
            "fdb del MAC dev PORT [vlan VID] [master]",
            "fdb flush [dev PORT | br BRIDGE]     # learned entries (static ones stay)");
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        switch (verb) {
            case "show", "list" -> show(args, out);
            case "add", "append" -> add(args);
            case "del", "delete" -> delete(args);
            case "flush" -> flush(args);
            default -> throw args.error("unknown command \"" + verb + "\" (try: routerctl fdb help)");
        }
    }

    private WorkerControl workers() {
        return state.dataplane().workers();
    }

    /** MAC dev PORT [vlan VID] [master] [static|permanent]: the MAC, the bridge port and the VLAN (0: none). */
    private record Target(long mac, Link port, Interface bridge, int vlan) {
    }

    private Target target(Args args) {
        long mac = args.mac();
        Link port = null;
        int vlan = 0;
        while (args.hasNext()) {
            String word = args.next("option");
            switch (word) {
                case "dev" -> port = state.link(args);
                case "vlan" -> vlan = args.integer("VLAN id", PortVlans.MIN_VID, PortVlans.MAX_VID);
                case "master", "static", "permanent" -> { }
                default -> throw args.error("unknown option \"" + word + "\"");
            }
        }
        if (port == null) {
            throw args.error("missing \"dev PORT\"");
        }
        if (port.master() == null) {
            throw args.error("\"" + port.name() + "\" is not a bridge port");
        }
        return new Target(mac, port, port.master(), vlan);
    }

    private void add(Args args) {
        Target t = target(args);
        WorkerControl.FdbChange change;
        try {
            change = workers().setStaticFdb(t.bridge().index(), t.vlan(), t.mac(), t.port().port().index());
        } catch (IllegalStateException e) {
            throw args.error(e.getMessage());
        }
        state.transaction().onRollback(() -> workers().restoreFdb(change));
        for (FdbEntry before : workers().fdbBefore(change)) {
            if (before.isStatic()) {
                Port on = state.dataplane().ports().get(before.port());
                throw args.error("entry " + MacAddress.format(t.mac()) + " exists (static on "
                    + (on != null ? on.name() : "?") + ": fdb del it first)");
            }
        }
    }

    private void delete(Args args) {
        Target t = target(args);
        WorkerControl.FdbChange change = workers().deleteFdb(t.bridge().index(), t.vlan(), t.mac(), t.port().port().index());
        if (change.isEmpty()) {
            throw args.error("no entry " + MacAddress.format(t.mac()) + (t.vlan() != 0 ? " vlan " + t.vlan() : "") + " on "
                + t.port().name());
        }
        state.transaction().onRollback(() -> workers().restoreFdb(change));
    }

    private void flush(Args args) {
        Link port = null;
        Link bridge = null;
        while (args.hasNext()) {
            String word = args.next("option");
            switch (word) {
                case "dev" -> port = state.link(args);
                case "br" -> bridge = bridge(args);
                default -> throw args.error("unknown option \"" + word + "\"");
            }
        }
        if (port != null && port.master() == null) {
            throw args.error("\"" + port.name() + "\" is not a bridge port");
        }
        for (Link link : new ArrayList<>(state.links().values())) {
            if (!link.isBridge() || bridge != null && link != bridge || port != null && port.master() != link.iface()) {
                continue;
            }
            WorkerControl.FdbChange removed = workers().flushFdb(link.iface().index(), port != null ? port.port().index() : -1, false);
            state.transaction().onRollback(() -> workers().restoreFdb(removed));
        }
    }

    private Link bridge(Args args) {
        Link link = state.link(args);
        if (!link.isBridge()) {
            throw args.error("\"" + link.name() + "\" is not a bridge");
        }
        return link;
    }

    private void show(Args args, Output out) {
        out.listing();
        Link bridge = null;
        Link port = null;
        int vlan = -1;
        while (args.hasNext()) {
            String word = args.next("option");
            switch (word) {
                case "br" -> bridge = bridge(args);
                case "dev" -> port = state.link(args);
                case "vlan" -> vlan = args.integer("VLAN id", PortVlans.MIN_VID, PortVlans.MAX_VID);
                default -> throw args.error("unexpected \"" + word + "\"");
            }
        }
        for (Entry e : entries(bridge != null ? bridge.iface() : null)) {
            if (port != null && e.port() != port || vlan >= 0 && e.entry().vlan() != vlan) {
                continue;
            }
            int entryVlan = e.entry().vlan();
            String line = MacAddress.format(e.entry().mac()) + " dev " + e.port().name() + (entryVlan != 0 ? " vlan " + entryVlan : "")
                + " master " + e.bridge().name() + (e.entry().isStatic() ? " permanent" : " age " + e.entry().ageMillis() / 1000 + "s");
            Map<String, Object> row = out.row(line);
            row.put("mac", MacAddress.format(e.entry().mac()));
            row.put("ifname", e.port().name());
            if (entryVlan != 0) {
                row.put("vlan", entryVlan);
            }
            row.put("master", e.bridge().name());
            row.put("state", e.entry().isStatic() ? "permanent" : "");
            if (!e.entry().isStatic()) {
                row.put("age", e.entry().ageMillis() / 1000);
            }
        }
    }

    /** An FDB entry with the links it names. */
    record Entry(FdbEntry entry, Link bridge, Link port) {
    }

    /**
     * The entries of {@code bridge} (null: of every bridge), merged over the workers, in link order
     * of bridge then port, then by MAC; entries of ports that are gone are left out.
     */
    List<Entry> entries(Interface bridge) {
        Map<Integer, Link> bridges = new HashMap<>();
        Map<Integer, Link> ports = new HashMap<>();
        Map<String, Integer> order = new HashMap<>();
        for (Link link : state.links().values()) {
            order.put(link.name(), order.size());
            if (link.isBridge()) {
                bridges.put(link.iface().index(), link);
            } else if (link.port() != null) {
                ports.put(link.port().index(), link);
            }
        }
        List<Entry> list = new ArrayList<>();
        for (FdbEntry e : workers().fdb(bridge != null ? bridge.index() : -1)) {
            Link b = bridges.get(e.bridge());
            Link p = ports.get(e.port());
            if (b != null && p != null) {
                list.add(new Entry(e, b, p));
            }
        }
        list.sort(Comparator.<Entry>comparingInt(e -> order.get(e.bridge().name()))
            .thenComparingInt(e -> order.get(e.port().name()))
            .thenComparingInt(e -> e.entry().vlan())
            .thenComparingLong(e -> e.entry().mac()));
        return list;
    }
}
