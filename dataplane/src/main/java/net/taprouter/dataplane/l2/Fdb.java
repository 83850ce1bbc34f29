package net.taprouter.dataplane.l2;

/**
 * A bridge's forwarding database: (VLAN, MAC) → port, learned from source addresses, aged out,
 * bounded. One thread writes and reads it (the forwarding worker that owns the bridge); nothing
 * here is thread-safe.
 *
 * <p>Layout: open addressing with linear probing over one {@code long[]} of (key, value) pairs, so
 * that a lookup touches one cache line in the common case. The key packs the VLAN and the MAC
 * ({@link #key}; never 0, which marks an empty slot); the value packs the port, the flags and the
 * time the entry was last seen, in milliseconds. The table has at least twice as many slots as
 * entries (load ≤ 0.5); deletion shifts later entries back (no tombstones), so a full table never
 * degrades into long probes. No allocation after construction.
 *
 * <p>Bounds, as switches have them: at most {@code maxEntries} entries, and at most
 * {@code perPortLimit} learned entries per port, so a host sending from random source MACs fills
 * its own share and not the others'. When a bound is hit the MAC is simply not learned ({@link
 * #FULL}, {@link #PORT_LIMIT}): its frames are flooded, nothing is evicted, nothing grows.
 *
 * <p>Static entries ({@link #addStatic}) never age and never move: a frame from a static MAC
 * arriving on another port does not move the entry ({@link #STATIC_CONFLICT}). Learned entries
 * move to the port a MAC is seen on ({@link #MOVED}).
 *
 * <p>Ageing is incremental: {@link #age} looks at a bounded number of slots from a cursor, so the
 * cost per call is fixed and a whole sweep takes {@code slots / budget} calls.
 */
public final class Fdb {
    /** {@link #lookup} result when the MAC is unknown. */
    public static final int NONE = -1;

    /** {@link #learn} results. */
    public static final int KNOWN = 0;
    public static final int LEARNED = 1;
    public static final int MOVED = 2;
    public static final int FULL = 3;
    public static final int PORT_LIMIT = 4;
    public static final int STATIC_CONFLICT = 5;

    /** Largest port index + 1 the table can hold. */
    public static final int MAX_PORTS = 1 << 16;
    /** Highest VLAN id (0 = untagged / no VLAN filtering). */
    public static final int MAX_VLAN = 4095;

    private static final long PORT_MASK = 0xFFFFL;
    private static final long STATIC_FLAG = 1L << 16;
    private static final int TIME_SHIFT = 24;

    private final long[] table;
    private final int mask;
    private final int maxEntries;
    private final int perPortLimit;
    private final int[] learnedPerPort;
    private long ageingMillis;
    private int size;
    private int cursor;
    /** Told about every entry before it is removed (aged, flushed, deleted); null: nobody (FDB events, {@code monitor fdb}). */
    public EntryVisitor removals;

    /**
     * @param maxEntries   bound on entries (learned + static)
     * @param perPortLimit bound on learned entries per port
     * @param ports        number of port indices the table may see (ports are 0..ports-1)
     * @param ageingMillis a learned entry not seen for this long is removed by {@link #age}
     */
    public Fdb(int maxEntries, int perPortLimit, int ports, long ageingMillis) {
        if (maxEntries < 1 || maxEntries > 1 << 24) {
            throw new IllegalArgumentException("FDB size must be 1.." + (1 << 24) + ": " + maxEntries);
        }
        if (perPortLimit < 1) {
            throw new IllegalArgumentException("per-port limit must be positive: " + perPortLimit);
        }
        if (ports < 1 || ports > MAX_PORTS) {
            throw new IllegalArgumentException("ports must be 1.." + MAX_PORTS + ": " + ports);
        }
        int slots = Integer.highestOneBit(maxEntries * 2 - 1) << 1;
        this.table = new long[slots * 2];
        this.mask = slots - 1;
        this.maxEntries = maxEntries;
        this.perPortLimit = perPortLimit;
        this.learnedPerPort = new int[ports];
        ageing(ageingMillis);
    }

    /** The key of (vlan, mac): never 0. */
    public static long key(int vlan, long mac) {
        return ((long) (vlan + 1) << 48) | (mac & 0xFFFF_FFFF_FFFFL);
    }

