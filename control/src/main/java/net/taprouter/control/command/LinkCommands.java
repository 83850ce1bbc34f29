package net.taprouter.control.command;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import net.taprouter.control.model.AddressService;
import net.taprouter.control.model.Link;
import net.taprouter.control.model.RouteService;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.agent.Dataplane;
import net.taprouter.dataplane.port.AbsentDevice;
import net.taprouter.dataplane.port.FrameIo;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.tap.NetworkNamespace;
import net.taprouter.dataplane.tap.TapDevice;
import net.taprouter.dataplane.wire.MacAddress;

/** {@code link add|set|del|show}: router ports on TAP devices. */
public final class LinkCommands implements CommandGroup {
    static final int DEFAULT_MTU = 1500;
    static final int MIN_MTU = 68;

    private final RouterState state;
    private final RouteService routes;
    private final AddressService addresses;

    public LinkCommands(RouterState state, RouteService routes, AddressService addresses) {
        this.state = state;
        this.routes = routes;
        this.addresses = addresses;
    }

    @Override
    public String object() {
        return "link";
    }

    @Override
    public String help() {
        return String.join("\n",
            "link add NAME type tap ifname IFNAME [netns NS] [attach] [address MAC] [mtu N]",
            "link set NAME { up | down | address MAC | mtu N } ...",
            "link del NAME",
            "link show [NAME] [-s]");
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        switch (verb) {
            case "add" -> add(args);
            case "set" -> set(args);
            case "del", "delete" -> delete(args);
            case "show", "list" -> show(args, out);
            default -> throw args.error("unknown command \"" + verb + "\" (try: routerctl link help)");
        }
    }

    /** Stable locally administered MAC derived from the port name: 02:74:xx:xx:xx:xx. */
    static long defaultMac(String name) {
        CRC32 crc = new CRC32();
        crc.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return 0x0274_0000_0000L | crc.getValue();
    }

    /** 1-15 of A-Z a-z 0-9 _ . - not starting with "-" (it would read as a flag such as -j or -s). */
    static boolean validName(String name) {
        return name.length() <= 15 && name.matches("[A-Za-z0-9_.][A-Za-z0-9_.-]*") && !name.equals(".") && !name.equals("..");
    }

    private void add(Args args) {
        String name = args.next("port name");
        if (!validName(name)) {
            throw args.error("bad port name \"" + name + "\" (1-15 of A-Z a-z 0-9 _ . -, not starting with -)");
        }
        args.expect("type");
        String type = args.next("link type");
        if (type.equals("bridge")) {
            throw args.error("type bridge is not supported yet (bridging comes with a later release)");
        }
        if (!type.equals("tap")) {
            throw args.error("unknown link type \"" + type + "\" (tap)");
        }
        String ifname = null;
        String netns = null;
        boolean attach = false;
        Long mac = null;
        int mtu = DEFAULT_MTU;
        while (args.hasNext()) {
            String option = args.next("option");
            switch (option) {
                case "ifname" -> ifname = args.next("interface name");
                case "netns" -> netns = args.next("namespace name");
                case "attach" -> attach = true;
                case "address" -> mac = args.mac();
                case "mtu" -> mtu = args.integer("mtu", MIN_MTU, state.dataplane().maxMtu());
                default -> throw args.error("unknown option \"" + option + "\"");
            }
        }
        if (ifname == null) {
            throw args.error("missing \"ifname IFNAME\"");
        }
        if (state.link(name) != null) {
            throw args.error("port \"" + name + "\" exists");
        }
        for (Link link : state.links().values()) {
            if (link.ifname().equals(ifname) && java.util.Objects.equals(link.netns(), netns)) {
                throw args.error("TAP \"" + ifname + "\" is already port \"" + link.name() + "\"");
            }
        }
        Dataplane dataplane = state.dataplane();
        int index = dataplane.ports().freeIndex();
        if (index < 0) {
            throw args.error("too many ports (at most " + PortTable.MAX_PORTS + ")");
        }
        FrameIo tap;
        boolean absent = false;
        try {
            tap = TapDevice.open(ifname, netns, attach);
        } catch (IOException | RuntimeException e) {
            if (!state.startingUp() || netns == null || NetworkNamespace.exists(netns)) {
                throw args.error(e.getMessage());
            }
            // at start-up a missing namespace must not block the whole router
            tap = new AbsentDevice(ifname, e.getMessage());
            absent = true;
            System.err.println("routerd: port " + name + " down: " + e.getMessage()
                + " (routerctl link set " + name + " up once it exists)");
        }
        PortCounters counters;
        try {
            counters = new PortCounters(dataplane.counterFile(), name);
        } catch (RuntimeException e) {
            tap.close();
            throw args.error("no room for the port's counters: " + e.getMessage());
        }
        Port port = new Port(index, name, tap, mac != null ? mac : defaultMac(name), mtu, counters);
        if (absent) {
            port.markCarrierLost();
        }
        // the undo first: if addPort fails half-way (epoll), the rollback still closes the TAP,
        // frees the counters and the index (removePort never throws and touches only this port)
        state.transaction().onRollback(() -> {
            state.links().remove(name);
            dataplane.removePort(port);
        });
        dataplane.addPort(port);
        state.links().put(name, new Link(port, ifname, netns, attach));
    }

