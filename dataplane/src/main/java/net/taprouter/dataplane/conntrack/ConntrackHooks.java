package net.taprouter.dataplane.conntrack;

import net.taprouter.dataplane.pipeline.Hook;
import net.taprouter.dataplane.pipeline.Hooks;

/**
 * The stages connection tracking and NAT register at the graph's hooks, for every worker: at
 * prerouting {@link ConntrackInStage} then {@link DnatStage} (as one stage,
 * {@link ConntrackPrerouting}); at postrouting
 * {@link ConntrackOutStage}. Each works on its worker's own {@link ConntrackTable}. They are
 * registered dormant ({@link Hooks#withDormant}): a worker runs them from the first NAT rule on
 * ({@code WorkerControl.conntrackStart}), so a router that does not NAT pays nothing for them.
 */
public final class ConntrackHooks {
    private ConntrackHooks() {
    }

    /** {@code hooks} plus the conntrack and NAT stages. */
    public static Hooks with(Hooks hooks) {
        return hooks
            .withDormant(Hook.PREROUTING, (context, graph) -> new ConntrackPrerouting(new ConntrackInStage(context), new DnatStage(context, graph)))
            .withDormant(Hook.POSTROUTING, ConntrackOutStage::new);
    }

    /** Only the conntrack and NAT stages. */
    public static Hooks all() {
        return with(Hooks.NONE);
    }
}
