package net.taprouter.dataplane.route;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

import org.agrona.collections.Int2IntHashMap;

/**
 * IPv4 longest-prefix-match table in the DIR-24-8 layout: one lookup costs one memory read for prefixes up
 * to /24 and two for longer ones.
 *
 * <h2>Layout</h2>
 * {@code tbl24} has 2<sup>24</sup> int entries, one per /24 (64 MiB). {@code tbl8} is a pool of groups of
 * 256 int entries (1 KiB each), one group per /24 that holds a prefix longer than /24. An entry is one of:
 * <pre>
 *   route:    0 | depth (6 bits, 0..32) | 25-bit value     value = next hop (0..2^24-1),
 *                                                           or all ones = no route (depth 0)
 *   extended: 1 | 0000000 | tbl8 group index (24 bits)     tbl24 only: look in the group
 * </pre>
 * The depth is the length of the prefix that set the entry, so the writer knows which entries a new or
 * removed prefix owns. The lookup sign-extends the 25-bit value, which maps "no route" to {@link #NO_ROUTE}
 * without a branch.
 *
 * <h2>Concurrency</h2>
 * One writer thread at a time calls {@link #add}, {@link #remove}, {@link #get}, {@link #size},
 * {@link #forEach} and the statistics methods (they are not synchronized). Any number of threads may call
 * {@link #lookup} concurrently with the writer, without locks: every change is a sequence of single int
 * stores (with release semantics), each of which leaves the table answering, for every address, either the
 * route before the change or the route after it. A new tbl8 group is filled completely before the tbl24
 * entry that points to it is published. A group that is unlinked (its /24 no longer needs it) goes to a
 * pending list and is reused only after {@link GracePeriod#await()} has returned, so a reader still
 * inside a lookup never sees it rewritten.
 *
 * <p>Lookups use plain loads: the second load's index depends on the first load's value, and the group
 * it reads was completely written before the release store that published it.
 *
 * <p>A rule store (one hash map per prefix length) remembers every prefix, so that removing a prefix
 * restores the next covering prefix.
 */
public final class RouteTable {

    /** {@link #lookup} and {@link #get} result when no prefix matches. */
    public static final int NO_ROUTE = -1;

    /** Largest next-hop id. */
    public static final int MAX_NEXT_HOP = (1 << 24) - 1;

    /** Largest number of tbl8 groups a table may have (4 GiB of groups). */
    public static final int MAX_TBL8_GROUPS = 1 << 22;

    private static final int EXTENDED = 0x8000_0000;
    private static final int DEPTH_SHIFT = 25;
    private static final int GROUP_INDEX_MASK = 0x00FF_FFFF;
    /** No route, depth 0: the value field is all ones, which the lookup sign-extends to -1. */
    static final int EMPTY = 0x01FF_FFFF;
    private static final int GROUP_SHIFT = 8;
    private static final int GROUP_ENTRIES = 1 << GROUP_SHIFT;
    private static final int TBL24_ENTRIES = 1 << 24;

    private static final VarHandle INT_ARRAY = MethodHandles.arrayElementVarHandle(int[].class);

    private final int[] tbl24;
    private final int[] tbl8;
    private final int tbl8Groups;
    private final GracePeriod gracePeriod;

    /** rules[length]: prefix -> next hop. */
    private final Int2IntHashMap[] rules = new Int2IntHashMap[33];
    private int size;

    /** Groups ready for use (stack; allocation pops from the end). */
    private final int[] freeGroups;
    private int freeCount;
    /** Groups unlinked since the last grace period: readers may still be reading them. */
    private final int[] pendingGroups;
    private int pendingCount;
    private long gracePeriodsAwaited;

