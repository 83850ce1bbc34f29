package net.taprouter.control.command;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import net.taprouter.control.model.AddressService;
import net.taprouter.control.model.Bridge;
import net.taprouter.control.model.BridgeService;
import net.taprouter.control.model.ChangeEvents;
import net.taprouter.control.model.Link;
import net.taprouter.control.model.RouteService;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.agent.Dataplane;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.l2.PortVlans;
import net.taprouter.dataplane.port.AbsentDevice;
import net.taprouter.dataplane.port.FrameIo;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.tap.NetworkNamespace;
import net.taprouter.dataplane.tap.TapDevice;
import net.taprouter.dataplane.wire.MacAddress;

/**
 * {@code link add|set|del|show}: router links. A TAP link is an L2 {@link Port} (its TAP, counters,
 * state) and its own L3 {@link Interface} (MAC, MTU, addresses), made and removed together. A
 * bridge is an L3 interface over the ports that name it as master ({@link BridgeService}). A VLAN
 * sub-interface ({@code type vlan}) is an L3 interface over the frames of its parent (a TAP link's
 * port, or a VLAN-filtering bridge) tagged with its VLAN id.
 */
public final class LinkCommands implements CommandGroup {
    static final int DEFAULT_MTU = 1500;
    static final int MIN_MTU = 68;
    /** The most queues a TAP link may have ({@code link add ... queues N}). */
    static final int MAX_QUEUES = 64;

    private final RouterState state;
    private final RouteService routes;
    private final AddressService addresses;
    private final BridgeService bridges;

    public LinkCommands(RouterState state, RouteService routes, AddressService addresses) {
        this.state = state;
        this.routes = routes;
        this.addresses = addresses;
        this.bridges = new BridgeService(state);
    }

    @Override
    public String object() {
        return "link";
    }

