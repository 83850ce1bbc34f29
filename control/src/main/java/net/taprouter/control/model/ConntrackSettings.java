package net.taprouter.control.model;

import net.taprouter.control.command.CommandException;
import net.taprouter.dataplane.agent.WorkerControl;
import net.taprouter.dataplane.conntrack.ConntrackConfig;
import net.taprouter.dataplane.conntrack.ConntrackStats;
import net.taprouter.dataplane.conntrack.ConntrackTable;
import net.taprouter.dataplane.conntrack.ConntrackTimeouts;
import net.taprouter.dataplane.conntrack.FlowTable;

/**
 * {@code conntrack max}, {@code conntrack timeout} and {@code nat portlimit}: the table size (per
 * worker), the timeouts and the outside ports an inside address may hold, undoable. A timeout change is published at once (the workers read it per packet);
 * a new size is checked at once (the flows in the table must fit) and applied at commit: the
 * workers then move their flows into tables of the new size, made on the control thread. Control
 * thread only.
 */
public final class ConntrackSettings {
    private final RouterState state;
    private int max = ConntrackTable.DEFAULT_MAX;

    ConntrackSettings(RouterState state) {
        this.state = state;
    }

    private ConntrackConfig config() {
        return state.dataplane().conntrack();
    }

    /** Flows the table holds at most (as the last {@code conntrack max} set it). */
    public int max() {
        return max;
    }

    public ConntrackTimeouts timeouts() {
        return config().timeouts();
    }

    /** {@code conntrack max N}: checked now, applied when the request commits. */
    public void max(int value, String command) {
        if (value < 1 || value > FlowTable.MAX_FLOWS) {
            throw new CommandException(command + ": " + value + " out of range 1.." + FlowTable.MAX_FLOWS);
        }
        if (value == max) {
            return;
        }
        for (ConntrackStats s : state.dataplane().workers().conntrackStatistics()) {
            if (s.count() > value) {
                throw new CommandException(command + ": the table holds " + s.count() + " flows (conntrack -F or -D first)");
            }
        }
        int old = max;
        max = value;
        state.transaction().onRollback(() -> max = old);
        state.transaction().onCommit(() -> state.dataplane().workers().conntrackResize(value));
    }

    /** A limit per address, published in {@link ConntrackConfig} and read by a new flow's first packet. */
    public enum Limit {
        /** {@code nat portlimit}: outside ports (source-NAT mappings) one inside address may hold. */
        PORT("nat portlimit", "portlimit", "port limit", ConntrackConfig.MAX_PORT_LIMIT),
        /** {@code conntrack hostlimit}: flows one address may have opened in the table. */
        HOST("conntrack hostlimit", "hostlimit", "host limit", ConntrackConfig.MAX_HOST_LIMIT);

        private final String command;
        private final String jsonKey;
        private final String description;
        private final int max;

        Limit(String command, String jsonKey, String description, int max) {
            this.command = command;
            this.jsonKey = jsonKey;
            this.description = description;
            this.max = max;
        }

        public String command() {
            return command;
        }

        public String jsonKey() {
            return jsonKey;
        }

        public String description() {
            return description;
        }

        /** Largest value (auto aside). */
        public int max() {
            return max;
        }
    }

    /**
     * What the limit is in effect: its value, or for auto a quarter of what it bounds (at least
     * 1): the flows of the table as {@code conntrack max} sets it (host), the NAT mappings a
     * table of that size gets, at most those made when NAT started (port): so a router restored
     * from {@code save} (where NAT may start before its request resizes the table) limits alike.
     */
    public int effectiveLimit(Limit limit) {
        int value = limit(limit);
        if (limit == Limit.HOST) {
            return ConntrackConfig.effectiveHostLimit(value, max);
        }
        WorkerControl workers = state.dataplane().workers();
        int capacity = ConntrackTable.mappingCapacityFor(max);
        if (workers.conntrackStarted()) {
            capacity = Math.min(capacity, workers.conntrackMappingCapacity());
        }
        return ConntrackConfig.effectivePortLimit(value, capacity);
    }

    /** The limit's value now ({@link ConntrackConfig#AUTO}: auto). */
    public int limit(Limit limit) {
        return limit == Limit.PORT ? config().portLimit() : config().hostLimit();
    }

    /** {@code nat portlimit} / {@code conntrack hostlimit N|auto}: published at once (new flows from then on), undone with the request. */
    public void limit(Limit limit, int value, String command) {
        if (value != ConntrackConfig.AUTO && (value < 1 || value > limit.max())) {
            throw new CommandException(command + ": " + value + " out of range 1.." + limit.max());
        }
        int old = limit(limit);
        publish(limit, value);
        state.transaction().onRollback(() -> publish(limit, old));
    }

    private void publish(Limit limit, int value) {
        if (limit == Limit.PORT) {
            config().portLimit(value);
        } else {
            config().hostLimit(value);
        }
    }

    /** {@code conntrack timeout NAME SECONDS} ({@link ConntrackTimeouts#names()}). */
    public void timeout(String name, int seconds) {
        ConntrackTimeouts before = config().timeouts();
        config().timeouts(before.with(name, seconds));
        state.transaction().onRollback(() -> config().timeouts(before));
    }
}
