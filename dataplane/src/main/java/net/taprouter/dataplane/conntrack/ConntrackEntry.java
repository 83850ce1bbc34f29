package net.taprouter.dataplane.conntrack;

/**
 * A copy of one tracked flow, as {@code conntrack -L} shows it (control plane: a record per
 * flow listed is fine there). {@code timeout}: seconds left. Ports as {@link FlowKey} packs them.
 */
public record ConntrackEntry(int id, int protocol, int state, int timeout, int origSource, int origDestination, int origPorts,
                             int replySource, int replyDestination, int replyPorts, int flags, long origPackets, long origBytes,
                             long replyPackets, long replyBytes) {

    public boolean assured() {
        return (flags & FlowTable.ASSURED) != 0;
    }

    /** No packet of the reply direction seen yet: conntrack's [UNREPLIED]. */
    public boolean unreplied() {
        return (flags & FlowTable.SEEN_REPLY) == 0;
    }

    public boolean sourceNat() {
        return (flags & FlowTable.SRC_NAT) != 0;
    }

    public boolean destinationNat() {
        return (flags & FlowTable.DST_NAT) != 0;
    }
}
