package net.taprouter.dataplane.conntrack;

import net.taprouter.dataplane.table.ForwardingVersion;

/**
 * What the control thread sets for connection tracking and NAT and every worker reads: the NAT
 * rules ({@link NatRuleSet}) and the timeouts ({@link ConntrackTimeouts}), each an immutable
 * object published by a volatile store, and {@code nat portlimit} (a volatile int) (one per dataplane, in {@code PublishedTables}). A
 * change applies to packets from then on: new flows use the rules in force at their first
 * packet, every packet refreshes its flow with the timeouts in force.
 */
public final class ConntrackConfig {
    private volatile NatRuleSet rules = NatRuleSet.EMPTY;
    private volatile ConntrackTimeouts timeouts = ConntrackTimeouts.DEFAULTS;
    private volatile int portLimit = AUTO;
    private volatile int hostLimit = AUTO;

    /**
     * {@code nat portlimit auto}, the default: one inside address may hold a quarter of its worker's
     * source-NAT mappings ({@link NatMappings#capacity}: 16,384 of 65,536 with the default conntrack
     * max), so that no one host can take them all.
     */
    public static final int AUTO = 0;
    /** Largest {@code nat portlimit}: the largest mapping table (no limit then). */
    public static final int MAX_PORT_LIMIT = 65_536;
    /** Largest {@code conntrack hostlimit}: the largest flow table (no limit then). */
    public static final int MAX_HOST_LIMIT = FlowTable.MAX_FLOWS;

    public NatRuleSet rules() {
        return rules;
    }

    public void rules(NatRuleSet rules) {
        this.rules = rules;
        ForwardingVersion.changed();
    }

    public ConntrackTimeouts timeouts() {
        return timeouts;
    }

    public void timeouts(ConntrackTimeouts timeouts) {
        this.timeouts = timeouts;
    }

    /**
     * Outside ports (source-NAT mappings) one inside address may hold, or {@link #AUTO} (a new flow's
     * first packet reads it).
     */
    public int portLimit() {
        return portLimit;
    }

    /** The limit for a worker whose mapping table holds {@code capacity} mappings. */
    public static int effectivePortLimit(int limit, int capacity) {
        return limit == AUTO ? Math.max(1, capacity / 4) : limit;
    }

    public void portLimit(int limit) {
        checkLimit("port limit", limit, MAX_PORT_LIMIT);
        this.portLimit = limit;
    }

    /**
     * {@code conntrack hostlimit}: flows one address may have in the table as their original
     * source (it opened them), or {@link #AUTO}: a quarter of the worker's {@code conntrack max},
     * so that no one host fills the table with flows early_drop may not take (answered ones).
     * A new flow's first packet reads it.
     */
    public int hostLimit() {
        return hostLimit;
    }

    /** The limit for a worker whose table holds {@code maxFlows} flows. */
    public static int effectiveHostLimit(int limit, int maxFlows) {
        return limit == AUTO ? Math.max(1, maxFlows / 4) : limit;
    }

    public void hostLimit(int limit) {
        checkLimit("host limit", limit, MAX_HOST_LIMIT);
        this.hostLimit = limit;
    }

    /** Throws unless {@code limit} is {@link #AUTO} or 1..{@code max}. */
    public static void checkLimit(String name, int limit, int max) {
        if (limit != AUTO && (limit < 1 || limit > max)) {
            throw new IllegalArgumentException(name + " must be auto or 1.." + max + ": " + limit);
        }
    }
}
