package net.taprouter.dataplane.pipeline;

/**
 * A named hook point of the graph ({@link Hook}): runs its chain of stages, in the order they
 * were registered, then hands the packet on to the stage after the hook. Each chain stage returns
 * {@link #ACCEPT} to let the packet go on (to the next chain stage, then past the hook), or takes
 * the packet: any other stage (a drop, an ICMP error, a stage of its own) continues from there,
 * null means the stage kept the packet (queued it) or released it. The chain is fixed when the
 * worker is built; an empty hook costs one predictable branch.
 *
 * <p>Input: whatever its position in the graph gives ({@link Hook}). Output: the next stage.
 * Counters: none of its own (a chain stage that drops returns a named drop stage).
 */
public final class HookStage implements Stage {
    /** What a chain stage returns to let the packet go on. Never run: processing it is a bug. */
    public static final Stage ACCEPT = packet -> {
        throw new IllegalStateException("HookStage.ACCEPT is a verdict, not a stage");
    };

    private final Hook hook;
    private final Stage[] chain;
    private Stage next;

    HookStage(Hook hook, Stage[] chain) {
        this.hook = hook;
        this.chain = chain.clone();
    }

    void next(Stage after) {
        this.next = after;
    }

    public Hook hook() {
        return hook;
    }

    /** How many stages the hook runs. */
    public int chainLength() {
        return chain.length;
    }

    @Override
    public Stage process(Packet packet) {
        Stage[] stages = chain;
        if (stages.length == 0) {
            return next;
        }
        for (Stage stage : stages) {
            Stage verdict = stage.process(packet);
            if (verdict != ACCEPT) {
                return verdict;
            }
        }
        return next;
    }
}