    /**
     * @param tbl8Groups  number of tbl8 groups (each serves one /24 holding prefixes longer than /24;
     *                    a full Internet table needs about 451); 0..{@link #MAX_TBL8_GROUPS}
     * @param gracePeriod waits for concurrent readers before unlinked groups are reused;
     *                    {@link GracePeriod#NONE} if the writer is the only reader
     */
    public RouteTable(int tbl8Groups, GracePeriod gracePeriod) {
        if (tbl8Groups < 0 || tbl8Groups > MAX_TBL8_GROUPS) {
            throw new IllegalArgumentException("tbl8Groups must be in 0.." + MAX_TBL8_GROUPS + ": " + tbl8Groups);
        }
        if (gracePeriod == null) {
            throw new NullPointerException("gracePeriod");
        }
        this.tbl8Groups = tbl8Groups;
        this.gracePeriod = gracePeriod;
        this.tbl24 = new int[TBL24_ENTRIES];
        this.tbl8 = new int[tbl8Groups * GROUP_ENTRIES];
        Arrays.fill(tbl24, EMPTY);
        this.freeGroups = new int[tbl8Groups];
        this.pendingGroups = new int[tbl8Groups];
        for (int g = tbl8Groups - 1; g >= 0; g--) {
            freeGroups[freeCount++] = g;
        }
        for (int length = 0; length <= 32; length++) {
            rules[length] = new Int2IntHashMap(NO_ROUTE);
        }
        // Publish the initial contents to readers that receive this table through a data race.
        VarHandle.releaseFence();
    }

    /**
     * Longest-prefix match. Wait-free, allocation-free, at most two memory reads; safe to call from any
     * thread concurrently with the writer.
     *
     * @param address IPv4 address, big-endian value (192.0.2.1 = 0xC0000201)
     * @return the next hop of the longest matching prefix, or {@link #NO_ROUTE}
     */
    public int lookup(int address) {
        int entry = tbl24[address >>> 8];
        if (entry < 0) {
            // extended: (entry << 8) drops the flag and leaves group index * 256
            entry = tbl8[(entry << GROUP_SHIFT) | (address & 0xFF)];
        }
        return (entry << 7) >> 7;
    }

    /**
     * Adds a prefix, or replaces the next hop of an existing identical prefix.
     *
     * @throws IllegalArgumentException if length is outside 0..32, prefix has host bits set, or nextHop is
     *                                  outside 0..{@link #MAX_NEXT_HOP}
     * @throws IllegalStateException    if the prefix is longer than /24, its /24 needs a new tbl8 group and
     *                                  none is left; the table is then unchanged
     */
    public void add(int prefix, int length, int nextHop) {
        checkPrefix(prefix, length);
        if (nextHop < 0 || nextHop > MAX_NEXT_HOP) {
            throw new IllegalArgumentException("nextHop must be in 0.." + MAX_NEXT_HOP + ": " + nextHop);
        }
        Int2IntHashMap lengthRules = rules[length];
        int previous = lengthRules.get(prefix);
        if (previous == nextHop) {
            return;
        }
        int newEntry = routeEntry(length, nextHop);
        if (length <= 24) {
            putRule(lengthRules, prefix, nextHop, previous);
            int first = prefix >>> 8;
            int end = first + (1 << (24 - length));
            for (int i = first; i < end; i++) {
                int entry = tbl24[i];
                if (entry < 0) {
                    overwrite(groupBase(entry), GROUP_ENTRIES, length, newEntry);
                } else if (depth(entry) <= length && entry != newEntry) {
                    INT_ARRAY.setRelease(tbl24, i, newEntry);
                }
            }
        } else {
            int i = prefix >>> 8;
            int entry = tbl24[i];
            int low = prefix & 0xFF;
            int count = 1 << (32 - length);
            if (entry < 0) {
                putRule(lengthRules, prefix, nextHop, previous);
                overwrite(groupBase(entry) + low, count, length, newEntry);
            } else {
                int group = allocateGroup(); // may throw: nothing changed yet
                putRule(lengthRules, prefix, nextHop, previous);
                int base = group << GROUP_SHIFT;
                // The group is unreachable by readers: plain stores, then publish with release.
                Arrays.fill(tbl8, base, base + GROUP_ENTRIES, entry); // depth <= 24 < length
                Arrays.fill(tbl8, base + low, base + low + count, newEntry);
                INT_ARRAY.setRelease(tbl24, i, EXTENDED | group);
            }
        }
    }

