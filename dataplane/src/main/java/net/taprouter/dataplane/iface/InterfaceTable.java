package net.taprouter.dataplane.iface;

import net.taprouter.dataplane.table.IndexedTable;

/**
 * All L3 interfaces by index (what next hops and neighbour entries name), a copy-on-write snapshot
 * ({@link IndexedTable}): an interface's index stays reserved until its removal finished (a grace
 * period passed and every worker dropped its neighbour entries and, for a bridge, its FDB).
 */
public final class InterfaceTable extends IndexedTable<Interface> {
    /** A PORT interface per port, plus bridges (later VLAN sub-interfaces). */
    public static final int MAX_INTERFACES = 512;

    public InterfaceTable() {
        super(new Interface[0], MAX_INTERFACES);
    }
}
