package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.RouteTable;

/**
 * The tables the control thread writes and every forwarding worker reads: L2 ports, L3 interfaces
 * (with their addresses), routes, next hops and settings. One instance per dataplane, shared by
 * all its workers; a worker's private state (neighbours, counters, rate limiters) is built next
 * to it by {@code agent.Worker}. A new table that the control thread publishes is added here.
 */
public record PublishedTables(PortTable ports, InterfaceTable interfaces, RouteTable routes, NextHops nextHops, DataplaneSettings settings) {
    public PublishedTables {
        if (ports == null || interfaces == null || routes == null || nextHops == null || settings == null) {
            throw new IllegalArgumentException("a published table is missing");
        }
    }
}
