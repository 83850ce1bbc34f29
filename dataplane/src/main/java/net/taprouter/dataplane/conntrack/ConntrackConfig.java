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

    /**
     * {@code nat portlimit auto}, the default: one inside address may hold a quarter of its worker's
     * source-NAT mappings ({@link NatMappings#capacity}: 16,384 of 65,536 with the default conntrack
     * max), so that no one host can take them all.
     */
    public static final int AUTO = 0;
    /** Largest {@code nat portlimit}: the largest mapping table (no limit then). */
    public static final int MAX_PORT_LIMIT = 65_536;

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
        if (limit != AUTO && (limit < 1 || limit > MAX_PORT_LIMIT)) {
            throw new IllegalArgumentException("port limit must be auto or 1.." + MAX_PORT_LIMIT + ": " + limit);
        }
        this.portLimit = limit;
    }
}