    /**
     * Removes a prefix; addresses it covered fall back to the next covering prefix, if any.
     *
     * @return false if the prefix was not in the table
     * @throws IllegalArgumentException if length is outside 0..32 or prefix has host bits set
     */
    public boolean remove(int prefix, int length) {
        checkPrefix(prefix, length);
        if (rules[length].remove(prefix) == NO_ROUTE) {
            return false;
        }
        size--;
        int replacement = coveringEntry(prefix, length);
        if (length <= 24) {
            int first = prefix >>> 8;
            int end = first + (1 << (24 - length));
            for (int i = first; i < end; i++) {
                int entry = tbl24[i];
                if (entry < 0) {
                    // The group still holds its longer prefixes, so it stays.
                    overwrite(groupBase(entry), GROUP_ENTRIES, length, replacement);
                } else if (depth(entry) <= length) {
                    INT_ARRAY.setRelease(tbl24, i, replacement);
                }
            }
        } else {
            int i = prefix >>> 8;
            int entry = tbl24[i];
            assert entry < 0 : "prefix longer than /24 without a tbl8 group";
            int base = groupBase(entry);
            overwrite(base + (prefix & 0xFF), 1 << (32 - length), length, replacement);
            if (depth(replacement) <= 24 && !holdsLongPrefix(base)) {
                // Every entry now carries the same /24-or-shorter route: put it back into tbl24.
                INT_ARRAY.setRelease(tbl24, i, tbl8[base]);
                pendingGroups[pendingCount++] = base >>> GROUP_SHIFT;
            }
        }
        return true;
    }

    /**
     * Exact match.
     *
     * @return the next hop of exactly this prefix, or {@link #NO_ROUTE}
     * @throws IllegalArgumentException if length is outside 0..32 or prefix has host bits set
     */
    public int get(int prefix, int length) {
        checkPrefix(prefix, length);
        return rules[length].get(prefix);
    }

    /** Number of prefixes in the table. */
    public int size() {
        return size;
    }

    /**
     * Visits every prefix, ordered by prefix (unsigned) then length, from a snapshot taken at the call: the
     * visitor may modify the table.
     */
    public void forEach(RouteVisitor visitor) {
        long[] keys = new long[size];
        int n = 0;
        for (int length = 0; length <= 32; length++) {
            Int2IntHashMap.KeyIterator it = rules[length].keySet().iterator();
            Int2IntHashMap map = rules[length];
            while (it.hasNext()) {
                int prefix = it.nextValue();
                int nextHop = map.get(prefix);
                // (prefix with sign bit flipped) orders as unsigned; then length; the next hop fills 24 bits
                keys[n++] = ((long) (prefix ^ 0x8000_0000) << 32) | ((long) length << 24) | nextHop;
            }
        }
        Arrays.sort(keys, 0, n);
        for (int k = 0; k < n; k++) {
            long key = keys[k];
            visitor.accept((int) (key >>> 32) ^ 0x8000_0000, (int) (key >>> 24) & 0x3F, (int) key & MAX_NEXT_HOP);
        }
    }

    /** Number of tbl8 groups the table was created with. */
    public int tbl8GroupCapacity() {
        return tbl8Groups;
    }

    /** Number of tbl8 groups linked from tbl24 (one per /24 holding prefixes longer than /24). */
    public int tbl8GroupsInUse() {
        return tbl8Groups - freeCount - pendingCount;
    }

    /** Number of unlinked tbl8 groups waiting for a grace period before reuse. */
    public int tbl8GroupsPending() {
        return pendingCount;
    }

    /** Number of times the table has called {@link GracePeriod#await()}. */
    public long gracePeriodsAwaited() {
        return gracePeriodsAwaited;
    }

    /** Receives one prefix of {@link #forEach}. */
    @FunctionalInterface
    public interface RouteVisitor {
        void accept(int prefix, int length, int nextHop);
    }

    // ---- internals ----

    private void putRule(Int2IntHashMap lengthRules, int prefix, int nextHop, int previous) {
        lengthRules.put(prefix, nextHop);
        if (previous == NO_ROUTE) {
            size++;
        }
    }

    /** Replaces, in tbl8[from, from + count), every entry set by a prefix of at most {@code length} bits. */
    private void overwrite(int from, int count, int length, int newEntry) {
        int[] t = tbl8;
        for (int j = from, end = from + count; j < end; j++) {
            int entry = t[j];
            if (depth(entry) <= length && entry != newEntry) {
                INT_ARRAY.setRelease(t, j, newEntry);
            }
        }
    }

    private boolean holdsLongPrefix(int base) {
        for (int j = base, end = base + GROUP_ENTRIES; j < end; j++) {
            if (depth(tbl8[j]) > 24) {
                return true;
            }
        }
        return false;
    }

    /** The entry of the longest prefix shorter than {@code length} that covers {@code prefix}, or EMPTY. */
    private int coveringEntry(int prefix, int length) {
        for (int l = length - 1; l >= 0; l--) {
            int nextHop = rules[l].get(prefix & mask(l));
            if (nextHop != NO_ROUTE) {
                return routeEntry(l, nextHop);
            }
        }
        return EMPTY;
    }

