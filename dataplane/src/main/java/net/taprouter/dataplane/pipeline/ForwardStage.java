package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.stats.DropReason;

/**
 * Forwarding proper. Input: a routed packet not addressed to the router. Honours the forwarding
 * switch, sends Time Exceeded for TTL <= 1, otherwise decrements the TTL with an incremental
 * checksum update (RFC 1624). Next: the postrouting hook ({@link Hook}), then the adjacency; ICMP
 * Time Exceeded. Drops: forwarding_disabled. (Event forwarded is counted when the frame goes out.)
 */
public final class ForwardStage extends Stage {
    private final ForwardingContext context;
    private HookStage postrouting;
    private final Stage timeExceeded;
    private final Stage disabled;

    public ForwardStage(ForwardingContext context, ForwardingGraph graph) {
        this.context = context;
        this.timeExceeded = graph.icmpError(DropReason.TTL_EXCEEDED);
        this.disabled = graph.drop(DropReason.FORWARDING_DISABLED);
    }

    void next(HookStage postroutingHook) {
        this.postrouting = postroutingHook;
    }

    @Override
    public Stage process(Packet packet) {
        if (!context.settings.forwarding()) {
            return disabled;
        }
        if (packet.ip.ttl() <= 1) {
            return timeExceeded;
        }
        packet.ip.decrementTtl();
        return postrouting.entry();
    }
}
