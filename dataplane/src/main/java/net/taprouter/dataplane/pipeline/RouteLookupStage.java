package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.wire.Ipv4Address;

/**
 * Input routing: longest-prefix match on the destination. Input: a checked IPv4 packet.
 * Next: {@link LocalDeliveryStage} (an address of the router), {@link ForwardStage} (a route),
 * ICMP Destination Net Unreachable (no route). Comes after the prerouting hook ({@link Hook}).
 * First the route fast path ({@link FlowRoutes#takeRoute}): a packet connection tracking did not
 * see, while the postrouting hook runs no stage, whose destination's last packet went the whole
 * way with a decision still valid, gets the TTL and its neighbour's header here and goes to
 * transmit (counter: event route_fast_path).
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
    private HookStage postrouting;
    private TransmitStage transmit;

    public RouteLookupStage(ForwardingContext context, ForwardingGraph graph) {
        this.context = context;
        this.netUnreachable = graph.icmpError(DropReason.NO_ROUTE);
        this.broadcast = graph.drop(DropReason.IP_BROADCAST);
        this.multicast = graph.drop(DropReason.IP_MULTICAST);
        this.l2Broadcast = graph.drop(DropReason.L2_BROADCAST_NOT_FORWARDED);
        this.forwardingDisabled = graph.drop(DropReason.FORWARDING_DISABLED);
    }

    void next(Stage local, Stage forwardStage, HookStage postroutingHook, TransmitStage transmitStage) {
        this.transmit = transmitStage;
        this.localDelivery = local;
        this.forward = forwardStage;
        this.postrouting = postroutingHook;
    }

    @Override
    public Stage process(Packet packet) {
        int destination = packet.ip.destination();
        FlowRoutes fast = context.flowRoutes;
        if (postrouting.runningLength() == 0 && fast.takeRoute(packet, destination)) {
            Stage next = fast.finishRoute(packet); // the route fast path: as the last packet to this destination went
            if (next != transmit) {
                return next; // offload output (untraced: takeRoute says so)
            }
            if (packet.egressPort >= 0) {
                context.transmitToPort(packet); // a plain port: straight into its queue
                return null;
            }
            return transmit.process(packet);
        }
        if (Ipv4Address.isLimitedBroadcast(destination)) {
            return broadcast;
        }
        if (Ipv4Address.isMulticast(destination)) {
            return multicast;
        }
        fast.routing(); // the version this decision belongs to, read before it
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