    private int allocateGroup() {
        if (freeCount == 0 && pendingCount > 0) {
            // Make the unlinking stores visible before the readers are polled.
            VarHandle.fullFence();
            gracePeriod.await();
            gracePeriodsAwaited++;
            System.arraycopy(pendingGroups, 0, freeGroups, 0, pendingCount);
            freeCount = pendingCount;
            pendingCount = 0;
        }
        if (freeCount == 0) {
            throw new IllegalStateException("route table full: no free tbl8 group (capacity " + tbl8Groups + ")");
        }
        return freeGroups[--freeCount];
    }

    private static int routeEntry(int length, int nextHop) {
        return (length << DEPTH_SHIFT) | nextHop;
    }

    private static int depth(int routeEntry) {
        return routeEntry >>> DEPTH_SHIFT;
    }

    private static int groupBase(int extendedEntry) {
        return (extendedEntry & GROUP_INDEX_MASK) << GROUP_SHIFT;
    }

    static int mask(int length) {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    private static void checkPrefix(int prefix, int length) {
        if (length < 0 || length > 32) {
            throw new IllegalArgumentException("prefix length must be in 0..32: " + length);
        }
        if ((prefix & ~mask(length)) != 0) {
            throw new IllegalArgumentException("host bits set in prefix " + PrefixFile.format(prefix, length));
        }
    }

    /**
     * Checks the internal structure (for tests; scans all of tbl24, so slow): every tbl8 group is exactly
     * one of linked once, free or pending; every linked group holds a prefix longer than /24; no tbl8 entry
     * is extended; every route entry is well formed.
     *
     * @throws AssertionError on the first violation
     */
    void checkInvariants() {
        byte[] state = new byte[tbl8Groups]; // 0 unseen, 1 linked, 2 free, 3 pending
        for (int k = 0; k < freeCount; k++) {
            mark(state, freeGroups[k], (byte) 2);
        }
        for (int k = 0; k < pendingCount; k++) {
            mark(state, pendingGroups[k], (byte) 3);
        }
        int linked = 0;
        for (int i = 0; i < TBL24_ENTRIES; i++) {
            int entry = tbl24[i];
            if (entry < 0) {
                if ((entry & ~GROUP_INDEX_MASK) != EXTENDED) {
                    throw new AssertionError("bad extended entry " + Integer.toHexString(entry) + " at " + i);
                }
                int group = entry & GROUP_INDEX_MASK;
                mark(state, group, (byte) 1);
                linked++;
                int base = group << GROUP_SHIFT;
                for (int j = base; j < base + GROUP_ENTRIES; j++) {
                    checkRouteEntry(tbl8[j], "tbl8", j);
                }
                if (!holdsLongPrefix(base)) {
                    throw new AssertionError("group " + group + " linked from " + i + " holds no prefix > /24");
                }
            } else {
                checkRouteEntry(entry, "tbl24", i);
                if (depth(entry) > 24) {
                    throw new AssertionError("tbl24[" + i + "] has depth " + depth(entry));
                }
            }
        }
        if (linked + freeCount + pendingCount != tbl8Groups) {
            throw new AssertionError("groups: linked " + linked + " free " + freeCount + " pending " + pendingCount
                    + " capacity " + tbl8Groups);
        }
        int count = 0;
        for (Int2IntHashMap map : rules) {
            count += map.size();
        }
        if (count != size) {
            throw new AssertionError("size " + size + " but " + count + " rules");
        }
    }

    private static void mark(byte[] state, int group, byte as) {
        if (group < 0 || group >= state.length || state[group] != 0) {
            throw new AssertionError("tbl8 group " + group + " is " + (group >= 0 && group < state.length ? state[group] : -1)
                    + ", now also " + as);
        }
        state[group] = as;
    }

    private static void checkRouteEntry(int entry, String array, int index) {
        if (entry < 0) {
            throw new AssertionError(array + "[" + index + "] is extended: " + Integer.toHexString(entry));
        }
        int value = entry & 0x01FF_FFFF;
        if (depth(entry) > 32 || (value > MAX_NEXT_HOP && entry != EMPTY)) {
            throw new AssertionError(array + "[" + index + "] is malformed: " + Integer.toHexString(entry));
        }
    }
}
