package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.stats.DropReason;

/**
 * Terminal stage: counts the packet under its reason (and on its ingress port) and frees its slot.
 * One instance per reason, built by {@link ForwardingGraph}.
 */
public final class DropStage extends Stage {
    private final ForwardingContext context;
    private final DropReason reason;

    public DropStage(ForwardingContext context, DropReason reason) {
        this.context = context;
        this.reason = reason;
    }

    public DropReason reason() {
        return reason;
    }

    @Override
    public Stage process(Packet packet) {
        context.drop(packet, reason);
        return null;
    }
}
