package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.wire.Ipv4Address;

/**
 * Input routing: longest-prefix match on the destination. Input: a checked IPv4 packet.
 * Next: {@link LocalDeliveryStage} (an address of the router), {@link ForwardStage} (a route),
 * ICMP Destination Net Unreachable (no route). Comes after the prerouting hook ({@link Hook}).
 * Drops: ip_broadcast, ip_multicast, l2_broadcast_not_forwarded, forwarding_disabled (no route
 * while forwarding is off: silent, as the kernel does).
 */
public final class RouteLookupStage extends Stage {
    private final ForwardingContext context;
    private Stage localDelivery;
    private Stage forward;
    private final Stage netUnreachable;
    private final Stage broadcast;
    private final Stage multicast;
    private final Stage l2Broadcast;
    private final Stage forwardingDisabled;

    public RouteLookupStage(ForwardingContext context, ForwardingGraph graph) {
        this.context = context;
        this.netUnreachable = graph.icmpError(DropReason.NO_ROUTE);
        this.broadcast = graph.drop(DropReason.IP_BROADCAST);
        this.multicast = graph.drop(DropReason.IP_MULTICAST);
        this.l2Broadcast = graph.drop(DropReason.L2_BROADCAST_NOT_FORWARDED);
        this.forwardingDisabled = graph.drop(DropReason.FORWARDING_DISABLED);
    }

    void next(Stage local, Stage forwardStage) {
        this.localDelivery = local;
        this.forward = forwardStage;
    }

    @Override
    public Stage process(Packet packet) {
        int destination = packet.ip.destination();
        if (Ipv4Address.isLimitedBroadcast(destination)) {
            return broadcast;
        }
        if (Ipv4Address.isMulticast(destination)) {
            return multicast;
        }
        context.flowRoutes.routing(); // the version this decision belongs to, read before it
        int nextHop = context.routes.lookup(destination);
        if (nextHop == RouteTable.NO_ROUTE) {
            return context.settings.forwarding() ? netUnreachable : forwardingDisabled;
        }
        if (!packet.routeVia(context.nextHops, nextHop, destination)) {
            return context.nextHops.type(nextHop) == NextHops.TYPE_LOCAL ? localDelivery : broadcast;
        }
        if (packet.linkBroadcast) {
            return l2Broadcast;
        }
        return forward;
    }
}