    @Override
    public String help() {
        return String.join("\n",
            "link add NAME type tap ifname IFNAME [netns NS] [attach] [address MAC] [mtu N] [offload on|off] [queues N]",
            "link add NAME type bridge [address MAC] [mtu N] [ageing SECONDS] [fdb_max N] [fdb_port_limit N] [vlan_filtering 0|1]",
            "link add NAME link PARENT type vlan id VID [address MAC] [mtu N]     # an 802.1Q sub-interface (NAME@PARENT)",
            "link set NAME { up | down | address MAC | mtu N | master BRIDGE | nomaster } ...",
            "link set BRIDGE { ageing SECONDS | fdb_max N | fdb_port_limit N | vlan_filtering 0|1 } ...",
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
        Link parent = null;
        String word = args.next("\"type\"");
        if (word.equals("link")) {
            parent = state.link(args);
            word = args.next("\"type\"");
        }
        if (!word.equals("type")) {
            throw args.error("expected \"type\", got \"" + word + "\"");
        }
        String type = args.next("link type");
        if (type.equals("vlan")) {
            addVlan(args, name, parent);
            return;
        }
        if (parent != null) {
            throw args.error("\"link PARENT\" is for type vlan only");
        }
        if (type.equals("bridge")) {
            addBridge(args, name);
            return;
        }
        if (!type.equals("tap")) {
            throw args.error("unknown link type \"" + type + "\" (tap, bridge, vlan)");
        }
        String ifname = null;
        String netns = null;
        boolean attach = false;
        Long mac = null;
        int mtu = DEFAULT_MTU;
        boolean offload = true;
        int queues = 1;
        while (args.hasNext()) {
            String option = args.next("option");
            switch (option) {
                case "queues" -> queues = args.integer("queues", 1, MAX_QUEUES);
                case "ifname" -> ifname = args.next("interface name");
                case "netns" -> netns = args.next("namespace name");
                case "attach" -> attach = true;
                case "address" -> mac = args.mac();
                case "mtu" -> mtu = args.integer("mtu", MIN_MTU, state.dataplane().maxMtu());
                case "offload" -> offload = onOff(args, "offload");
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
            if (ifname.equals(link.ifname()) && java.util.Objects.equals(link.netns(), netns)) {
                throw args.error("TAP \"" + ifname + "\" is already port \"" + link.name() + "\"");
            }
        }
        Dataplane dataplane = state.dataplane();
        int index = dataplane.ports().freeIndex();
        if (index < 0) {
            throw args.error("too many ports (at most " + PortTable.MAX_PORTS + ")");
        }
        int ifaceIndex = dataplane.interfaces().freeIndex();
        if (ifaceIndex < 0) {
            throw args.error("too many interfaces (at most " + InterfaceTable.MAX_INTERFACES + ")");
        }
        FrameIo[] tap;
        boolean absent = false;
        try {
            tap = dataplane.openTap(ifname, netns, attach, offload, queues);
        } catch (IOException | RuntimeException e) {
            if (!state.startingUp() || netns == null || NetworkNamespace.exists(netns)) {
                throw args.error(e.getMessage());
            }
            // at start-up a missing namespace must not block the whole router
            tap = new FrameIo[] {new AbsentDevice(ifname, e.getMessage())};
            absent = true;
            System.err.println("routerd: port " + name + " down: " + e.getMessage()
                + " (routerctl link set " + name + " up once it exists)");
        }
        PortCounters counters;
        try {
            counters = new PortCounters(dataplane.counterFile(), name);
        } catch (RuntimeException e) {
            for (FrameIo queue : tap) {
                queue.close();
            }
            throw args.error("no room for the port's counters: " + e.getMessage());
        }
        Port port = new Port(index, name, tap, queues, counters);
        if (absent) {
            port.markCarrierLost();
        }
        Interface iface = Interface.forPort(ifaceIndex, port, mac != null ? mac : defaultMac(name), mtu);
        // the undo first: if addPort fails half-way (epoll), the rollback still closes the TAP,
        // frees the counters and the indices (removePort/removeInterface never throw and touch only these)
        state.transaction().onRollback(() -> {
            state.links().remove(name);
            dataplane.removePort(port);
            dataplane.removeInterface(iface);
        });
        dataplane.addInterface(iface);
        dataplane.addPort(port);
        state.transaction().onCommit(() -> dataplane.startReading(port));
        state.links().put(name, new Link(iface, port, ifname, netns, attach, offload, queues));
        changed(state.link(name), false);
    }

    /** {@code link add NAME type bridge ...}: the bridge interface; its FDB on every worker. */
    private void addBridge(Args args, String name) {
        Long mac = null;
        int mtu = DEFAULT_MTU;
        Bridge settings = new Bridge();
        while (args.hasNext()) {
            String option = args.next("option");
            switch (option) {
                case "address" -> mac = args.mac();
                case "mtu" -> mtu = args.integer("mtu", MIN_MTU, state.dataplane().maxMtu());
                case "ageing", "ageing_time" -> settings.ageingSeconds(args.integer("ageing", 0, Bridge.MAX_AGEING_SECONDS));
                case "fdb_max" -> settings.fdbMax(args.integer("fdb_max", 1, Bridge.MAX_FDB));
                case "fdb_port_limit" -> settings.fdbPortLimit(args.integer("fdb_port_limit", 1, Bridge.MAX_FDB));
                case "vlan_filtering" -> settings.vlanFiltering(args.integer("vlan_filtering", 0, 1) == 1);
                default -> throw args.error("unknown option \"" + option + "\"");
            }
        }
        if (state.link(name) != null) {
            throw args.error("port \"" + name + "\" exists");
        }
        int index = state.dataplane().interfaces().freeIndex();
        if (index < 0) {
            throw args.error("too many interfaces (at most " + InterfaceTable.MAX_INTERFACES + ")");
        }
        Interface bridge = Interface.bridge(index, name, mac != null ? mac : defaultMac(name), mtu);
        bridge.vlanFiltering(settings.vlanFiltering());
        bridges.create(bridge, settings);
        changed(state.link(name), false);
    }

    /**
     * {@code link add NAME link PARENT type vlan id VID [address MAC] [mtu N]}: an L3 interface
     * over PARENT's frames tagged VID (PARENT: a TAP link that is no bridge port, or a
     * VLAN-filtering bridge, whose pvid VLAN is its own). MAC and MTU default to PARENT's, as
     * Linux's. It joins PARENT's sub-interfaces last, once everything else is in place.
     */
    private void addVlan(Args args, String name, Link parent) {
        Integer vid = null;
        Long mac = null;
        Integer mtu = null;
        while (args.hasNext()) {
            String option = args.next("option");
            switch (option) {
                case "id" -> vid = args.integer("VLAN id", PortVlans.MIN_VID, PortVlans.MAX_VID);
                case "link" -> {
                    if (parent != null) {
                        throw args.error("\"link\" given twice");
                    }
                    parent = state.link(args);
                }
                case "address" -> mac = args.mac();
                case "mtu" -> mtu = args.integer("mtu", MIN_MTU, state.dataplane().maxMtu());
                case "protocol" -> {
                    String protocol = args.next("protocol");
                    if (!protocol.equalsIgnoreCase("802.1Q")) {
                        throw args.error("protocol \"" + protocol + "\" not supported (802.1Q)");
                    }
                }
                default -> throw args.error("unknown option \"" + option + "\"");
            }
        }
        if (parent == null) {
            throw args.error("missing \"link PARENT\"");
        }
        if (vid == null) {
            throw args.error("missing \"id VID\"");
        }
        if (state.link(name) != null) {
            throw args.error("port \"" + name + "\" exists");
        }
        Interface lower = parent.iface();
        if (parent.isVlan()) {
            throw args.error("\"" + parent.name() + "\" is a VLAN interface (one tag only: 802.1ad is not supported)");
        }
        if (parent.master() != null) {
            throw args.error("\"" + parent.name() + "\" is a port of bridge " + parent.master().name()
                + " (its frames are the bridge's: link add ... link " + parent.master().name() + ")");
        }
        if (parent.isBridge() && !lower.vlanFiltering()) {
            throw args.error("bridge " + parent.name() + " does not filter VLANs (link set " + parent.name() + " vlan_filtering 1 first)");
        }
        if (parent.isBridge() && vid == lower.txVlan()) {
            throw args.error("VLAN " + vid + " is bridge " + parent.name() + "'s own (its pvid): its address goes on "
                + parent.name());
        }
        Interface existing = lower.vlanUpper(vid);
        if (existing != null) {
            throw args.error("VLAN " + vid + " of " + parent.name() + " exists (" + existing.name() + ")");
        }
        Dataplane dataplane = state.dataplane();
        int index = dataplane.interfaces().freeIndex();
        if (index < 0) {
            throw args.error("too many interfaces (at most " + InterfaceTable.MAX_INTERFACES + ")");
        }
        Interface iface = Interface.vlan(index, name, lower, vid, mac != null ? mac : lower.mac(), mtu != null ? mtu : lower.mtu());
        Interface[] before = lower.vlanUppers();
        state.transaction().onRollback(() -> {
            lower.vlanUppers(before);
            state.links().remove(name);
            dataplane.removeInterface(iface);
        });
        dataplane.addInterface(iface);
        state.links().put(name, Link.vlan(iface));
        Interface[] after = Arrays.copyOf(before, before.length + 1);
        after[before.length] = iface;
        lower.vlanUppers(after);
        changed(state.link(name), false);
    }

    private static boolean onOff(Args args, String what) {
        String value = args.next(what + " on|off");
        return switch (value) {
            case "on" -> true;
            case "off" -> false;
            default -> throw args.error("bad " + what + " \"" + value + "\" (on or off)");
        };
    }

    /**
     * What {@code link show} says of a port's offloads: "off" (asked off), the TUN_F offloads the
     * kernel accepted ("csum tso4 tso6 uso4 uso6"), or "none" (asked on, nothing accepted or no TAP).
     */
    static String offloads(Link link) {
        if (!link.offload()) {
            return "off";
        }
        String accepted = TapDevice.describeOffloads(link.port().tap().offloads());
        return accepted.isEmpty() ? "none" : accepted;
    }

    private void set(Args args) {
        Link link = state.link(args);
        Interface iface = link.iface();
        Port port = link.port();
        Boolean up = null;
        Long mac = null;
        Integer mtu = null;
        Link master = null;
        boolean nomaster = false;
        Integer ageing = null;
        Integer fdbMax = null;
        Integer fdbPortLimit = null;
        Boolean vlanFiltering = null;
        if (!args.hasNext()) {
            throw args.error("missing what to set (up, down, address MAC, mtu N, master BRIDGE, nomaster)");
        }
        while (args.hasNext()) {
            String option = args.next("option");
            switch (option) {
                case "up" -> up = true;
                case "down" -> up = false;
                case "address" -> mac = args.mac();
                case "mtu" -> mtu = args.integer("mtu", MIN_MTU, state.dataplane().maxMtu());
                case "master" -> {
                    master = state.link(args);
                    if (!master.isBridge()) {
                        throw args.error("\"" + master.name() + "\" is not a bridge");
                    }
                }
                case "nomaster" -> nomaster = true;
                case "ageing", "ageing_time" -> ageing = args.integer("ageing", 0, Bridge.MAX_AGEING_SECONDS);
                case "fdb_max" -> fdbMax = args.integer("fdb_max", 1, Bridge.MAX_FDB);
                case "fdb_port_limit" -> fdbPortLimit = args.integer("fdb_port_limit", 1, Bridge.MAX_FDB);
                case "vlan_filtering" -> vlanFiltering = args.integer("vlan_filtering", 0, 1) == 1;
                default -> throw args.error("unknown option \"" + option + "\"");
            }
        }
        if ((master != null || nomaster) && link.isBridge()) {
            throw args.error(link.name() + " is a bridge: only a port can have a master");
        }
        if ((master != null || nomaster) && link.isVlan()) {
            throw args.error(link.name() + " is a VLAN interface: only a port can have a master");
        }
        if ((ageing != null || fdbMax != null || fdbPortLimit != null || vlanFiltering != null) && !link.isBridge()) {
            throw args.error(link.name() + " is not a bridge (ageing, fdb_max, fdb_port_limit and vlan_filtering are a bridge's)");
        }
        if (nomaster) {
            bridges.leave(link);
        }
        if (master != null) {
            bridges.join(link, master, args.command());
        }
        if (ageing != null) {
            bridges.ageing(link, ageing);
        }
        if (vlanFiltering != null) {
            bridges.vlanFiltering(link, vlanFiltering, args.command());
        }
        if (fdbMax != null || fdbPortLimit != null) {
            Bridge settings = link.bridge();
            bridges.bounds(link, fdbMax != null ? fdbMax : settings.fdbMax(),
                fdbPortLimit != null ? fdbPortLimit : settings.fdbPortLimit(), args.command());
        }
        if (up != null && port == null) { // a bridge or a VLAN interface: its own admin state, no TAP
            boolean before = iface.adminUp();
            iface.adminUp(up);
            state.transaction().onRollback(() -> iface.adminUp(before));
        } else if (up != null) {
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
            int before = iface.mtu();
            iface.mtu(mtu);
            state.transaction().onRollback(() -> iface.mtu(before));
        }
        if (mac != null && mac != iface.mac()) {
            long before = iface.mac();
            setMac(iface, mac);
            state.transaction().onRollback(() -> setMac(iface, before));
        }
        changed(link, false);
    }

    /**
     * Tells {@code monitor link} (when someone watches) what the link looks like now, as {@code link
     * show} would print it: the text and the JSON row are made here, so a later change does not
     * rewrite an earlier line.
     */
    private void changed(Link link, boolean deleted) {
        if (state.changes().wants(ChangeEvents.Kind.LINK)) {
            Output text = new Output(false);
            describe(link, text, false);
            Map<String, Object> row = describe(link, new Output(true), false);
            state.changed(ChangeEvents.Kind.LINK, deleted, new LinkSnapshot(text.render().stripTrailing(), row));
        }
    }

    /** A link as {@code link show} printed it when it changed ({@code monitor link}). */
    record LinkSnapshot(String text, Map<String, Object> row) {
    }

    /**
     * A lost port (its namespace or TAP vanished, or was missing at start) gets its TAP again:
     * re-created in its namespace, or re-opened with {@code attach}. Fails with a one-line error
     * while the namespace or the persistent TAP is still missing.
     */
    private void revive(Args args, Link link) {
        FrameIo[] device;
        try {
            device = state.dataplane().openTap(link.ifname(), link.netns(), link.attach(), link.offload(), link.queues());
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

    /** A new interface MAC; the neighbour entries stay (permanent ones too), their prebuilt headers follow. */
    private void setMac(Interface iface, long mac) {
        iface.mac(mac);
        state.dataplane().workers().interfaceMacChanged(iface.index(), mac);
    }

    /**
     * Takes the link out of service now (port and interface unpublished, its routes and addresses
     * gone) and closes it at commit. Until then everything that can come back stays: the TAP, the
     * port's and the interface's indices (reserved: a {@code link add} in the same request gets
     * others), its neighbour entries (permanent ones included) and its place in the link order.
     */
    private void delete(Args args) {
        Link link = state.link(args);
        args.end();
        List<Link> uppers = new ArrayList<>();
        for (Interface upper : link.iface().vlanUppers()) {
            uppers.add(state.link(upper.name()));
        }
        uppers.add(link);
        for (Link gone : uppers) {
            int natRule = state.nat().usingPort(gone.name());
            if (natRule != 0) {
                throw args.error("port " + gone.name() + " is used by NAT rule " + natRule + " (nat del " + natRule + " first)");
            }
        }
        for (Link upper : uppers.subList(0, uppers.size() - 1)) {
            deleteVlan(upper); // as Linux: a link's VLAN sub-interfaces go with it
        }
        if (link.isVlan()) {
            deleteVlan(link);
            return;
        }
        if (link.isBridge()) {
            deleteBridge(link);
            return;
        }
        Interface iface = link.iface();
        Port port = link.port();
        bridges.leave(link);
        routes.removeRoutesVia(iface);
        addresses.removeAll(iface);
        Dataplane dataplane = state.dataplane();
        Map<String, Link> order = new LinkedHashMap<>(state.links());
        state.links().remove(link.name());
        changed(link, true);
        dataplane.ports().unpublish(port);
        dataplane.interfaces().unpublish(iface);
        state.transaction().onRollback(() -> {
            dataplane.interfaces().put(iface);
            dataplane.ports().put(port);
            state.links().clear();
            state.links().putAll(order);
        });
        state.transaction().onCommit(() -> {
            dataplane.removePort(port);
            dataplane.removeInterface(iface);
        });
    }

    /**
     * {@code link del NAME} of a VLAN sub-interface: its routes and addresses go, it leaves its
     * parent's sub-interfaces and is unpublished now, removed at commit (its neighbours dropped by
     * the workers once no packet can hold it).
     */
    private void deleteVlan(Link link) {
        Interface iface = link.iface();
        Interface parent = iface.parent();
        routes.removeRoutesVia(iface);
        addresses.removeAll(iface);
        Dataplane dataplane = state.dataplane();
        Map<String, Link> order = new LinkedHashMap<>(state.links());
        state.links().remove(link.name());
        changed(link, true);
        Interface[] before = parent.vlanUppers();
        List<Interface> rest = new ArrayList<>(Arrays.asList(before));
        rest.remove(iface);
        parent.vlanUppers(rest.toArray(new Interface[0]));
        dataplane.interfaces().unpublish(iface);
        state.transaction().onRollback(() -> {
            dataplane.interfaces().put(iface);
            parent.vlanUppers(before);
            state.links().clear();
            state.links().putAll(order);
        });
        state.transaction().onCommit(() -> dataplane.removeInterface(iface));
    }

    /**
     * {@code link del BRIDGE}: its ports leave it (they stay, as ports of their own), its routes
     * and addresses go, the interface is unpublished now and removed at commit (its neighbours
     * and FDB dropped by the workers once no packet can hold it).
     */
    private void deleteBridge(Link link) {
        Interface bridge = link.iface();
        for (Link member : bridges.members(bridge)) {
            bridges.leave(member);
        }
        routes.removeRoutesVia(bridge);
        addresses.removeAll(bridge);
        Dataplane dataplane = state.dataplane();
        Map<String, Link> order = new LinkedHashMap<>(state.links());
        state.links().remove(link.name());
        changed(link, true);
        dataplane.interfaces().unpublish(bridge);
        state.transaction().onRollback(() -> {
            dataplane.interfaces().put(bridge);
            state.links().clear();
            state.links().putAll(order);
        });
        state.transaction().onCommit(() -> dataplane.removeInterface(bridge));
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
        if (link.isBridge()) {
            return describeBridge(link, out);
        }
        if (link.isVlan()) {
            return describeVlan(link, out);
        }
        Interface iface = link.iface();
        Port port = link.port();
        Interface master = link.master();
        String flags = port.isUp() ? "<BROADCAST,MULTICAST,UP,LOWER_UP>" : port.adminUp() ? "<BROADCAST,MULTICAST,UP>" : "<BROADCAST,MULTICAST>";
        String operState = port.isUp() ? "UP" : port.carrierLost() ? "LOWERLAYERDOWN" : "DOWN";
        Map<String, Object> row = out.row((iface.index() + 1) + ": " + iface.name() + ": " + flags + " mtu " + iface.mtu()
            + (master != null ? " master " + master.name() : "") + " state " + operState);
        out.line("    link/ether " + MacAddress.format(iface.mac()) + " brd ff:ff:ff:ff:ff:ff");
        String offloads = offloads(link);
        out.line("    tap ifname " + link.ifname() + (link.netns() != null ? " netns " + link.netns() : "") + (link.attach() ? " attach" : "")
            + " offload " + offloads + " queues " + link.queues());
        row.put("ifindex", iface.index() + 1);
        row.put("ifname", iface.name());
        List<String> flagList = new ArrayList<>(List.of("BROADCAST", "MULTICAST"));
        if (port.adminUp()) {
            flagList.add("UP");
        }
        if (port.isUp()) {
            flagList.add("LOWER_UP");
        }
        row.put("flags", flagList);
        row.put("mtu", iface.mtu());
        if (master != null) {
            row.put("master", master.name());
        }
        row.put("operstate", operState);
        row.put("link_type", "ether");
        row.put("address", MacAddress.format(iface.mac()));
        row.put("broadcast", "ff:ff:ff:ff:ff:ff");
        row.put("kind", "tap");
        row.put("tap_ifname", link.ifname());
        if (link.netns() != null) {
            row.put("netns", link.netns());
        }
        row.put("attach", link.attach());
        row.put("offload", link.offload());
        row.put("queues", link.queues());
        row.put("offloads", link.offload() && !offloads.equals("none") ? List.of(offloads.split(" ")) : List.of());
        if (stats) {
            PortCounters c = port.counters(); // each sum over the shards (RX agent, workers)
            long rxBytes = c.rxBytes();
            long rxPackets = c.rxPackets();
            long rxErrors = c.rxErrors();
            long rxDropped = c.rxDrops() - rxErrors; // ip -s link: errors apart from drops
            long txBytes = c.txBytes();
            long txPackets = c.txPackets();
            long txErrors = c.txErrors();
            long txDropped = c.txDrops() - txErrors;
            out.line("    RX:  bytes packets errors dropped");
            out.line(String.format("    %10d %7d %6d %7d", rxBytes, rxPackets, rxErrors, rxDropped));
            out.line("    TX:  bytes packets errors dropped");
            out.line(String.format("    %10d %7d %6d %7d", txBytes, txPackets, txErrors, txDropped));
            row.put("stats64", Map.of(
                "rx", Map.of("bytes", rxBytes, "packets", rxPackets, "errors", rxErrors, "dropped", rxDropped),
                "tx", Map.of("bytes", txBytes, "packets", txPackets, "errors", txErrors, "dropped", txDropped)));
        }
        return row;
    }

    /** A bridge in ip-link style, with its FDB settings as {@code link add} takes them. */
    private static Map<String, Object> describeBridge(Link link, Output out) {
        Interface bridge = link.iface();
        boolean carrier = false;
        for (Port member : bridge.members()) {
            carrier |= member.isUp();
        }
        boolean up = bridge.adminUp();
        String flags = !up ? "<BROADCAST,MULTICAST>" : carrier ? "<BROADCAST,MULTICAST,UP,LOWER_UP>" : "<NO-CARRIER,BROADCAST,MULTICAST,UP>";
        String operState = up && carrier ? "UP" : "DOWN";
        Bridge settings = link.bridge();
        Map<String, Object> row = out.row((bridge.index() + 1) + ": " + bridge.name() + ": " + flags + " mtu " + bridge.mtu()
            + " state " + operState);
        out.line("    link/ether " + MacAddress.format(bridge.mac()) + " brd ff:ff:ff:ff:ff:ff");
        out.line("    bridge ageing " + settings.ageingSeconds() + " fdb_max " + settings.fdbMax()
            + " fdb_port_limit " + settings.fdbPortLimit() + (settings.vlanFiltering() ? " vlan_filtering 1" : ""));
        row.put("ifindex", bridge.index() + 1);
        row.put("ifname", bridge.name());
        List<String> flagList = new ArrayList<>();
        if (up && !carrier) {
            flagList.add("NO-CARRIER");
        }
        flagList.addAll(List.of("BROADCAST", "MULTICAST"));
        if (up) {
            flagList.add("UP");
        }
        if (up && carrier) {
            flagList.add("LOWER_UP");
        }
        row.put("flags", flagList);
        row.put("mtu", bridge.mtu());
        row.put("operstate", operState);
        row.put("link_type", "ether");
        row.put("address", MacAddress.format(bridge.mac()));
        row.put("broadcast", "ff:ff:ff:ff:ff:ff");
        row.put("kind", "bridge");
        row.put("ageing", settings.ageingSeconds());
        row.put("fdb_max", settings.fdbMax());
        row.put("fdb_port_limit", settings.fdbPortLimit());
        row.put("vlan_filtering", settings.vlanFiltering() ? 1 : 0);
        return row;
    }

    /** A VLAN sub-interface as ip-link shows one: {@code NAME@PARENT}, then its protocol and id. */
    private static Map<String, Object> describeVlan(Link link, Output out) {
        Interface iface = link.iface();
        Interface parent = iface.parent();
        boolean up = iface.adminUp();
        boolean lower = parent.isUp();
        String flags = !up ? "<BROADCAST,MULTICAST>" : lower ? "<BROADCAST,MULTICAST,UP,LOWER_UP>" : "<BROADCAST,MULTICAST,UP>";
        String operState = up && lower ? "UP" : up ? "LOWERLAYERDOWN" : "DOWN";
        Map<String, Object> row = out.row((iface.index() + 1) + ": " + iface.name() + "@" + parent.name() + ": " + flags
            + " mtu " + iface.mtu() + " state " + operState);
        out.line("    link/ether " + MacAddress.format(iface.mac()) + " brd ff:ff:ff:ff:ff:ff");
        out.line("    vlan protocol 802.1Q id " + iface.vid());
        row.put("ifindex", iface.index() + 1);
        row.put("ifname", iface.name());
        row.put("link", parent.name());
        List<String> flagList = new ArrayList<>(List.of("BROADCAST", "MULTICAST"));
        if (up) {
            flagList.add("UP");
        }
        if (up && lower) {
            flagList.add("LOWER_UP");
        }
        row.put("flags", flagList);
        row.put("mtu", iface.mtu());
        row.put("operstate", operState);
        row.put("link_type", "ether");
        row.put("address", MacAddress.format(iface.mac()));
        row.put("broadcast", "ff:ff:ff:ff:ff:ff");
        row.put("kind", "vlan");
        row.put("protocol", "802.1Q");
        row.put("id", iface.vid());
        return row;
    }
}
