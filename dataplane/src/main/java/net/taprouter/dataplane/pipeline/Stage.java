package net.taprouter.dataplane.pipeline;

/**
 * One node of the forwarding graph. A stage looks at (and may rewrite) the packet and returns the
 * stage that handles it next, or null when the packet has left the graph: transmitted, queued or
 * dropped (its slot released or owned by someone else).
 *
 * <p>An abstract class, not an interface: the graph's loop calls {@link #process} on a different
 * stage class at every step (a megamorphic call site), and HotSpot dispatches a virtual call
 * through the vtable in fewer loads than an interface call through the itable. A stage may instead
 * call its successor's {@code process} itself and return what that returns, for an untraced packet
 * only (the tracer records the steps of the loop): {@link ForwardingGraph} says which edges do.
 */
public abstract class Stage {
    public abstract Stage process(Packet packet);

    /** A stage made of a function (tests, small hook stages). */
    public static Stage of(java.util.function.Function<Packet, Stage> body) {
        return new Stage() {
            @Override
            public Stage process(Packet packet) {
                return body.apply(packet);
            }
        };
    }
}
