package net.taprouter.dataplane.l2;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.port.PortTable;

/**
 * The FDB of every bridge, as one forwarding worker holds them, by the bridge's interface index.
 * The worker is their only writer and reader (the forwarding path learns and looks up; the control
 * thread reaches them only through worker commands, which run on the worker's thread between
 * batches). Bridges come and go by command ({@link #create}, {@link #drop}); the worker's timer
 * ages them a bounded number of slots at a time ({@link #age}).
 */
public final class FdbTables {
    /** Default bound on a bridge's entries. */
    public static final int DEFAULT_MAX_ENTRIES = 65_536;
    /** Default learning limit per port: an eighth of the table. */
    public static final int DEFAULT_PORT_LIMIT = 8_192;
    /** Default ageing, as Linux bridges: 300 s. */
    public static final long DEFAULT_AGEING_MILLIS = 300_000;
    /** FDB slots each bridge's ageing looks at per timer round (50 ms): a 65,536-entry table in ~1.6 s. */
    public static final int AGE_BUDGET = 4096;

    private final Fdb[] byInterface = new Fdb[InterfaceTable.MAX_INTERFACES];
    /** Interface indices with an FDB, in creation order (the ageing round goes over them). */
    private final List<Integer> bridges = new ArrayList<>();
    /** FDB events for {@code monitor fdb} (written only while a session is armed). */
    public final FdbEvents events = new FdbEvents();

    /** Tells {@link #events} about the entries a bridge's FDB removes (aged, flushed, deleted). */
    private final class Removals implements Fdb.EntryVisitor {
        private final int bridge;

        Removals(int bridge) {
            this.bridge = bridge;
        }

        @Override
        public void entry(int vlan, long mac, int port, boolean isStatic, long lastSeenMillis) {
            if (events.tap.armed) {
                events.emit(FdbEvents.DELETED, bridge, vlan, mac, port, isStatic);
            }
        }
    }

    /** A frame's source was learned ({@code result} {@link Fdb#LEARNED} or {@link Fdb#MOVED}): the event, if anyone listens. */
    public void learned(int result, int bridge, int vlan, long mac, int port) {
        if (events.tap.armed && (result == Fdb.LEARNED || result == Fdb.MOVED)) {
            events.emit(result == Fdb.LEARNED ? FdbEvents.LEARNED : FdbEvents.MOVED, bridge, vlan, mac, port, false);
        }
    }

    /** The FDB of bridge {@code iface}, or null (not a bridge, or not created on this worker yet). */
    public Fdb get(int iface) {
        return iface >= 0 && iface < byInterface.length ? byInterface[iface] : null;
    }

    /** A new, empty FDB for bridge {@code iface} (replacing any). */
    public void create(int iface, int maxEntries, int perPortLimit, long ageingMillis) {
        Fdb fdb = new Fdb(maxEntries, perPortLimit, PortTable.MAX_PORTS, ageingMillis);
        fdb.removals = new Removals(iface);
        if (byInterface[iface] == null) {
            bridges.add(iface);
        }
        byInterface[iface] = fdb;
    }

    /** Bridge {@code iface} is gone: its FDB with it. */
    public void drop(int iface) {
        if (byInterface[iface] != null) {
            byInterface[iface] = null;
            bridges.remove(Integer.valueOf(iface));
        }
    }

    /**
     * New bounds for bridge {@code iface}'s FDB: a new table with its entries (static ones first;
     * learned ones as long as they fit the new bounds). Fails, changing nothing, if the static
     * entries alone do not fit.
     */
    public void resize(int iface, int maxEntries, int perPortLimit) {
        Fdb old = byInterface[iface];
        Fdb fdb = new Fdb(maxEntries, perPortLimit, PortTable.MAX_PORTS, old.ageingMillis());
        int[] statics = {0};
        old.forEach((vlan, mac, port, isStatic, lastSeen) -> {
            if (isStatic) {
                statics[0]++;
            }
        });
        if (statics[0] > maxEntries) {
            throw new IllegalStateException(statics[0] + " static FDB entries do not fit in " + maxEntries);
        }
        old.forEach((vlan, mac, port, isStatic, lastSeen) -> {
            if (isStatic) {
                fdb.addStatic(vlan, mac, port);
            }
        });
        old.forEach((vlan, mac, port, isStatic, lastSeen) -> {
            if (!isStatic) {
                fdb.learn(vlan, mac, port, lastSeen);
            }
        });
        fdb.removals = old.removals;
        byInterface[iface] = fdb;
    }

    /** Ages every bridge's FDB by up to {@link #AGE_BUDGET} slots; returns the entries removed. */
    public int age(long nowMillis) {
        int removed = 0;
        for (int i = 0, n = bridges.size(); i < n; i++) {
            removed += byInterface[bridges.get(i)].age(nowMillis, AGE_BUDGET);
        }
        return removed;
    }

    /** Copies of the entries of bridge {@code iface} (-1: of every bridge), for display (allocates). */
    public List<FdbEntry> snapshot(int iface, long nowMillis) {
        List<FdbEntry> list = new ArrayList<>();
        for (int bridge : bridges) {
            if (iface >= 0 && bridge != iface) {
                continue;
            }
            byInterface[bridge].forEach((vlan, mac, port, isStatic, lastSeen) -> list.add(
                new FdbEntry(bridge, vlan, mac, port, isStatic, lastSeen, isStatic ? 0 : Math.max(0, nowMillis - lastSeen))));
        }
        return list;
    }

