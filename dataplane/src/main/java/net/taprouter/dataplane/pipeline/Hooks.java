package net.taprouter.dataplane.pipeline;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a worker's hook points run: per {@link Hook}, an ordered list of stage factories, given to
 * {@code agent.Worker.build}, which builds each stage with the worker's context and graph (so a
 * stage can reach the worker's tables and the graph's drop stages) when it wires the graph.
 * Immutable; {@link #NONE} registers nothing (every hook a pass-through).
 *
 * <p>A stage registered {@linkplain #withDormant dormant} is built with the others but runs only
 * once the worker wakes its graph's hooks ({@code ForwardingGraph.wakeHooks}): connection tracking
 * registers so, and is woken at the first NAT rule, as Linux registers conntrack's hooks in a
 * namespace only when a rule needs them. Until then a hook without awake stages is a pass-through.
 *
 * <pre>
 *   Hooks hooks = Hooks.NONE.with(Hook.PREROUTING, (context, graph) -&gt; new DnatStage(context, graph));
 * </pre>
 */
public final class Hooks {
    /** Builds one hook stage of a worker. A stage returns {@link HookStage#ACCEPT} to let a packet go on. */
    @FunctionalInterface
    public interface Factory {
        Stage create(ForwardingContext context, ForwardingGraph graph);
    }

    public static final Hooks NONE = new Hooks(new EnumMap<>(Hook.class));

    private record Registration(Factory factory, boolean dormant) {
    }

    private final Map<Hook, List<Registration>> factories;

    private Hooks(Map<Hook, List<Registration>> factories) {
        this.factories = factories;
    }

    /** These hooks plus {@code factory} at the end of {@code hook}'s chain, running from the start. */
    public Hooks with(Hook hook, Factory factory) {
        return plus(hook, new Registration(factory, false));
    }

    /** These hooks plus {@code factory} at the end of {@code hook}'s chain, running once the worker wakes its hooks. */
    public Hooks withDormant(Hook hook, Factory factory) {
        return plus(hook, new Registration(factory, true));
    }

    private Hooks plus(Hook hook, Registration registration) {
        Map<Hook, List<Registration>> copy = new EnumMap<>(Hook.class);
        for (Map.Entry<Hook, List<Registration>> e : factories.entrySet()) {
            copy.put(e.getKey(), new ArrayList<>(e.getValue()));
        }
        copy.computeIfAbsent(hook, h -> new ArrayList<>()).add(registration);
        return new Hooks(copy);
    }

    /** The hook stage for {@code hook}, its chain built for this worker. */
    HookStage build(Hook hook, ForwardingContext context, ForwardingGraph graph) {
        List<Registration> list = factories.getOrDefault(hook, List.of());
        Stage[] chain = new Stage[list.size()];
        boolean[] dormant = new boolean[list.size()];
        for (int i = 0; i < chain.length; i++) {
            chain[i] = list.get(i).factory().create(context, graph);
            dormant[i] = list.get(i).dormant();
        }
        return new HookStage(hook, chain, dormant);
    }
}
