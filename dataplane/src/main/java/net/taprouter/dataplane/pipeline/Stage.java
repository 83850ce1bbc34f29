package net.taprouter.dataplane.pipeline;

/**
 * One node of the forwarding graph. A stage looks at (and may rewrite) the packet and returns the
 * stage that handles it next, or null when the packet has left the graph: transmitted, queued or
 * dropped (its slot released or owned by someone else).
 */
@FunctionalInterface
public interface Stage {
    Stage process(Packet packet);
}
