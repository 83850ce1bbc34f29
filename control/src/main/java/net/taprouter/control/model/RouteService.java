package net.taprouter.control.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongConsumer;
import net.taprouter.control.command.CommandException;
import net.taprouter.control.command.Prefix;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.InterfaceAddress;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.wire.Ipv4Address;

/**
 * Keeps the dataplane's LPM table equal to the RIB: the main table (connected and static routes)
 * plus the local entries (the router's addresses and subnet broadcasts as /32s). Every change
 * registers its undo with the current {@link Transaction}. Control thread only.
 */
public final class RouteService {
    private final RouterState state;

    public RouteService(RouterState state) {
        this.state = state;
    }

    private RouteTable table() {
        return state.dataplane().routes();
    }

    private NextHops nextHops() {
        return state.dataplane().nextHops();
    }

    /** A reference to the next hop of a route: on-link (gateway 0) or via a gateway, on an interface. */
    private int acquire(int gateway, Interface port) {
        return nextHops().acquire(gateway == 0 ? NextHops.TYPE_CONNECTED : NextHops.TYPE_GATEWAY, port.index(), gateway);
    }

    /** Installs prefix → next hop in the LPM table; a full table is a clear error, nothing changed. */
    private void install(int network, int length, int nextHop, String command) {
        try {
            table().add(network, length, nextHop);
        } catch (IllegalStateException e) {
            nextHops().release(nextHop);
            throw new CommandException(command + ": " + e.getMessage());
        }
    }

    // ---- main table

    /** Adds a route; fails if the prefix exists (like "File exists"). */
    public void add(Prefix prefix, int gateway, Interface port, boolean kernel, int source, String command) {
        add(prefix.network(), prefix.length(), gateway, port, kernel, source, command);
    }

    /**
     * As {@link #add(Prefix, int, Interface, boolean, int, String)}, from the network and length: no object
     * is made for a route added (its undo is a value of one shared step).
     */
    public void add(int network, int length, int gateway, Interface port, boolean kernel, int source, String command) {
        long key = Rib.key(network, length);
        if (state.routes().contains(key)) {
            throw new CommandException(command + ": route " + new Prefix(network, length).toRouteString() + " exists");
        }
        if (length == 32 && state.localEntries().containsKey(network)) {
            throw new CommandException(command + ": " + Ipv4Address.format(network) + " is a local address of the router");
        }
        int nextHop = acquire(gateway, port);
        install(network, length, nextHop, command);
        state.routes().put(key, kernel, gateway, port, source, nextHop);
        state.transaction().onRollback(removeNow, key);
        if (state.changes().wants(ChangeEvents.Kind.ROUTE)) {
            state.changed(ChangeEvents.Kind.ROUTE, false, state.routes().get(key));
        }
    }

    /** Deletes a route; fails if there is none. */
    public void delete(Prefix prefix, String command) {
        Route route = state.route(prefix);
        if (route == null) {
            throw new CommandException(command + ": no route " + prefix.toRouteString());
        }
        remove(route);
    }

    /**
     * Replaces (or adds) a route in one step: packets never see the prefix missing. A static
     * route unless {@code kernel} (a connected route, as {@code addr add} makes: {@code proto kernel}).
     */
    public void replace(Prefix prefix, int gateway, Interface port, boolean kernel, int source, String command) {
        Route old = state.route(prefix);
        if (old == null) {
            add(prefix, gateway, port, kernel, source, command);
            return;
        }
        int nextHop = acquire(gateway, port);
        install(prefix.network(), prefix.length(), nextHop, command);
        Route route = new Route(prefix, kernel, gateway, port, source, nextHop);
        state.routes().put(route);
        if (state.changes().wants(ChangeEvents.Kind.ROUTE)) {
            state.changed(ChangeEvents.Kind.ROUTE, false, route);
        }
        // the old next hop stays referenced until the commit, so the undo only points back to it
        state.transaction().onCommit(() -> nextHops().release(old.nextHop()));
        state.transaction().onRollback(() -> {
            table().add(prefix.network(), prefix.length(), old.nextHop()); // the prefix is there: no new group
            nextHops().release(route.nextHop());
            state.routes().put(old);
        });
    }

    /** Removes a route (undoable: its next hop is released only at commit). */
    public void remove(Route route) {
        state.routes().remove(RouterState.key(route.prefix()));
        if (state.changes().wants(ChangeEvents.Kind.ROUTE)) {
            state.changed(ChangeEvents.Kind.ROUTE, true, route);
        }
        table().remove(route.prefix().network(), route.prefix().length());
        state.transaction().onCommit(() -> nextHops().release(route.nextHop()));
        state.transaction().onRollback(() -> {
            table().add(route.prefix().network(), route.prefix().length(), route.nextHop());
            state.routes().put(route);
        });
    }