    private void set(Args args) {
        Link link = state.link(args);
        Port port = link.port();
        Boolean up = null;
        Long mac = null;
        Integer mtu = null;
        if (!args.hasNext()) {
            throw args.error("missing what to set (up, down, address MAC, mtu N)");
        }
        while (args.hasNext()) {
            String option = args.next("option");
            switch (option) {
                case "up" -> up = true;
                case "down" -> up = false;
                case "address" -> mac = args.mac();
                case "mtu" -> mtu = args.integer("mtu", MIN_MTU, state.dataplane().maxMtu());
                case "master", "nomaster" -> throw args.error("bridge ports are not supported yet");
                default -> throw args.error("unknown option \"" + option + "\"");
            }
        }
        if (up != null) {
            boolean before = port.adminUp();
            if (up && port.carrierLost()) {
                revive(args, link);
            }
            setUp(args, port, up);
            state.transaction().onRollback(() -> {
                port.adminUp(before);
                try {
                    port.tap().carrier(before);
                } catch (IOException e) {
                    // the TAP is gone (its namespace was deleted): the lost-port path owns it now;
                    // the configuration (admin state) is restored all the same
                }
            });
        }
        if (mtu != null) {
            int before = port.mtu();
            port.mtu(mtu);
            state.transaction().onRollback(() -> port.mtu(before));
        }
        if (mac != null && mac != port.mac()) {
            long before = port.mac();
            setMac(port, mac);
            state.transaction().onRollback(() -> setMac(port, before));
        }
    }

    /**
     * A lost port (its namespace or TAP vanished, or was missing at start) gets its TAP again:
     * re-created in its namespace, or re-opened with {@code attach}. Fails with a one-line error
     * while the namespace or the persistent TAP is still missing.
     */
    private void revive(Args args, Link link) {
        FrameIo device;
        try {
            device = TapDevice.open(link.ifname(), link.netns(), link.attach());
        } catch (IOException | RuntimeException e) {
            throw args.error("port " + link.name() + " is lost and cannot come back: " + e.getMessage());
        }
        state.dataplane().revivePort(link.port(), device);
        System.err.println("routerd: port " + link.name() + " (" + link.ifname() + ") up again");
    }

    /** Admin state; the host sees the carrier follow it (NO-CARRIER while down). */
    private static void setUp(Args args, Port port, boolean up) {
        if (!port.carrierLost()) { // a lost port has no carrier to set (it comes back with "up")
            try {
                port.tap().carrier(up);
            } catch (IOException e) {
                throw args.error(e.getMessage());
            }
        }
        port.adminUp(up);
    }

    /** A new port MAC; the neighbour entries stay (permanent ones too), their prebuilt headers follow. */
    private void setMac(Port port, long mac) {
        port.mac(mac);
        state.dataplane().workers().portMacChanged(port.index(), mac);
    }

