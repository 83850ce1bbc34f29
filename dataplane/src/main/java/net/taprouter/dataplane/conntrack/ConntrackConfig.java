package net.taprouter.dataplane.conntrack;

import net.taprouter.dataplane.table.ForwardingVersion;

/**
 * What the control thread sets for connection tracking and NAT and every worker reads: the NAT
 * rules ({@link NatRuleSet}) and the timeouts ({@link ConntrackTimeouts}), each an immutable
 * object published by a volatile store (one per dataplane, in {@code PublishedTables}). A
 * change applies to packets from then on: new flows use the rules in force at their first
 * packet, every packet refreshes its flow with the timeouts in force.
 */
public final class ConntrackConfig {
    private volatile NatRuleSet rules = NatRuleSet.EMPTY;
    private volatile ConntrackTimeouts timeouts = ConntrackTimeouts.DEFAULTS;

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
}
