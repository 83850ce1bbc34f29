package net.taprouter.dataplane.port;

import net.taprouter.dataplane.table.IndexedTable;

/**
 * All L2 ports by index (the RX poller's tokens, the per-port counters, the FDB's port numbers),
 * a copy-on-write snapshot ({@link IndexedTable}): a port's index stays reserved until its removal
 * finished (a grace period passed and the bridges forgot it), so {@code link del A} + {@code link
 * add B} in one request never share an index.
 */
public final class PortTable extends IndexedTable<Port> {
    public static final int MAX_PORTS = 256;

    public PortTable() {
        super(new Port[0], MAX_PORTS);
    }
}
