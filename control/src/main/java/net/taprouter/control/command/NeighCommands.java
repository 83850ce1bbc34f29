package net.taprouter.control.command;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import net.taprouter.control.model.ChangeEvents;
import net.taprouter.control.model.Link;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.agent.WorkerControl;
import net.taprouter.dataplane.neigh.NeighbourEntry;
import net.taprouter.dataplane.neigh.NeighbourState;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.wire.Ipv4Address;
import net.taprouter.dataplane.wire.MacAddress;

/**
 * {@code neigh show|flush|add|del}: the ARP cache. Each forwarding worker owns its neighbour
 * table, so every command goes to all of them through the typed proxy ({@link WorkerControl}):
 * changes are made on every worker, {@code show} merges their entries.
 */
public final class NeighCommands implements CommandGroup {
    private final RouterState state;

    public NeighCommands(RouterState state) {
        this.state = state;
    }

    @Override
    public String object() {
        return "neigh";
    }

    @Override
    public String help() {
        return String.join("\n",
            "neigh show [dev NAME]",
            "neigh flush",
            "neigh add|replace A.B.C.D lladdr MAC dev NAME     # permanent entry",
            "neigh del A.B.C.D dev NAME");
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        switch (verb) {
            case "show", "list" -> show(args, out);
            case "flush" -> {
                if (args.accept("all")) {
                    args.end();
                }
                args.end();
                held(workers().holdDynamicNeighbours());
            }
            case "add", "replace" -> add(args);
            case "del", "delete" -> {
                int address = args.address("address");
                args.expect("dev");
                Interface port = state.link(args).iface();
                args.end();
                NeighbourEntry was = entry(port.index(), address);
                WorkerControl.HeldNeighbours removed = workers().holdNeighbour(port.index(), address);
                if (removed.isEmpty()) {
                    throw args.error("no neighbour " + Ipv4Address.format(address) + " on " + port.name());
                }
                // as ip monitor shows a deletion: the entry as it was
                state.changed(ChangeEvents.Kind.NEIGH, true, was != null ? describe(address, port.name(), was.mac(), was.state())
                    : Ipv4Address.format(address) + " dev " + port.name());
                held(removed);
            }
            default -> throw args.error("unknown command \"" + verb + "\" (try: routerctl neigh help)");
        }
    }

    private void add(Args args) {
        int address = args.address("address");
        long mac = 0;
        Interface port = null;
        while (args.hasNext()) {
            String word = args.next("option");
            switch (word) {
                case "lladdr" -> mac = args.mac();
                case "dev" -> port = state.link(args).iface();
                case "nud" -> args.expect("permanent");
                default -> throw args.error("unknown option \"" + word + "\"");
            }
        }
        if (mac == 0) {
            throw args.error("missing \"lladdr MAC\"");
        }
        if (port == null) {
            throw args.error("missing \"dev NAME\"");
        }
        if (Ipv4Address.isMulticast(address) || address == 0 || Ipv4Address.isLimitedBroadcast(address)) {
            throw args.error("bad neighbour address " + Ipv4Address.format(address));
        }
        WorkerControl.PermanentNeighbour change = workers().setPermanentNeighbour(port.index(), address, mac);
        state.transaction().onRollback(() -> workers().unsetPermanentNeighbour(change));
        state.changed(ChangeEvents.Kind.NEIGH, false, describe(address, port.name(), mac, NeighbourState.PERMANENT));
    }

    /** The entry (port interface, address) as the workers hold it now (the first worker's that has it), or null. */
    private NeighbourEntry entry(int iface, int address) {
        for (NeighbourEntry e : workers().neighbours()) {
            if (e.iface() == iface && e.address() == address) {
                return e;
            }
        }
        return null;
    }

    /** Entries a command took out: back on rollback, their slots freed at commit. */
    private void held(WorkerControl.HeldNeighbours entries) {
        if (entries.isEmpty()) {
            return;
        }
        state.transaction().onRollback(() -> workers().restoreNeighbours(entries));
        state.transaction().onCommit(() -> workers().releaseNeighbours(entries));
    }

    private WorkerControl workers() {
        return state.dataplane().workers();
    }

    private void show(Args args, Output out) {
        out.listing();
        String only = null;
        if (args.accept("dev")) {
            only = args.next("port name");
            if (state.link(only) == null) {
                throw args.error("no such port \"" + only + "\"");
            }
        }
        args.end();
        List<NeighbourEntry> entries = entries();
        // links in the order they were added (as save writes them, so a restored router lists the
        // same), then addresses; a port index says nothing a user can see and changes on replay
        Map<Integer, Integer> linkOrder = new java.util.HashMap<>();
        for (var link : state.links().values()) {
            linkOrder.put(link.iface().index(), linkOrder.size());
        }
        entries.sort(Comparator.<NeighbourEntry>comparingInt(e -> linkOrder.getOrDefault(e.iface(), Integer.MAX_VALUE))
            .thenComparingLong(e -> e.address() & 0xFFFF_FFFFL));
        for (NeighbourEntry e : entries) {
            Interface port = state.dataplane().interfaces().get(e.iface());
            if (port == null || only != null && !only.equals(port.name())) {
                continue;
            }
            boolean known = e.state() != NeighbourState.INCOMPLETE && e.state() != NeighbourState.FAILED;
            ChangeEvents.Described d = describe(e.address(), port.name(), known ? e.mac() : 0, e.state());
            out.row(d.text()).putAll(d.row());
        }
    }

    /**
     * A neighbour as {@code neigh show} prints it ({@code 192.0.2.1 dev gw0 lladdr MAC REACHABLE};
     * no lladdr when {@code mac} is 0) with its {@code -j} fields; {@code monitor neigh} shows the same.
     */
    static ChangeEvents.Described describe(int address, String dev, long mac, int state) {
        String stateName = NeighbourState.name(state);
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("dst", Ipv4Address.format(address));
        row.put("dev", dev);
        if (mac != 0) {
            row.put("lladdr", MacAddress.format(mac));
        }
        row.put("state", List.of(stateName));
        String text = Ipv4Address.format(address) + " dev " + dev + (mac != 0 ? " lladdr " + MacAddress.format(mac) : "") + " " + stateName;
        return new ChangeEvents.Described(text, row);
    }

    /** Copies of all neighbour entries, taken by each worker and merged per (port, address); a list of our own. */
    public List<NeighbourEntry> entries() {
        return new java.util.ArrayList<>(workers().neighbours());
    }
}