    /** The undo of {@link #add}: removes the route with this key, if it is there, and frees its next hop. */
    private final LongConsumer removeNow = this::removeNow;

    private void removeNow(long key) {
        int nextHop = state.routes().nextHop(key);
        if (nextHop < 0) {
            return;
        }
        state.routes().remove(key);
        table().remove(Rib.network(key), Rib.length(key));
        nextHops().release(nextHop);
    }

    /** Removes every route through an interface (its link is going away). */
    public void removeRoutesVia(Interface port) {
        for (Route route : state.routes().routesVia(port)) {
            remove(route);
        }
    }

    /** Removes static routes whose gateway is no longer on a connected subnet of their port. */
    public void removeUnreachableGateways(Interface port) {
        for (Route route : state.routes().routesVia(port)) {
            if (route.gateway() != 0 && !port.isOnLink(route.gateway())) {
                remove(route);
            }
        }
    }

    /** The interface whose connected subnet holds {@code gateway} (longest match), or null. */
    public Interface portForGateway(int gateway) {
        Interface best = null;
        int bestLength = -1;
        for (Link link : state.links().values()) {
            for (InterfaceAddress a : link.iface().addresses()) {
                if (a.contains(gateway) && a.prefixLength() > bestLength) {
                    best = link.iface();
                    bestLength = a.prefixLength();
                }
            }
        }
        return best;
    }

    /** Longest-prefix match in the RIB (control path; the dataplane uses the LPM table). */
    public Route lookup(int address) {
        for (int length = 32; length >= 0; length--) {
            Route route = state.route(new Prefix(address & Ipv4Address.mask(length), length));
            if (route != null) {
                return route;
            }
        }
        return null;
    }

    // ---- local table

    /**
     * Makes the local entries what the addresses say, whatever order they came in (so that a
     * saved configuration reloads to the same table): a LOCAL /32 for every router address, and a
     * BROADCAST /32 for every subnet broadcast that is not itself a router address, on the first
     * interface (in link order) that has it. Call after any change of addresses or links. Undoable.
     */
    public void syncLocal(String command) {
        Map<Integer, long[]> desired = new LinkedHashMap<>();
        for (Link link : state.links().values()) {
            for (InterfaceAddress a : link.iface().addresses()) {
                desired.put(a.address(), new long[] {NextHops.TYPE_LOCAL, link.iface().index()});
            }
        }
        for (Link link : state.links().values()) {
            for (InterfaceAddress a : link.iface().addresses()) {
                int broadcast = a.broadcast();
                if (broadcast != 0) {
                    desired.putIfAbsent(broadcast, new long[] {NextHops.TYPE_BROADCAST, link.iface().index()});
                }
            }
        }
        for (Map.Entry<Integer, Integer> e : new ArrayList<>(state.localEntries().entrySet())) {
            long[] want = desired.get(e.getKey());
            int nextHop = e.getValue();
            if (want == null || want[0] != nextHops().type(nextHop) || want[1] != nextHops().iface(nextHop)) {
                removeLocalEntryUndoable(e.getKey());
            }
        }
        for (Map.Entry<Integer, long[]> e : desired.entrySet()) {
            if (!state.localEntries().containsKey(e.getKey())) {
                addLocalEntry(e.getKey(), (int) e.getValue()[0], (int) e.getValue()[1], command);
            }
        }
    }

    private void addLocalEntry(int address, int type, int ifaceIndex, String command) {
        if (state.route(new Prefix(address, 32)) != null) {
            throw new CommandException(command + ": a /32 route to " + Ipv4Address.format(address) + " exists");
        }
        int nextHop = nextHops().acquire(type, ifaceIndex, 0);
        install(address, 32, nextHop, command);
        state.localEntries().put(address, nextHop);
        state.transaction().onRollback(() -> removeLocalEntry(address));
    }

    private void removeLocalEntryUndoable(int address) {
        Integer nextHop = state.localEntries().remove(address);
        if (nextHop == null) {
            return;
        }
        table().remove(address, 32);
        state.transaction().onCommit(() -> nextHops().release(nextHop));
        state.transaction().onRollback(() -> {
            table().add(address, 32, nextHop);
            state.localEntries().put(address, nextHop);
        });
    }

    private void removeLocalEntry(int address) {
        Integer nextHop = state.localEntries().remove(address);
        if (nextHop != null) {
            table().remove(address, 32);
            nextHops().release(nextHop);
        }
    }

    /** Is {@code address} one of the router's own addresses? */
    public boolean isLocal(int address) {
        Integer nextHop = state.localEntries().get(address);
        return nextHop != null && nextHops().type(nextHop) == NextHops.TYPE_LOCAL;
    }

    public Map<Integer, Integer> localEntries() {
        return state.localEntries();
    }
}