    /**
     * Takes the port out of service now (unpublished, its routes and addresses gone) and closes it
     * at commit. Until then everything that can come back stays: the TAP, the port's index
     * (reserved: a {@code link add} in the same request gets another), its neighbour entries
     * (permanent ones included) and its place in the link order.
     */
    private void delete(Args args) {
        Link link = state.link(args);
        args.end();
        int natRule = state.nat().usingPort(link.name());
        if (natRule != 0) {
            throw args.error("port " + link.name() + " is used by NAT rule " + natRule + " (nat del " + natRule + " first)");
        }
        Port port = link.port();
        routes.removeRoutesVia(port);
        addresses.removeAll(port);
        Dataplane dataplane = state.dataplane();
        Map<String, Link> order = new LinkedHashMap<>(state.links());
        state.links().remove(link.name());
        dataplane.ports().unpublish(port);
        state.transaction().onRollback(() -> {
            dataplane.ports().put(port);
            state.links().clear();
            state.links().putAll(order);
        });
        state.transaction().onCommit(() -> dataplane.removePort(port));
    }

    private void show(Args args, Output out) {
        out.listing();
        String only = null;
        boolean stats = false;
        while (args.hasNext()) {
            String word = args.next("argument");
            if (word.equals("-s") || word.equals("-stats")) {
                stats = true;
            } else if (word.equals("dev")) {
                only = args.next("port name");
            } else if (only == null) {
                only = word;
            } else {
                throw args.error("unexpected \"" + word + "\"");
            }
        }
        if (only != null && state.link(only) == null) {
            throw args.error("no such port \"" + only + "\"");
        }
        for (Link link : state.links().values()) {
            if (only != null && !only.equals(link.name())) {
                continue;
            }
            describe(link, out, stats);
        }
    }

    /** ip-link style description (shared with addr show). */
    static Map<String, Object> describe(Link link, Output out, boolean stats) {
        Port port = link.port();
        String flags = port.isUp() ? "<BROADCAST,MULTICAST,UP,LOWER_UP>" : port.adminUp() ? "<BROADCAST,MULTICAST,UP>" : "<BROADCAST,MULTICAST>";
        String operState = port.isUp() ? "UP" : port.carrierLost() ? "LOWERLAYERDOWN" : "DOWN";
        Map<String, Object> row = out.row((port.index() + 1) + ": " + port.name() + ": " + flags + " mtu " + port.mtu() + " state " + operState);
        out.line("    link/ether " + MacAddress.format(port.mac()) + " brd ff:ff:ff:ff:ff:ff");
        out.line("    tap ifname " + link.ifname() + (link.netns() != null ? " netns " + link.netns() : "") + (link.attach() ? " attach" : ""));
        row.put("ifindex", port.index() + 1);
        row.put("ifname", port.name());
        List<String> flagList = new ArrayList<>(List.of("BROADCAST", "MULTICAST"));
        if (port.adminUp()) {
            flagList.add("UP");
        }
        if (port.isUp()) {
            flagList.add("LOWER_UP");
        }
        row.put("flags", flagList);
        row.put("mtu", port.mtu());
        row.put("operstate", operState);
        row.put("link_type", "ether");
        row.put("address", MacAddress.format(port.mac()));
        row.put("broadcast", "ff:ff:ff:ff:ff:ff");
        row.put("kind", "tap");
        row.put("tap_ifname", link.ifname());
        if (link.netns() != null) {
            row.put("netns", link.netns());
        }
        row.put("attach", link.attach());
        if (stats) {
            PortCounters c = port.counters(); // each sum over the shards (RX agent, workers)
            long rxBytes = c.rxBytes();
            long rxPackets = c.rxPackets();
            long rxDrops = c.rxDrops();
            long txBytes = c.txBytes();
            long txPackets = c.txPackets();
            long txDrops = c.txDrops();
            out.line("    RX:  bytes packets dropped");
            out.line(String.format("    %10d %7d %7d", rxBytes, rxPackets, rxDrops));
            out.line("    TX:  bytes packets dropped");
            out.line(String.format("    %10d %7d %7d", txBytes, txPackets, txDrops));
            row.put("stats64", Map.of(
                "rx", Map.of("bytes", rxBytes, "packets", rxPackets, "dropped", rxDrops),
                "tx", Map.of("bytes", txBytes, "packets", txPackets, "dropped", txDrops)));
        }
        return row;
    }
}
