package net.taprouter.control.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.taprouter.control.command.CommandException;
import net.taprouter.dataplane.agent.Dataplane;
import net.taprouter.dataplane.agent.WorkerControl;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.l2.PortVlans;
import net.taprouter.dataplane.port.Port;

/**
 * Bridges and their ports, as the control thread changes them: a bridge is an L3 interface (no
 * port of its own) whose FDB each forwarding worker holds (made and bounded by worker commands);
 * a TAP link's port joins it ({@code link set P master BR}: the port's {@link Port#upper()} becomes
 * the bridge, the bridge's member list gets it) and leaves it ({@code nomaster}, {@code link del}:
 * back to its own interface, the bridge's FDB entries of the port go). Every change registers its
 * undo with the current {@link Transaction}; a leave's undo puts the FDB entries back.
 */
public final class BridgeService {
    private final RouterState state;

    public BridgeService(RouterState state) {
        this.state = state;
    }

    private Dataplane dataplane() {
        return state.dataplane();
    }

    private WorkerControl workers() {
        return state.dataplane().workers();
    }

    /** {@code link add NAME type bridge}: a bridge interface with an empty FDB on every worker. */
    public Link create(Interface bridge, Bridge settings) {
        String name = bridge.name();
        // the undo first: removeInterface never throws; once the removal finished the workers drop the FDB
        state.transaction().onRollback(() -> {
            state.links().remove(name);
            dataplane().removeInterface(bridge);
        });
        workers().createFdb(bridge.index(), settings.fdbMax(), settings.fdbPortLimit(), settings.ageingSeconds() * 1000L);
        dataplane().addInterface(bridge);
        Link link = Link.bridge(bridge, settings);
        state.links().put(name, link);
        return link;
    }

    /** The TAP links whose ports are members of {@code bridge}, in link order. */
    public List<Link> members(Interface bridge) {
        List<Link> members = new ArrayList<>();
        for (Link link : state.links().values()) {
            if (link.port() != null && link.port().upper() == bridge) {
                members.add(link);
            }
        }
        return members;
    }

    /**
     * {@code link set P master BR}: P's port joins the bridge (leaving its bridge first, if it has
     * another). Refused while P has addresses or routes: a bridge port has none (the bridge has them).
     */
    public void join(Link link, Link bridgeLink, String command) {
        Port port = link.port();
        Interface bridge = bridgeLink.iface();
        if (port == null) {
            throw new CommandException(command + ": " + link.name() + " is a bridge; only a port can have a master");
        }
        if (!bridge.isBridge()) {
            throw new CommandException(command + ": " + bridge.name() + " is not a bridge");
        }
        if (port.upper() == bridge) {
            return;
        }
        Interface own = link.iface();
        if (own.addresses().length > 0) {
            throw new CommandException(command + ": port " + link.name() + " has addresses (addr del them first: a bridge port has none)");
        }
        if (!state.routes().routesVia(own).isEmpty()) {
            throw new CommandException(command + ": routes go through port " + link.name() + " (route del them first)");
        }
        int natRule = state.nat().usingPort(link.name());
        if (natRule != 0) { // a bridge port routes nothing: the rule would name an interface no traffic leaves through
            throw new CommandException(command + ": port " + link.name() + " is used by NAT rule " + natRule + " (nat del "
                + natRule + " first)");
        }
        if (own.vlanUppers().length > 0) {
            throw new CommandException(command + ": port " + link.name() + " has VLAN sub-interfaces (link del "
                + own.vlanUppers()[0].name() + " first: a bridge port's frames are the bridge's)");
        }
        if (link.master() != null) {
            leave(link);
        }
        port.counters().enableBridge();
        Port[] before = bridge.members();
        Port[] after = Arrays.copyOf(before, before.length + 1);
        after[before.length] = port;
        PortVlans vlansBefore = port.vlans();
        port.vlans(PortVlans.DEFAULT); // as a Linux bridge: a new port has VLAN 1 pvid untagged
        bridge.members(after);
        port.upper(bridge);
        state.transaction().onRollback(() -> {
            port.upper(own);
            bridge.members(before);
            port.vlans(vlansBefore);
        });
    }

