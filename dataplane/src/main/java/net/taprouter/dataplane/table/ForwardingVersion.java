package net.taprouter.dataplane.table;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A number that changes whenever anything a forwarding decision depends on changes: a route, a
 * next hop, an interface (its addresses, MTU, MAC, state, VLANs, bridge members), a port (its
 * device, state, interface, VLANs), the forwarding switch, the NAT rules. Every mutator of those
 * tables calls {@link #changed}; a cache of forwarding decisions (the flow fast path,
 * {@code pipeline.FlowRoutes}) keeps the version it saw when it decided and trusts its decision
 * only while the version is still the same.
 *
 * <p>One counter for the process: several dataplanes in one JVM (tests) only invalidate each
 * other's caches more often. Any thread may change it (the control thread, a worker marking a port
 * lost); readers see a change with a volatile read. Wrapping around after 2^32 changes cannot
 * make a stale decision current unless a cached one stays unused for exactly that many changes.
 */
public final class ForwardingVersion {
    private static final AtomicInteger VERSION = new AtomicInteger();

    private ForwardingVersion() {
    }

    /** Something forwarding depends on changed: every cached decision is stale from now on. */
    public static void changed() {
        VERSION.incrementAndGet();
    }

    /** The current version (a volatile read). */
    public static int current() {
        return VERSION.get();
    }
}
