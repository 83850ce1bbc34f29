package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.DropReason;

/**
 * Output routing for packets the router originates (echo replies, ICMP errors, TCP resets). Input:
 * a packet with {@code localOrigin} set and its IPv4 header complete. Next: the postrouting hook
 * ({@link Hook}), then {@link AdjacencyStage}. Drops (origin.drop): output_no_route, output_to_self.
 */
public final class RouteOutputStage extends Stage {
    private final ForwardingContext context;
    private HookStage postrouting;
    private final Stage noRoute;
    private final Stage toSelf;

    public RouteOutputStage(ForwardingContext context, ForwardingGraph graph) {
        this.context = context;
        this.noRoute = graph.drop(DropReason.OUTPUT_NO_ROUTE);
        this.toSelf = graph.drop(DropReason.OUTPUT_TO_SELF);
    }

    void next(HookStage postroutingHook) {
        this.postrouting = postroutingHook;
    }

    @Override
    public Stage process(Packet packet) {
        packet.offload.clear(); // built here: a complete packet, whatever the frame it was made from had
        int destination = packet.ip.destination();
        int nextHop = context.routes.lookup(destination);
        if (nextHop == RouteTable.NO_ROUTE) {
            return noRoute;
        }
        return packet.routeVia(context.nextHops, nextHop, destination) ? postrouting.entry() : toSelf;
    }
}
