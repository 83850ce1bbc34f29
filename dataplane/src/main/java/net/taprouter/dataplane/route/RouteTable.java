package net.taprouter.dataplane.route;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

import net.taprouter.dataplane.table.ForwardingVersion;
import org.agrona.collections.Int2IntHashMap;

/**
 * IPv4 longest-prefix-match table: DIR-24-8 for the writer, a compressed DIR-16 structure for the readers. A
 * lookup reads one small direct table, then, for addresses in a /16 that holds more than one route, a
 * compressed chunk of that /16, and, for the rare /24s that hold prefixes longer than /24, one tbl8 entry.
 *
 * <h2>Writer structure (not read by lookups)</h2>
 * {@code tbl24} has 2<sup>24</sup> int entries, one per /24, each one of:
 * <pre>
 *   route:    0 | depth (6 bits, 0..32) | 25-bit value     value = next hop (0..2^24-1),
 *                                                           or all ones = no route (depth 0)
 *   extended: 1 | 0000000 | tbl8 group index (24 bits)     look in the group
 * </pre>
 * The depth is the length of the prefix that set the entry, so the writer knows which entries a new or
 * removed prefix owns. tbl24 is stored per /16 so that it costs memory only where routes differ: a /16 whose
 * 256 entries are all equal (and not extended) is one int of {@code uniform}; only the others have a block of
 * 256 ints ({@code blocks[hi]}, 1 KiB). Empty, a table takes 512 KiB here instead of 64 MiB; with the full
 * Internet table the blocks take about as many KiB as there are /16s with chunks. A block whose entries
 * become equal again goes back to {@code uniform}. {@code tbl8} is a pool of groups of 256 entries (1 KiB each, route entries only), one
 * group per /24 that holds a prefix longer than /24; lookups do read it.
 *
 * <h2>Reader structure</h2>
 * One int array, {@code fib}: a direct table of 2<sup>16</sup> entries (256 KiB, one per /16), followed by
 * chunks. A direct entry is a reader value (the next hop, or {@link #NO_ROUTE}) when all 256 /24s of the /16
 * resolve to the same next hop; otherwise it is {@code 0x8000_0000 | offset} of the /16's chunk. A chunk
 * run-length encodes the 256 reader values of the /16 (one per /24; a tbl8 group is the value
 * {@code 0x8000_0000 | group}):
 * <pre>
 *   8 x (bits, base)   bits: bit j set = /24 number 32w + j starts a new run (bit 0 of word 0 is never set);
 *                      base: number of bits set in the words before w
 *   runs values        the value of each run, in order
 * </pre>
 * The run of /24 number k (0..255) is {@code base[k / 32] + bitCount(bits[k / 32] << (31 - k % 32))}: a
 * popcount, no search. With the full Internet table (about 900,000 prefixes), about 25,000 /16s have chunks,
 * 56 ints on average, about 6 MiB in all, which stays in the last-level cache where a flat 64 MiB tbl24
 * would not.
 *
 * <h2>Concurrency</h2>
 * One writer thread at a time calls {@link #add}, {@link #remove}, {@link #get}, {@link #size},
 * {@link #forEach} and the statistics methods (they are not synchronized). Any number of threads may call
 * {@link #lookup} concurrently with the writer, without locks: every change is a sequence of single int
 * stores with release semantics into memory readers can reach, each of which leaves the table answering,
 * for every address, either the route before the change or the route after it.
 * <ul>
 *   <li>A changed /16 gets a new chunk, written completely into unused space at the end of {@code fib}
 *       and then published by a release store of its direct entry; the old chunk is never written again.
 *       Only when the change leaves the run layout as it was are the changed run values stored in place
 *       (one int each, atomic).</li>
 *   <li>When {@code fib} has no room left, the writer copies the live chunks into a new array and publishes
 *       that array with a release store. The old array is never written again, and the garbage collector
 *       keeps it for as long as a reader still holds it: chunk space needs no grace period.</li>
 *   <li>A new tbl8 group is filled completely before the chunk (or chunk value) that points to it is
 *       published. A group that is unlinked (its /24 no longer needs it) goes to a pending list and is
 *       reused only after {@link GracePeriod#await()} has returned, so a reader still inside a lookup never
 *       sees it rewritten.</li>
 * </ul>
 * Lookups use plain loads only: each load's index (or array) depends on the value of the load before, and
 * what it reads was completely written before the release store that published it. The reference to
 * {@code fib} itself is read plainly too, so that a loop of lookups can keep it in a register: an acquire
 * read there cost about a quarter of the random-lookup throughput on the benchmark machine. The array a
 * reader holds is always a complete, consistent table; a reader picks up a replacement array at its next
 * read of the field, which a compiled loop may postpone until it passes a synchronization action (a
 * volatile read, such as polling a ring) - until then it answers from the table as it was at the
 * compaction, old routes rather than garbage.
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

    /** fib: entries in the direct table, one per /16. */
    private static final int DIRECT = 1 << 16;
    /** fib: ints of a chunk header (8 words of run-start bits, each followed by its base). */
    private static final int HEADER = 16;
    /** fib: direct entry {@code CHUNK | offset}; also the flag of a tbl8 group value in a chunk. */
    private static final int CHUNK = 0x8000_0000;
    private static final int OFFSET_MASK = 0x7FFF_FFFF;
    private static final int MIN_FIB = DIRECT + 4096;

    private static final VarHandle INT_ARRAY = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle FIB;

    static {
        try {
            FIB = MethodHandles.lookup().findVarHandle(RouteTable.class, "fib", int[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Reader structure: direct table, then chunks (see the class comment). Replaced by compaction. */
    private int[] fib;
    /** First unused int of fib (writer only). */
    private int fibTop;
    /** Ints of fib held by chunks that are no longer linked (writer only). */
    private int fibGarbage;
    private long compactions;
    private final int[] runValues = new int[GROUP_ENTRIES];
    private final int[] runHeader = new int[HEADER];

    /** Writer only: tbl24 per /16, a block of 256 entries, or null when all are {@code uniform[hi]}. */
    private final int[][] blocks = new int[DIRECT][];
    /**
     * Writer only: the last block dropped by {@link #collapseIfUniform}, taken again by the next
     * {@link #block} that needs one: a /24 added to a uniform /16 and removed again (a flapping
     * route) allocates nothing.
     */
    private int[] spareBlock;
    /** Writer only: the entry of every /24 of a /16 that has no block (never extended). */
    private final int[] uniform = new int[DIRECT];
    /** Writer only: number of non-null blocks. */
    private int blockCount;
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

    /** While true, changed /16s are only noted in {@link #held} and published by {@link #publishHeld}. */
    private boolean holding;
    /** The /16s changed while holding, each once ({@link #isHeld} marks them). */
    private final int[] held = new int[DIRECT];
    private int heldCount;
    private final long[] isHeld = new long[DIRECT / 64];

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
        this.tbl8 = new int[tbl8Groups * GROUP_ENTRIES];
        Arrays.fill(uniform, EMPTY);
        int[] initial = new int[MIN_FIB];
        Arrays.fill(initial, 0, DIRECT, NO_ROUTE);
        this.fib = initial;
        this.fibTop = DIRECT;
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
     * Longest-prefix match. Wait-free, allocation-free; reads the direct entry, and only for a /16 with a chunk
     * a bitmap word and its base (adjacent), one run value and, for a /24 with a tbl8 group, one tbl8 entry:
     * at most four cache lines. Safe to call from any thread concurrently with the writer.
     *
     * @param address IPv4 address, big-endian value (192.0.2.1 = 0xC0000201)
     * @return the next hop of the longest matching prefix, or {@link #NO_ROUTE}
     */
    public int lookup(int address) {
        int[] p = fib; // plain read, like the arrays of BinaryTrie: see "Concurrency" in the class comment
        int value = p[address >>> 16];
        if (value < NO_ROUTE) {
            // chunk: the run of /24 number k; "bits << ~k" keeps bits 0..k%32 (shift counts use 5 bits)
            int offset = value & OFFSET_MASK;
            int k = address >>> 8;
            int word = offset + ((k >>> 4) & 0xE);
            value = p[offset + HEADER + p[word + 1] + Integer.bitCount(p[word] << ~k)];
            if (value < NO_ROUTE) {
                // tbl8 group: (value << 8) drops the flag and leaves group index * 256
                int entry = tbl8[(value << GROUP_SHIFT) | (address & 0xFF)];
                value = (entry << 7) >> 7;
            }
        }
        return value;
    }

    /** The next hop in the tbl8 group of run value {@code CHUNK | group} for {@code address}. */
    private int tbl8Value(int value, int address) {
        // (value << 8) drops the flag and leaves group index * 256
        int entry = tbl8[(value << GROUP_SHIFT) | (address & 0xFF)];
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
        try {
            addRule(prefix, length, nextHop);
        } finally {
            ForwardingVersion.changed(); // after the change: a decision cached from before it is stale
        }
    }

    private void addRule(int prefix, int length, int nextHop) {
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
            setRange(prefix, length, newEntry);
        } else {
            int i = prefix >>> 8;
            int entry = tbl24(i);
            int low = prefix & 0xFF;
            int count = 1 << (32 - length);
            if (entry < 0) {
                putRule(lengthRules, prefix, nextHop, previous);
                overwrite(groupBase(entry) + low, count, length, newEntry);
            } else {
                int group = allocateGroup(); // may throw: nothing changed yet
                putRule(lengthRules, prefix, nextHop, previous);
                int base = group << GROUP_SHIFT;
                // The group is unreachable by readers: plain stores, then publish it in the chunk of its /16.
                Arrays.fill(tbl8, base, base + GROUP_ENTRIES, entry); // depth <= 24 < length
                Arrays.fill(tbl8, base + low, base + low + count, newEntry);
                block(i >>> 8)[i & 0xFF] = EXTENDED | group;
                changed(i >>> 8);
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
        try {
            return removeRule(prefix, length);
        } finally {
            ForwardingVersion.changed();
        }
    }

    private boolean removeRule(int prefix, int length) {
        checkPrefix(prefix, length);
        if (rules[length].remove(prefix) == NO_ROUTE) {
            return false;
        }
        size--;
        int replacement = coveringEntry(prefix, length);
        if (length <= 24) {
            setRange(prefix, length, replacement);
        } else {
            int i = prefix >>> 8;
            int entry = tbl24(i);
            assert entry < 0 : "prefix longer than /24 without a tbl8 group";
            int base = groupBase(entry);
            overwrite(base + (prefix & 0xFF), 1 << (32 - length), length, replacement);
            if (depth(replacement) <= 24 && !holdsLongPrefix(base)) {
                // Every entry now carries the same /24-or-shorter route: put it back into tbl24, unlink the
                // group from the chunk, and keep it away from reuse until a grace period has passed.
                int[] block = blocks[i >>> 8];
                block[i & 0xFF] = tbl8[base];
                collapseIfUniform(i >>> 8, block);
                publish(i >>> 8); // now, even while held: the group must be unreachable before it is pending
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
     * Writer: from now on, changes reach the reader structure only at {@link #publishHeld()}: the writer's
     * own structures ({@link #get}, {@link #forEach}, {@link #size}) change at once, {@link #lookup} answers
     * as before the held changes. A /16 changed many times (a table being loaded) is then rebuilt once
     * instead of once per change, and readers see a batch's routes appear together. Removing a prefix
     * longer than /24 still publishes its /16 at once when its tbl8 group is unlinked (the group must be
     * unreachable before it waits for reuse).
     */
    public void holdPublication() {
        holding = true;
    }

    /** Writer: publishes every /16 changed since {@link #holdPublication()} and stops holding. */
    public void publishHeld() {
        holding = false;
        for (int k = 0; k < heldCount; k++) {
            int hi = held[k];
            isHeld[hi >>> 6] &= ~(1L << hi);
            publish(hi);
        }
        heldCount = 0;
        ForwardingVersion.changed();
    }

    /** Writer: are changes being held back from readers ({@link #holdPublication()})? */
    public boolean holdingPublication() {
        return holding;
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

    /**
     * Sets {@code entry} in every /24 of a prefix of at most 24 bits whose current route is at most
     * {@code length} bits long (inside tbl8 groups too), then republishes each /16 whose reader values
     * may have changed.
     */
    private void setRange(int prefix, int length, int entry) {
        int first = prefix >>> 8;
        int end = first + (1 << (24 - length));
        // /16 by /16: a prefix of up to 16 bits covers whole /16s, a longer one lies inside one /16
        for (int from = first; from < end; from = (from | 0xFF) + 1) {
            int to = Math.min(end, (from | 0xFF) + 1);
            int hi = from >>> 8;
            int[] t = blocks[hi];
            if (t == null) {
                int old = uniform[hi];
                if (depth(old) > length || old == entry) {
                    continue; // a longer prefix owns the whole /16, or nothing changes
                }
                if (to - from == GROUP_ENTRIES) {
                    uniform[hi] = entry;
                    changed(hi);
                    continue;
                }
                t = block(hi);
            }
            boolean changed = false;
            for (int i = from & 0xFF, stop = i + (to - from); i < stop; i++) {
                int old = t[i];
                if (old < 0) {
                    overwrite(groupBase(old), GROUP_ENTRIES, length, entry);
                } else if (depth(old) <= length && old != entry) {
                    t[i] = entry;
                    changed = true;
                }
            }
            if (changed) {
                collapseIfUniform(hi, t);
                changed(hi);
            }
        }
    }

    /** The /16 number {@code hi} changed in tbl24: publish it now, or note it while holding. */
    private void changed(int hi) {
        if (!holding) {
            publish(hi);
            return;
        }
        long bit = 1L << hi;
        if ((isHeld[hi >>> 6] & bit) == 0) {
            isHeld[hi >>> 6] |= bit;
            held[heldCount++] = hi;
        }
    }

    /** The tbl24 entry of /24 number {@code i}. */
    private int tbl24(int i) {
        int[] block = blocks[i >>> 8];
        return block == null ? uniform[i >>> 8] : block[i & 0xFF];
    }

    /** The block of /16 number {@code hi}, made from its uniform entry if it has none. */
    private int[] block(int hi) {
        int[] block = blocks[hi];
        if (block == null) {
            block = spareBlock != null ? spareBlock : new int[GROUP_ENTRIES];
            spareBlock = null;
            Arrays.fill(block, uniform[hi]);
            blocks[hi] = block;
            blockCount++;
        }
        return block;
    }

    /** Drops the block of /16 number {@code hi} if its entries are all the same route entry. */
    private void collapseIfUniform(int hi, int[] block) {
        int first = block[0];
        if (first < 0) {
            return;
        }
        for (int j = 1; j < GROUP_ENTRIES; j++) {
            if (block[j] != first) {
                return;
            }
        }
        uniform[hi] = first;
        blocks[hi] = null;
        spareBlock = block;
        blockCount--;
    }

    /** Bytes held by the writer's tbl24 (uniform entries and blocks; array headers not counted). */
    long writerTableBytes() {
        return 4L * DIRECT + 8L * DIRECT + blockCount * 4L * GROUP_ENTRIES;
    }

    /** The value a reader sees for a tbl24 entry: next hop, NO_ROUTE, or CHUNK | tbl8 group. */
    private static int readerValue(int entry) {
        // extended: already CHUNK | group; route: sign-extended 25-bit value (branch-free)
        int extended = entry >> 31;
        return (entry & extended) | (((entry << 7) >> 7) & ~extended);
    }

    /**
     * Makes the reader structure of the /16 number {@code hi} agree with tbl24: a direct value, the same
     * chunk with changed run values stored in place, or a new chunk published by a release store.
     */
    private void publish(int hi) {
        int[] t = blocks[hi];
        int[] p = fib;
        int old = p[hi];
        if (t == null) {
            int value = readerValue(uniform[hi]);
            if (old != value) {
                INT_ARRAY.setRelease(p, hi, value);
                if (old < NO_ROUTE) {
                    fibGarbage += chunkSize(p, old & OFFSET_MASK);
                }
            }
            return;
        }
        int[] values = runValues;
        int[] header = runHeader;
        int from = 0;
        int previous = readerValue(t[from]);
        int runs = 1;
        // branch-free run detection: every value is stored at the current run, a new run advances first
        for (int w = 0; w < 8; w++) {
            header[2 * w + 1] = runs - 1;
            int bits = 0;
            int base = from + (w << 5);
            for (int j = 0; j < 32; j++) {
                int value = readerValue(t[base + j]);
                int diff = value ^ previous;
                int start = (diff | -diff) >>> 31; // 1 if value != previous
                bits |= start << j;
                runs += start;
                values[runs - 1] = value;
                previous = value;
            }
            header[2 * w] = bits;
        }

        int oldSize = 0;
        if (old < NO_ROUTE) {
            int offset = old & OFFSET_MASK;
            oldSize = chunkSize(p, offset);
            if (oldSize == HEADER + runs && Arrays.equals(p, offset, offset + HEADER, header, 0, HEADER)) {
                // same runs: each changed value is one atomic store
                for (int r = 0, v = offset + HEADER; r < runs; r++, v++) {
                    if (p[v] != values[r]) {
                        INT_ARRAY.setRelease(p, v, values[r]);
                    }
                }
                return;
            }
        }
        if (runs == 1 && values[0] >= NO_ROUTE) {
            if (old != values[0]) {
                INT_ARRAY.setRelease(p, hi, values[0]);
            }
        } else {
            int size = HEADER + runs;
            if (p.length - fibTop < size) {
                p = compact(size);
            }
            int offset = fibTop;
            // unused space, unreachable by readers: plain stores, then publish with release
            System.arraycopy(header, 0, p, offset, HEADER);
            System.arraycopy(values, 0, p, offset + HEADER, runs);
            fibTop = offset + size;
            INT_ARRAY.setRelease(p, hi, CHUNK | offset);
        }
        fibGarbage += oldSize;
    }

    private static int chunkSize(int[] p, int offset) {
        return HEADER + 1 + p[offset + HEADER - 1] + Integer.bitCount(p[offset + HEADER - 2]);
    }

    /**
     * Copies the direct table and the live chunks into a new array with room for at least {@code need} more
     * ints, and publishes it. Readers that still hold the old array keep reading it; it is never written
     * again.
     */
    private int[] compact(int need) {
        int[] old = fib;
        long live = fibTop - fibGarbage;
        // room for as many new chunk ints as live ones and at least 1 Mi: a table being built compacts
        // (copies and allocates) a few dozen times rather than once per few thousand changes
        long capacity = Math.max(MIN_FIB, 2 * (live + need) + (1 << 20));
        if (capacity > Integer.MAX_VALUE - 8) {
            capacity = Integer.MAX_VALUE - 8; // not reachable: at most 2^16 chunks of at most 272 ints
        }
        int[] p = new int[(int) capacity];
        System.arraycopy(old, 0, p, 0, DIRECT);
        int top = DIRECT;
        for (int hi = 0; hi < DIRECT; hi++) {
            int entry = old[hi];
            if (entry < NO_ROUTE) {
                int offset = entry & OFFSET_MASK;
                int size = chunkSize(old, offset);
                System.arraycopy(old, offset, p, top, size);
                p[hi] = CHUNK | top;
                top += size;
            }
        }
        fibTop = top;
        fibGarbage = 0;
        compactions++;
        FIB.setRelease(this, p);
        return p;
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
     * is extended; every route entry is well formed; the reader structure answers, for every /24, what
     * tbl24 says, its chunks are well formed, minimal (adjacent runs differ) and do not overlap, and the
     * count of unused chunk space is right.
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
        int blocksSeen = 0;
        for (int hi = 0; hi < DIRECT; hi++) {
            if (blocks[hi] != null) {
                blocksSeen++;
                int[] block = blocks[hi];
                boolean allSame = block[0] >= 0;
                for (int j = 1; j < GROUP_ENTRIES && allSame; j++) {
                    allSame = block[j] == block[0];
                }
                if (allSame) {
                    throw new AssertionError("block of /16 " + hi + " is uniform but not collapsed");
                }
            } else if (uniform[hi] < 0) {
                throw new AssertionError("uniform entry of /16 " + hi + " is extended");
            }
        }
        if (blocksSeen != blockCount) {
            throw new AssertionError("blocks: counted " + blockCount + ", found " + blocksSeen);
        }
        for (int i = 0; i < TBL24_ENTRIES; i++) {
            int entry = tbl24(i);
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
        checkFib();
        int count = 0;
        for (Int2IntHashMap map : rules) {
            count += map.size();
        }
        if (count != size) {
            throw new AssertionError("size " + size + " but " + count + " rules");
        }
    }

    private void checkFib() {
        int[] p = fib;
        if (fibTop < DIRECT || fibTop > p.length || fibGarbage < 0) {
            throw new AssertionError("fib top " + fibTop + " length " + p.length + " garbage " + fibGarbage);
        }
        boolean[] used = new boolean[fibTop];
        long live = DIRECT;
        for (int hi = 0; hi < DIRECT; hi++) {
            int entry = p[hi];
            int from = hi << 8;
            if (entry >= NO_ROUTE) {
                for (int j = 0; j < GROUP_ENTRIES; j++) {
                    if (readerValue(tbl24(from + j)) != entry) {
                        throw new AssertionError("direct[" + hi + "] = " + entry + " but tbl24[" + (from + j) + "] = "
                                + Integer.toHexString(tbl24(from + j)));
                    }
                }
                continue;
            }
            int offset = entry & OFFSET_MASK;
            if (offset < DIRECT || offset + HEADER > fibTop) {
                throw new AssertionError("direct[" + hi + "]: chunk offset " + offset + " outside fib");
            }
            if ((p[offset] & 1) != 0) {
                throw new AssertionError("chunk of /16 " + hi + ": bit 0 set");
            }
            int runs = 0;
            for (int w = 0; w < 8; w++) {
                if (p[offset + 2 * w + 1] != runs) {
                    throw new AssertionError("chunk of /16 " + hi + ": base " + w + " is " + p[offset + 2 * w + 1]
                            + ", expected " + runs);
                }
                runs += Integer.bitCount(p[offset + 2 * w]);
            }
            int size = chunkSize(p, offset);
            if (size != HEADER + runs + 1 || runs < 1 || offset + size > fibTop) {
                throw new AssertionError("chunk of /16 " + hi + ": size " + size + ", " + (runs + 1) + " runs");
            }
            for (int v = offset; v < offset + size; v++) {
                if (used[v]) {
                    throw new AssertionError("chunk of /16 " + hi + " overlaps another at " + v);
                }
                used[v] = true;
            }
            live += size;
            for (int r = 1; r <= runs; r++) {
                if (p[offset + HEADER + r] == p[offset + HEADER + r - 1]) {
                    throw new AssertionError("chunk of /16 " + hi + ": runs " + (r - 1) + " and " + r + " are equal");
                }
            }
            for (int k = 0; k < GROUP_ENTRIES; k++) {
                int word = offset + 2 * (k >>> 5);
                int value = p[offset + HEADER + p[word + 1] + Integer.bitCount(p[word] << ~k)];
                if (value != readerValue(tbl24(from + k))) {
                    throw new AssertionError("chunk of /16 " + hi + " answers " + Integer.toHexString(value)
                            + " for /24 " + k + ", tbl24 says " + Integer.toHexString(tbl24(from + k)));
                }
            }
        }
        if (live + fibGarbage != fibTop) {
            throw new AssertionError("fib: live " + live + " + garbage " + fibGarbage + " != top " + fibTop);
        }
    }

    /** Ints of the reader structure in use: direct table and live chunks (for tests and reports). */
    int fibLiveInts() {
        return fibTop - fibGarbage;
    }

    /** Number of /16s that have a chunk (for tests and reports). */
    int chunks() {
        int n = 0;
        for (int hi = 0; hi < DIRECT; hi++) {
            if (fib[hi] < NO_ROUTE) {
                n++;
            }
        }
        return n;
    }

    /** Number of times the reader structure was compacted into a new array (for tests and reports). */
    long compactions() {
        return compactions;
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