    /** Sets the ageing time (the bridge's {@code ageing SECONDS}; 0 = never age). */
    public void ageing(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("ageing must be >= 0: " + millis);
        }
        this.ageingMillis = millis;
    }

    public long ageingMillis() {
        return ageingMillis;
    }

    public int size() {
        return size;
    }

    public int maxEntries() {
        return maxEntries;
    }

    /** Learned entries on {@code port}. */
    public int learned(int port) {
        return learnedPerPort[port];
    }

    /** The port {@code mac} was learned on in {@code vlan}, or {@link #NONE}. */
    public int lookup(int vlan, long mac) {
        int at = find(key(vlan, mac));
        return at < 0 ? NONE : (int) (table[at + 1] & PORT_MASK);
    }

    /**
     * A frame from {@code mac} arrived on {@code port} at {@code nowMillis}: refresh, learn or
     * move its entry. Returns {@link #KNOWN}, {@link #LEARNED}, {@link #MOVED}, {@link #FULL},
     * {@link #PORT_LIMIT} or {@link #STATIC_CONFLICT}. Callers should not learn broadcast or
     * multicast sources (a frame with such a source is invalid; the bridge drops it).
     */
    public int learn(int vlan, long mac, int port, long nowMillis) {
        long key = key(vlan, mac);
        int at = find(key);
        if (at >= 0) {
            long value = table[at + 1];
            int old = (int) (value & PORT_MASK);
            if ((value & STATIC_FLAG) != 0) {
                return old == port ? KNOWN : STATIC_CONFLICT;
            }
            if (old == port) {
                table[at + 1] = value(port, false, nowMillis);
                return KNOWN;
            }
            if (learnedPerPort[port] >= perPortLimit) {
                return PORT_LIMIT;
            }
            learnedPerPort[old]--;
            learnedPerPort[port]++;
            table[at + 1] = value(port, false, nowMillis);
            return MOVED;
        }
        if (size >= maxEntries) {
            return FULL;
        }
        if (learnedPerPort[port] >= perPortLimit) {
            return PORT_LIMIT;
        }
        insert(key, value(port, false, nowMillis));
        learnedPerPort[port]++;
        return LEARNED;
    }

    /**
     * {@code fdb add MAC dev PORT}: a static entry (replacing a learned or static one for the
     * same MAC). False if the table is full.
     */
    public boolean addStatic(int vlan, long mac, int port) {
        long key = key(vlan, mac);
        int at = find(key);
        if (at >= 0) {
            long value = table[at + 1];
            if ((value & STATIC_FLAG) == 0) {
                learnedPerPort[(int) (value & PORT_MASK)]--;
            }
            table[at + 1] = value(port, true, 0);
            return true;
        }
        if (size >= maxEntries) {
            return false;
        }
        insert(key, value(port, true, 0));
        return true;
    }

    /** Removes the entry of (vlan, mac), static or learned. False if there is none. */
    public boolean delete(int vlan, long mac) {
        int at = find(key(vlan, mac));
        if (at < 0) {
            return false;
        }
        remove(at);
        return true;
    }

    /**
     * Removes the entries on {@code port} ({@link #NONE}: on every port); static ones too if
     * {@code includeStatic}. Returns how many went. A full scan: for commands, not per packet.
     */
    public int flush(int port, boolean includeStatic) {
        // Scan once around the table starting at an empty slot (there is one: load <= 0.5): no probe
        // run crosses it, so a shift-back only moves entries into slots not yet passed.
        int start = 0;
        while (table[start << 1] != 0) {
            start++;
        }
        int removed = 0;
        int slots = mask + 1;
        int step = 1;
        int slot = (start + 1) & mask;
        while (step < slots) {
            int at = slot << 1;
            long key = table[at];
            long value = table[at + 1];
            if (key != 0 && (port == NONE || (int) (value & PORT_MASK) == port)
                && (includeStatic || (value & STATIC_FLAG) == 0)) {
                remove(at); // a later entry may have shifted into this slot: look at it again
                removed++;
            } else {
                slot = (slot + 1) & mask;
                step++;
            }
        }
        return removed;
    }

    /**
     * Incremental ageing: examines up to {@code budget} slots from where the last call stopped and
     * removes learned entries not seen for the ageing time. Returns how many it removed.
     */
    public int age(long nowMillis, int budget) {
        if (ageingMillis == 0 || size == 0) {
            return 0;
        }
        int removed = 0;
        int slots = mask + 1;
        for (int i = 0; i < budget && i < slots; i++) {
            int at = cursor << 1;
            long value = table[at + 1];
            if (table[at] != 0 && (value & STATIC_FLAG) == 0 && nowMillis - (value >>> TIME_SHIFT) >= ageingMillis) {
                remove(at); // an entry may shift into this slot: the cursor stays to look at it next
                removed++;
            } else {
                cursor = (cursor + 1) & mask;
            }
        }
        return removed;
    }

    /**
     * The packed entry of (vlan, mac) ({@link #valuePort}, {@link #valueStatic}, {@link #valueLastSeen}),
     * or -1 if there is none: what {@link #restore} puts back (control transactions).
     */
    public long value(int vlan, long mac) {
        int at = find(key(vlan, mac));
        return at < 0 ? -1 : table[at + 1];
    }

    public static int valuePort(long value) {
        return (int) (value & PORT_MASK);
    }

    public static boolean valueStatic(long value) {
        return (value & STATIC_FLAG) != 0;
    }

    /** Last seen (ms) of a learned entry; 0 for a static one. */
    public static long valueLastSeen(long value) {
        return value >>> TIME_SHIFT;
    }

    /** A packed value, as {@link #value} answers it: for {@link #restore}. */
    public static long pack(int port, boolean isStatic, long lastSeenMillis) {
        return value(port, isStatic, isStatic ? 0 : lastSeenMillis);
    }

    /**
     * Puts (vlan, mac) back exactly as {@link #value} gave it (-1: removes it), whatever the bounds
     * say: the undo of a control change, which must not fail (the bounds hold again as entries age).
     */
    public void restore(int vlan, long mac, long value) {
        long key = key(vlan, mac);
        int at = find(key);
        if (at >= 0) {
            remove(at);
        }
        if (value == -1) {
            return;
        }
        if (size + 1 > mask) {
            throw new IllegalStateException("FDB slots exhausted"); // never: size stays near maxEntries, slots >= 2x
        }
        insert(key, value);
        if ((value & STATIC_FLAG) == 0) {
            learnedPerPort[(int) (value & PORT_MASK)]++;
        }
    }

    /** The per-port learning limit. */
    public int perPortLimit() {
        return perPortLimit;
    }

    /** Receives the entries of {@link #forEach}. */
    @FunctionalInterface
    public interface EntryVisitor {
        /** {@code lastSeenMillis} is 0 for static entries. */
        void entry(int vlan, long mac, int port, boolean isStatic, long lastSeenMillis);
    }

    /** Visits every entry (for {@code fdb show}; not per packet). */
    public void forEach(EntryVisitor visitor) {
        for (int at = 0; at < table.length; at += 2) {
            long key = table[at];
            if (key != 0) {
                long value = table[at + 1];
                boolean isStatic = (value & STATIC_FLAG) != 0;
                visitor.entry((int) (key >>> 48) - 1, key & 0xFFFF_FFFF_FFFFL, (int) (value & PORT_MASK), isStatic,
                    isStatic ? 0 : value >>> TIME_SHIFT);
            }
        }
    }

    private static long value(int port, boolean isStatic, long nowMillis) {
        return (nowMillis << TIME_SHIFT) | (isStatic ? STATIC_FLAG : 0) | (port & PORT_MASK);
    }

    private int home(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    /** Index in {@link #table} of the key's pair, or -1. */
    private int find(long key) {
        int slot = home(key);
        while (true) {
            long k = table[slot << 1];
            if (k == key) {
                return slot << 1;
            }
            if (k == 0) {
                return -1;
            }
            slot = (slot + 1) & mask;
        }
    }

    private void insert(long key, long value) {
        int slot = home(key);
        while (table[slot << 1] != 0) {
            slot = (slot + 1) & mask;
        }
        table[slot << 1] = key;
        table[(slot << 1) + 1] = value;
        size++;
    }

    /** Removes the pair at {@code at} and shifts back the entries of its probe run. */
    private void remove(int at) {
        long value = table[at + 1];
        if (removals != null) {
            long key = table[at];
            boolean isStatic = (value & STATIC_FLAG) != 0;
            removals.entry((int) (key >>> 48) - 1, key & 0xFFFF_FFFF_FFFFL, (int) (value & PORT_MASK), isStatic,
                isStatic ? 0 : value >>> TIME_SHIFT);
        }
        if ((value & STATIC_FLAG) == 0) {
            learnedPerPort[(int) (value & PORT_MASK)]--;
        }
        size--;
        int hole = at >>> 1;
        int slot = hole;
        while (true) {
            slot = (slot + 1) & mask;
            long key = table[slot << 1];
            if (key == 0) {
                break;
            }
            int home = home(key);
            // the entry at slot may fill the hole if its home is not cyclically in (hole, slot]
            boolean stays = hole <= slot ? (hole < home && home <= slot) : (hole < home || home <= slot);
            if (!stays) {
                table[hole << 1] = key;
                table[(hole << 1) + 1] = table[(slot << 1) + 1];
                hole = slot;
            }
        }
        table[hole << 1] = 0;
        table[(hole << 1) + 1] = 0;
    }
}
