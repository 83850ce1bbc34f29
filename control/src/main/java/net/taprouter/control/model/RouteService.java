package net.taprouter.control.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.taprouter.control.command.CommandException;
import net.taprouter.control.command.Prefix;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.port.InterfaceAddress;
import net.taprouter.dataplane.port.Port;
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

    /** A reference to the next hop of a route: on-link (gateway 0) or via a gateway, on a port. */
    private int acquire(int gateway, Port port) {
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
    public Route add(Prefix prefix, int gateway, Port port, boolean kernel, int source, String command) {
        if (state.route(prefix) != null) {
            throw new CommandException(command + ": route " + prefix.toRouteString() + " exists");
        }
        if (prefix.length() == 32 && state.localEntries().containsKey(prefix.network())) {
            throw new CommandException(command + ": " + Ipv4Address.format(prefix.network()) + " is a local address of the router");
        }
        int nextHop = acquire(gateway, port);
        install(prefix.network(), prefix.length(), nextHop, command);
        Route route = new Route(prefix, kernel, gateway, port, source, nextHop);
        state.routes().put(RouterState.key(prefix), route);
        state.transaction().onRollback(() -> removeNow(route));
        return route;
    }

    /** Deletes a route; fails if there is none. */
    public void delete(Prefix prefix, String command) {
        Route route = state.route(prefix);
        if (route == null) {
            throw new CommandException(command + ": no route " + prefix.toRouteString());
        }
        remove(route);
    }

    /** Replaces (or adds) a static route in one step: packets never see the prefix missing. */
    public void replace(Prefix prefix, int gateway, Port port, String command) {
        Route old = state.route(prefix);
        if (old == null) {
            add(prefix, gateway, port, false, 0, command);
            return;
        }
        int nextHop = acquire(gateway, port);
        install(prefix.network(), prefix.length(), nextHop, command);
        nextHops().release(old.nextHop());
        Route route = new Route(prefix, false, gateway, port, 0, nextHop);
        state.routes().put(RouterState.key(prefix), route);
        state.transaction().onRollback(() -> {
            int back = acquire(old.gateway(), old.port());
            table().add(prefix.network(), prefix.length(), back);
            nextHops().release(route.nextHop());
            state.routes().put(RouterState.key(prefix), new Route(prefix, old.kernel(), old.gateway(), old.port(), old.source(), back));
        });
    }

    /** Removes a route (undoable). */
    public void remove(Route route) {
        removeNow(route);
        state.transaction().onRollback(() -> {
            int nextHop = acquire(route.gateway(), route.port());
            table().add(route.prefix().network(), route.prefix().length(), nextHop);
            state.routes().put(RouterState.key(route.prefix()),
                new Route(route.prefix(), route.kernel(), route.gateway(), route.port(), route.source(), nextHop));
        });
    }

    private void removeNow(Route route) {
        Route current = state.routes().remove(RouterState.key(route.prefix()));
        if (current == null) {
            return;
        }
        table().remove(current.prefix().network(), current.prefix().length());
        nextHops().release(current.nextHop());
    }

    /** Removes every route through a port (its link is going away). */
    public void removeRoutesVia(Port port) {
        for (Route route : new ArrayList<>(state.routeList())) {
            if (route.port() == port) {
                remove(route);
            }
        }
    }

    /** Removes static routes whose gateway is no longer on a connected subnet of their port. */
    public void removeUnreachableGateways(Port port) {
        for (Route route : new ArrayList<>(state.routeList())) {
            if (route.port() == port && route.gateway() != 0 && !port.isOnLink(route.gateway())) {
                remove(route);
            }
        }
    }

    /** The port whose connected subnet holds {@code gateway} (longest match), or null. */
    public Port portForGateway(int gateway) {
        Port best = null;
        int bestLength = -1;
        for (Link link : state.links().values()) {
            for (InterfaceAddress a : link.port().addresses()) {
                if (a.contains(gateway) && a.prefixLength() > bestLength) {
                    best = link.port();
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

    /** Adds the /32 entries for a new interface address: the address itself and the broadcast. */
    public void addLocal(Port port, InterfaceAddress address, String command) {
        addLocalEntry(address.address(), NextHops.TYPE_LOCAL, port, command);
        int broadcast = address.broadcast();
        if (broadcast != 0 && !state.localEntries().containsKey(broadcast)) {
            addLocalEntry(broadcast, NextHops.TYPE_BROADCAST, port, command);
        }
    }

    private void addLocalEntry(int address, int type, Port port, String command) {
        if (state.route(new Prefix(address, 32)) != null) {
            throw new CommandException(command + ": a /32 route to " + Ipv4Address.format(address) + " exists");
        }
        int nextHop = nextHops().acquire(type, port.index(), 0);
        install(address, 32, nextHop, command);
        state.localEntries().put(address, nextHop);
        state.transaction().onRollback(() -> removeLocalEntry(address));
    }

    /** Removes the local entries of an address that went away (the broadcast only if unused). */
    public void removeLocal(InterfaceAddress address, List<InterfaceAddress> remaining) {
        removeLocalEntryUndoable(address.address());
        int broadcast = address.broadcast();
        boolean stillUsed = remaining.stream().anyMatch(a -> a.broadcast() == broadcast);
        if (broadcast != 0 && !stillUsed) {
            removeLocalEntryUndoable(broadcast);
        }
    }

    private void removeLocalEntryUndoable(int address) {
        Integer nextHop = state.localEntries().get(address);
        if (nextHop == null) {
            return;
        }
        int type = nextHops().type(nextHop);
        int portIndex = nextHops().port(nextHop);
        removeLocalEntry(address);
        state.transaction().onRollback(() -> {
            int again = nextHops().acquire(type, portIndex, 0);
            table().add(address, 32, again);
            state.localEntries().put(address, again);
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
