package net.taprouter.dataplane.conntrack;

import net.taprouter.dataplane.stats.DropReason;

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
            .withDormant(Hook.PREROUTING, ConntrackPrerouting::new)
            .withDormant(Hook.POSTROUTING, ConntrackOutStage::new);
    }

    /** Only the conntrack and NAT stages. */
    public static Hooks all() {
        return with(Hooks.NONE);
    }

    /**
     * What a worker other than worker 0 registers when there are several: with NAT on, worker 0
     * tracks every flow (routerd steers every port's traffic to its queue 0, which worker 0 reads:
     * {@code agent.Dataplane}), so a worker that still reads an IPv4 packet (one left in another
     * queue when tracking started) drops it at prerouting (drop conntrack_other_worker) rather than
     * forward it untranslated or track it apart. Dormant like the conntrack stages: woken by the
     * same {@code conntrackStart}.
     */
    public static Hooks otherWorker() {
        return Hooks.NONE.withDormant(Hook.PREROUTING, (context, graph) -> graph.drop(DropReason.CONNTRACK_OTHER_WORKER));
    }
}