    /** {@code link set P nomaster} (nothing if P is no bridge port): back to its own interface; its FDB entries go. */
    public void leave(Link link) {
        Port port = link.port();
        Interface bridge = link.master();
        if (bridge == null) {
            return;
        }
        Interface own = link.iface();
        Port[] before = bridge.members();
        List<Port> rest = new ArrayList<>(Arrays.asList(before));
        rest.remove(port);
        bridge.members(rest.toArray(new Port[0]));
        port.upper(own);
        PortVlans vlansBefore = port.vlans();
        port.vlans(PortVlans.DEFAULT); // its bridge VLANs go with it
        state.transaction().onRollback(() -> {
            bridge.members(before);
            port.upper(bridge);
            port.vlans(vlansBefore);
        });
        WorkerControl.FdbChange removed = workers().flushFdb(bridge.index(), port.index(), true);
        state.transaction().onRollback(() -> workers().restoreFdb(removed));
    }

    /** {@code link set BR ageing SECONDS}. */
    public void ageing(Link bridgeLink, int seconds) {
        Bridge settings = bridgeLink.bridge();
        int before = settings.ageingSeconds();
        if (before == seconds) {
            return;
        }
        int index = bridgeLink.iface().index();
        workers().fdbAgeing(index, seconds * 1000L);
        settings.ageingSeconds(seconds);
        state.transaction().onRollback(() -> {
            workers().fdbAgeing(index, before * 1000L);
            settings.ageingSeconds(before);
        });
    }

    /**
     * {@code link set BR vlan_filtering 0|1}. Off is refused while the bridge has VLAN
     * sub-interfaces (their frames are told apart by VLAN only with filtering on). Learned FDB
     * entries stay: those of the other mode are in another VLAN of the key and age out.
     */
    public void vlanFiltering(Link bridgeLink, boolean on, String command) {
        Bridge settings = bridgeLink.bridge();
        Interface bridge = bridgeLink.iface();
        if (settings.vlanFiltering() == on) {
            return;
        }
        if (!on && bridge.vlanUppers().length > 0) {
            throw new CommandException(command + ": bridge " + bridge.name() + " has VLAN sub-interfaces (link del "
                + bridge.vlanUppers()[0].name() + " first)");
        }
        settings.vlanFiltering(on);
        bridge.vlanFiltering(on);
        state.transaction().onRollback(() -> {
            settings.vlanFiltering(!on);
            bridge.vlanFiltering(!on);
        });
    }

    /**
     * {@code bridge vlan add|del}: the port's VLANs become {@code vlans} (published with one store,
     * the old ones put back if the request fails).
     */
    public void portVlans(Link portLink, PortVlans vlans) {
        Port port = portLink.port();
        PortVlans before = port.vlans();
        port.vlans(vlans);
        state.transaction().onRollback(() -> port.vlans(before));
    }

    /** {@code bridge vlan del}: the port's learned FDB entries in VLANs first..last go (put back if the request fails). */
    public void flushVlans(Link portLink, int first, int last) {
        Interface bridge = portLink.master();
        WorkerControl.FdbChange removed = workers().flushFdbVlans(bridge.index(), portLink.port().index(), first, last);
        state.transaction().onRollback(() -> workers().restoreFdb(removed));
    }

    /** {@code link set BR fdb_max N | fdb_port_limit N}: the FDB's bounds (its entries kept as they fit). */
    public void bounds(Link bridgeLink, int max, int portLimit, String command) {
        Bridge settings = bridgeLink.bridge();
        int maxBefore = settings.fdbMax();
        int limitBefore = settings.fdbPortLimit();
        if (max == maxBefore && portLimit == limitBefore) {
            return;
        }
        int index = bridgeLink.iface().index();
        try {
            workers().resizeFdb(index, max, portLimit);
        } catch (IllegalStateException e) {
            throw new CommandException(command + ": " + e.getMessage());
        }
        settings.fdbMax(max);
        settings.fdbPortLimit(portLimit);
        state.transaction().onRollback(() -> {
            workers().resizeFdb(index, maxBefore, limitBefore);
            settings.fdbMax(maxBefore);
            settings.fdbPortLimit(limitBefore);
        });
    }
}
