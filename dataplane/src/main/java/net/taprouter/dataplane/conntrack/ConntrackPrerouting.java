package net.taprouter.dataplane.conntrack;

import net.taprouter.dataplane.pipeline.FlowRoutes;
import net.taprouter.dataplane.pipeline.ForwardingContext;
import net.taprouter.dataplane.pipeline.ForwardingGraph;
import net.taprouter.dataplane.pipeline.Hook;
import net.taprouter.dataplane.pipeline.HookStage;
import net.taprouter.dataplane.pipeline.Packet;
import net.taprouter.dataplane.pipeline.Stage;

/**
 * Conntrack's stage at prerouting: {@link ConntrackInStage} (find or begin the packet's flow,
 * translate an existing flow's destination), then {@link DnatStage} (a new flow's DNAT rule).
 * One stage for the two, called through typed fields, so the hook's chain holds one stage per
 * hook and the JIT inlines both calls (one interface call per hook instead of three on every
 * tracked packet).
 *
 * <p>Then the <b>flow fast path</b>: a packet of a known flow whose last packet's way through the
 * graph is still valid ({@link FlowRoutes#take}: same forwarding version, same neighbour, and the
 * packet one the graph would send the same way) gets here what the stages after the hook would do
 * to it, in their order: the TTL decremented (forward), its source translated (postrouting's
 * {@link ConntrackOutStage}), the neighbour's Ethernet header (adjacency); the MTU was checked by
 * {@code take}; it goes on to transmit (through the offload output stage if it has offload
 * state). Only while the hooks run conntrack's stages alone (another stage at either hook would be
 * skipped).
 *
 * <p>Input: a received IPv4 packet at prerouting. Output: {@link HookStage#ACCEPT}, the drop
 * stage one of the two returned, or the transmit stage (fast path). Counters: theirs; event
 * flow_fast_path ({@link FlowRoutes}, once per batch).
 */
final class ConntrackPrerouting extends Stage {
    private final ConntrackInStage conntrack;
    private final DnatStage dnat;
    private final ForwardingContext context;
    private final ForwardingGraph graph;
    private final FlowRoutes routes;
    /** 0: not known yet (the graph is still being wired when this is built); 1: the fast path may run; -1: not. */
    private int fastPath;

    ConntrackPrerouting(ForwardingContext context, ForwardingGraph graph) {
        this.conntrack = new ConntrackInStage(context);
        this.dnat = new DnatStage(context, graph);
        this.context = context;
        this.graph = graph;
        this.routes = context.flowRoutes;
    }

    @Override
    public Stage process(Packet packet) {
        Stage verdict = conntrack.process(packet);
        if (verdict != HookStage.ACCEPT) {
            return verdict;
        }
        verdict = dnat.process(packet);
        if (verdict != HookStage.ACCEPT) {
            return verdict;
        }
        int ref = packet.ctFlow;
        if (ref < 0 || (ref & ConntrackTable.CT_RELATED) != 0 || !fastPathAllowed()
            || !routes.take(packet, ref, context.conntrack.flows().id(ref >>> 1))) {
            return HookStage.ACCEPT;
        }
        if (packet.offload.any()) { // a super-packet, a partial checksum: through the offload output stage
            context.conntrack.forwardAndTranslateSource(ref, context.buffer, packet.ip, packet.offload.needsChecksum());
            routes.finish(packet);
            return routes.offloadOutput();
        }
        context.conntrack.forwardAndTranslateSource(ref, context.buffer, packet.ip, false); // a plain packet: its own copy
        routes.finish(packet);
        if (packet.egressPort >= 0) {
            context.transmitToPort(packet); // a plain port's (FlowRoutes.directPort): straight into its queue
        } else {
            context.transmit(packet); // what the transmit stage does, called here: an untraced packet (take says so)
        }
        return null;
    }

    /** True if the hooks run conntrack's two stages and nothing else (asked once, after the graph is wired). */
    private boolean fastPathAllowed() {
        if (fastPath == 0) {
            fastPath = graph.hook(Hook.PREROUTING).only(ConntrackPrerouting.class)
                && graph.hook(Hook.POSTROUTING).only(ConntrackOutStage.class) ? 1 : -1;
        }
        return fastPath > 0;
    }
}