    /**
     * Removes the entries of bridge {@code iface} on {@code port} (-1: every port), learned ones
     * and, if {@code includeStatic}, static ones; returns them (for an undo: {@link #restore}).
     */
    public List<FdbEntry> flush(int iface, int port, boolean includeStatic) {
        Fdb fdb = byInterface[iface];
        List<FdbEntry> removed = new ArrayList<>();
        if (fdb == null) {
            return removed;
        }
        fdb.forEach((vlan, mac, p, isStatic, lastSeen) -> {
            if ((port < 0 || p == port) && (includeStatic || !isStatic)) {
                removed.add(new FdbEntry(iface, vlan, mac, p, isStatic, lastSeen, 0));
            }
        });
        fdb.flush(port < 0 ? Fdb.NONE : port, includeStatic);
        return removed;
    }

    /**
     * {@code bridge vlan del}: removes the learned entries of bridge {@code iface} on {@code port}
     * in VLANs {@code first}..{@code last}; returns them (for {@link #restore}).
     */
    public List<FdbEntry> flushVlans(int iface, int port, int first, int last) {
        Fdb fdb = byInterface[iface];
        List<FdbEntry> removed = new ArrayList<>();
        if (fdb == null) {
            return removed;
        }
        fdb.forEach((vlan, mac, p, isStatic, lastSeen) -> {
            if (p == port && !isStatic && vlan >= first && vlan <= last) {
                removed.add(new FdbEntry(iface, vlan, mac, p, false, lastSeen, 0));
            }
        });
        for (FdbEntry e : removed) {
            fdb.delete(e.vlan(), e.mac());
        }
        return removed;
    }

    /** Puts entries back as they were (the undo of a flush or a delete); cannot fail. */
    public void restore(List<FdbEntry> entries) {
        for (int i = entries.size() - 1; i >= 0; i--) {
            FdbEntry e = entries.get(i);
            Fdb fdb = byInterface[e.bridge()];
            if (fdb != null) {
                fdb.restore(e.vlan(), e.mac(), e.port() < 0 ? -1 : e.packed());
            }
        }
    }

    /** Every bridge forgets port {@code port} (it is being removed); returns how many entries went. */
    public int forgetPort(int port) {
        int removed = 0;
        for (int bridge : bridges) {
            removed += byInterface[bridge].flush(port, true);
        }
        return removed;
    }

    /**
     * {@code fdb add}: (vlan 0, mac) static on {@code port} of bridge {@code iface}; returns the
     * entry as it was (port -1: there was none), for {@link #restore}. Fails if the table is full.
     */
    public FdbEntry setStatic(int iface, long mac, int port) {
        return setStatic(iface, 0, mac, port);
    }

    /** {@code fdb add ... vlan VLAN}: (vlan, mac) static on {@code port} (as {@link #setStatic(int, long, int)}). */
    public FdbEntry setStatic(int iface, int vlan, long mac, int port) {
        Fdb fdb = existing(iface);
        FdbEntry before = entry(iface, fdb, vlan, mac);
        if (!fdb.addStatic(vlan, mac, port)) {
            throw new IllegalStateException("FDB full (" + fdb.maxEntries() + " entries)");
        }
        if (events.tap.armed && (before.port() != port || !before.isStatic())) {
            events.emit(FdbEvents.LEARNED, iface, 0, mac, port, true);
        }
        return before;
    }

    /** {@code fdb del}: removes (vlan 0, mac) if it is on {@code port}; returns it, or null if there is none there. */
    public FdbEntry delete(int iface, long mac, int port) {
        return delete(iface, 0, mac, port);
    }

    /** {@code fdb del ... vlan VLAN}: removes (vlan, mac) if it is on {@code port}; returns it, or null. */
    public FdbEntry delete(int iface, int vlan, long mac, int port) {
        Fdb fdb = existing(iface);
        FdbEntry before = entry(iface, fdb, vlan, mac);
        if (before.port() != port) {
            return null;
        }
        fdb.delete(vlan, mac);
        return before;
    }

    /** (vlan, mac) of {@code fdb} as an entry; port -1 if there is none. */
    private static FdbEntry entry(int iface, Fdb fdb, int vlan, long mac) {
        long value = fdb.value(vlan, mac);
        if (value == -1) {
            return new FdbEntry(iface, vlan, mac, -1, false, 0, 0);
        }
        return new FdbEntry(iface, vlan, mac, Fdb.valuePort(value), Fdb.valueStatic(value), Fdb.valueLastSeen(value), 0);
    }

    private Fdb existing(int iface) {
        Fdb fdb = get(iface);
        if (fdb == null) {
            throw new IllegalArgumentException("no bridge with interface index " + iface);
        }
        return fdb;
    }

    /** Sets bridge {@code iface}'s ageing time; returns the previous one. */
    public long ageing(int iface, long millis) {
        Fdb fdb = existing(iface);
        long before = fdb.ageingMillis();
        fdb.ageing(millis);
        return before;
    }
}
