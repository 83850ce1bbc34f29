package net.taprouter.control.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.taprouter.control.command.CommandException;
import net.taprouter.control.command.Prefix;
import net.taprouter.dataplane.iface.InterfaceAddress;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.wire.Ipv4Address;

/**
 * Router addresses on interfaces. Adding one adds its local /32 (and subnet broadcast) and, unless
 * {@code noprefixroute}, the connected route "proto kernel scope link src ADDRESS"; removing one
 * takes them away again, with static routes whose gateway is no longer on-link. Control thread
 * only; undoable.
 */
public final class AddressService {
    private final RouterState state;
    private final RouteService routes;

    public AddressService(RouterState state, RouteService routes) {
        this.state = state;
        this.routes = routes;
    }

    /**
     * {@code addr add}. With {@code prefixRoute} false ({@code noprefixroute}, as iproute2) no
     * connected route is made: {@code save} uses it, with explicit routes, for subnets whose
     * connected route was replaced or deleted.
     */
    public void add(Interface port, Prefix prefix, boolean prefixRoute, String command) {
        InterfaceAddress address = new InterfaceAddress(prefix.address(), prefix.length());
        for (var link : state.links().values()) {
            for (InterfaceAddress a : link.iface().addresses()) {
                if (a.address() == address.address()) {
                    throw new CommandException(command + ": address " + Ipv4Address.format(a.address()) + " exists on " + link.name());
                }
            }
        }
        Route via = state.routes().withGateway(address.address());
        if (via != null) {
            throw new CommandException(command + ": " + Ipv4Address.format(address.address()) + " is the gateway of route "
                + via.prefix().toRouteString());
        }
        Prefix network = new Prefix(prefix.network(), prefix.length());
        Route existing = state.route(network);
        boolean needsRoute = prefixRoute && prefix.length() < 32;
        if (needsRoute && existing != null && !(existing.kernel() && existing.iface() == port)) {
            throw new CommandException(command + ": route " + network + " exists"
                + (existing.iface() != port ? " via port " + existing.iface().name() : ""));
        }
        InterfaceAddress[] before = port.addresses();
        InterfaceAddress[] after = Arrays.copyOf(before, before.length + 1);
        after[before.length] = address;
        port.addresses(after);
        state.transaction().onRollback(() -> port.addresses(before));
        addressChanged(port, address, false);
        routes.syncLocal(command);
        if (needsRoute && existing == null) {
            routes.add(network, 0, port, true, address.address(), command);
        }
    }

    public void delete(Interface port, Prefix prefix, String command) {
        InterfaceAddress target = null;
        for (InterfaceAddress a : port.addresses()) {
            if (a.address() == prefix.address() && a.prefixLength() == prefix.length()) {
                target = a;
            }
        }
        if (target == null) {
            throw new CommandException(command + ": no address " + prefix + " on " + port.name());
        }
        remove(port, target);
        routes.syncLocal(command);
    }

    /** Removes every address of an interface (its link is going away). */
    public void removeAll(Interface port) {
        for (InterfaceAddress a : port.addresses()) {
            remove(port, a);
        }
        routes.syncLocal("link del");
    }

    private void remove(Interface port, InterfaceAddress address) {
        InterfaceAddress[] before = port.addresses();
        List<InterfaceAddress> remaining = new ArrayList<>(Arrays.asList(before));
        remaining.remove(address);
        port.addresses(remaining.toArray(new InterfaceAddress[0]));
        state.transaction().onRollback(() -> port.addresses(before));
        addressChanged(port, address, true);
        Prefix network = new Prefix(address.network(), address.prefixLength());
        Route connected = state.route(network);
        boolean stillCovered = remaining.stream().anyMatch(a -> a.network() == address.network() && a.prefixLength() == address.prefixLength());
        if (connected != null && connected.kernel() && connected.iface() == port) {
            if (!stillCovered) {
                routes.remove(connected);
            } else if (connected.source() == address.address()) {
                InterfaceAddress next = remaining.stream()
                    .filter(a -> a.network() == address.network() && a.prefixLength() == address.prefixLength()).findFirst().orElseThrow();
                routes.replace(network, 0, port, true, next.address(), "addr del");
            }
        }
        routes.removeUnreachableGateways(port);
    }

    /** For {@code monitor addr}: the address as {@code ip monitor address} prints it. */
    private void addressChanged(Interface port, InterfaceAddress address, boolean deleted) {
        if (state.changes().wants(ChangeEvents.Kind.ADDR)) {
            java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
            row.put("ifindex", port.index() + 1);
            row.put("ifname", port.name());
            row.put("family", "inet");
            row.put("local", Ipv4Address.format(address.address()));
            row.put("prefixlen", address.prefixLength());
            row.put("scope", "global");
            state.changed(ChangeEvents.Kind.ADDR, deleted, new ChangeEvents.Described((port.index() + 1) + ": " + port.name() + "    inet "
                + Ipv4Address.format(address.address()) + "/" + address.prefixLength() + " scope global " + port.name(), row));
        }
    }
}
