package net.taprouter.dataplane.pipeline;

/**
 * A named hook point of the graph ({@link Hook}): runs its chain of stages, in the order they
 * were registered, then hands the packet on to the stage after the hook. Each chain stage returns
 * {@link #ACCEPT} to let the packet go on (to the next chain stage, then past the hook), or takes
 * the packet: any other stage (a drop, an ICMP error, a stage of its own) continues from there,
 * null means the stage kept the packet (queued it) or released it. The chain is fixed when the
 * worker is built; its dormant stages ({@link Hooks#withDormant}) join it when the worker
 * {@linkplain #wake wakes} the hook (between batches, on the worker's thread). A hook that runs
 * nothing costs one predictable branch.
 *
 * <p>Input: whatever its position in the graph gives ({@link Hook}). Output: the next stage.
 * Counters: none of its own (a chain stage that drops returns a named drop stage).
 */
public final class HookStage extends Stage {
    /** What a chain stage returns to let the packet go on. Never run: processing it is a bug. */
    public static final Stage ACCEPT = new Stage() {
        @Override
        public Stage process(Packet packet) {
            throw new IllegalStateException("HookStage.ACCEPT is a verdict, not a stage");
        }
    };

    private static final Stage[] NONE = new Stage[0];

    private final Hook hook;
    private final Stage[] chain;
    /** The stages that run: the chain without its dormant stages until {@link #wake}, then the whole chain. */
    private Stage[] running;
    private Stage next;

    HookStage(Hook hook, Stage[] chain, boolean[] dormant) {
        this.hook = hook;
        this.chain = chain.clone();
        int awake = 0;
        for (boolean d : dormant) {
            awake += d ? 0 : 1;
        }
        Stage[] initial = awake == 0 ? NONE : new Stage[awake];
        for (int i = 0, j = 0; i < chain.length; i++) {
            if (!dormant[i]) {
                initial[j++] = chain[i];
            }
        }
        this.running = initial;
    }

    /** From now on the whole chain runs, dormant stages included (idempotent). */
    void wake() {
        running = chain;
    }

    /** Are the dormant stages running? (True also when there are none.) */
    public boolean awake() {
        return running.length == chain.length;
    }

    /** How many stages run now. */
    public int runningLength() {
        return running.length;
    }

    void next(Stage after) {
        this.next = after;
    }

    /**
     * Where a packet arriving at this hook goes: the hook, or while it runs nothing (no stage
     * registered, or only dormant ones), straight to the stage after it. The stages before a hook
     * return this instead of the hook itself: a hook point that runs nothing costs no step of the
     * graph (and shows in no trace).
     */
    Stage entry() {
        return running.length == 0 ? next : this;
    }

    public Hook hook() {
        return hook;
    }

    /** True if the hook's chain (dormant stages included) is one stage, of class {@code type}. */
    public boolean only(Class<? extends Stage> type) {
        return chain.length == 1 && type.isInstance(chain[0]);
    }

    /** How many stages the hook has, dormant ones included. */
    public int chainLength() {
        return chain.length;
    }

    @Override
    public Stage process(Packet packet) {
        Stage[] stages = running;
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
