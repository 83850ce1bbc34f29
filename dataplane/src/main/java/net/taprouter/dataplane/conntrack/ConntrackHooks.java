package net.taprouter.dataplane.conntrack;

import net.taprouter.dataplane.pipeline.Hook;
import net.taprouter.dataplane.pipeline.Hooks;

/**
 * The stages connection tracking and NAT register at the graph's hooks, for every worker: at
 * prerouting {@link ConntrackInStage} then {@link DnatStage}; at postrouting
 * {@link ConntrackOutStage}. Each works on its worker's own {@link ConntrackTable}.
 */
public final class ConntrackHooks {
    private ConntrackHooks() {
    }

    /** {@code hooks} plus the conntrack and NAT stages. */
    public static Hooks with(Hooks hooks) {
        return hooks
            .with(Hook.PREROUTING, (context, graph) -> new ConntrackInStage(context))
            .with(Hook.PREROUTING, DnatStage::new)
            .with(Hook.POSTROUTING, ConntrackOutStage::new);
    }

    /** Only the conntrack and NAT stages. */
    public static Hooks all() {
        return with(Hooks.NONE);
    }
}
