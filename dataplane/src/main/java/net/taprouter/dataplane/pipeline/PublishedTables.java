package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.conntrack.ConntrackConfig;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.RouteTable;

/**
 * The tables the control thread writes and every forwarding worker reads: L2 ports, L3 interfaces
 * (with their addresses), routes, next hops, settings, and the conntrack/NAT configuration (rules,
 * timeouts). One instance per dataplane, shared by all its workers; a worker's private state
 * (neighbours, counters, rate limiters, conntrack table) is built next to it by {@code agent.Worker}.
 * A new table that the control thread publishes is added here.
 */
public record PublishedTables(PortTable ports, InterfaceTable interfaces, RouteTable routes, NextHops nextHops,
                              DataplaneSettings settings, ConntrackConfig conntrack) {
    public PublishedTables {
        if (ports == null || interfaces == null || routes == null || nextHops == null || settings == null || conntrack == null) {
            throw new IllegalArgumentException("a published table is missing");
        }
    }

    /** Tables with no NAT rules and the default conntrack timeouts. */
    public PublishedTables(PortTable ports, InterfaceTable interfaces, RouteTable routes, NextHops nextHops, DataplaneSettings settings) {
        this(ports, interfaces, routes, nextHops, settings, new ConntrackConfig());
    }
}
