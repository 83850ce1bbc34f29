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

    private final Map<Hook, List<Factory>> factories;

    private Hooks(Map<Hook, List<Factory>> factories) {
        this.factories = factories;
    }

    /** These hooks plus {@code factory} at the end of {@code hook}'s chain. */
    public Hooks with(Hook hook, Factory factory) {
        Map<Hook, List<Factory>> copy = new EnumMap<>(Hook.class);
        for (Map.Entry<Hook, List<Factory>> e : factories.entrySet()) {
            copy.put(e.getKey(), new ArrayList<>(e.getValue()));
        }
        copy.computeIfAbsent(hook, h -> new ArrayList<>()).add(factory);
        return new Hooks(copy);
    }

    /** The hook stage for {@code hook}, its chain built for this worker. */
    HookStage build(Hook hook, ForwardingContext context, ForwardingGraph graph) {
        List<Factory> list = factories.getOrDefault(hook, List.of());
        Stage[] chain = new Stage[list.size()];
        for (int i = 0; i < chain.length; i++) {
            chain[i] = list.get(i).create(context, graph);
        }
        return new HookStage(hook, chain);
    }
}
