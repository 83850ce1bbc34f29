package net.taprouter.dataplane.conntrack;

/**
 * The storage of a connection-tracking table: flows with an original and a reply tuple, both
 * found through one hash index, a bounded number of flows, expiry by an incremental sweep, and
 * eviction of a non-assured flow near a new one when full (nf_conntrack's early_drop). One thread
 * writes and reads it (the worker that owns the flows); the protocol logic (TCP states, timeouts,
 * NAT) lives in the stages that use it.
 *
 * <p>A tuple is (source address, destination address, ports, protocol); {@link #packPorts} packs the
 * two 16-bit ports (for ICMP queries: the identifier in both halves, the query's type kept in the
 * flow). A flow's reply tuple is the original inverted, unless NAT rewrote it.
 *
 * <p>Memory, fixed at construction (but for the source counts: below): per flow {@value #STRIDE} ints (96
 * bytes: both tuples, protocol/state/flags, expiry, id, packet and byte counters, TCP window
 * tracking per direction), in two arrays: what a lookup reads (the tuples, protocol/state/flags
 * and expiry: 32 bytes, two flows a cache line) apart from the rest (64 bytes), so that finding a
 * flow touches a third of the memory it would in one record of 96 bytes; plus an index of {@code int}s with two keys per flow at a load of at
 * most one half (16 bytes per flow); plus the count of flows per original source address (for
 * {@code conntrack hostlimit}: 11 to 21 bytes per flow, sized so that it never grows): 123 to 133
 * bytes per flow, both directions included. An index
 * slot holds {@code (flow << 1 | direction) + 1} in its low 23 bits, above them its distance from
 * the slot its tuple hashes to (4 bits, {@value #FAR} for that far or farther) and 5 more bits of
 * the tuple's hash (the tag): a probe that does not match touches the flow only when the tags
 * agree (1 in 32), and deletion, which shifts later index slots back (no tombstones), finds where
 * each of them belongs without reading its flow, unless it sits {@value #FAR} or more slots away.
 *
 * <p>Time is in whole seconds of a caller's clock ({@code now}); a flow whose expiry has passed is
 * dead: {@link #lookup} no longer finds it and {@link #sweep} removes it.
 */
public final class FlowTable {
    /** Direction of a tuple within its flow. */
    public static final int ORIGINAL = 0;
    public static final int REPLY = 1;

    /** {@link #lookup}/{@link #insert} result when there is no flow. */
    public static final int NONE = -1;

    /** Largest number of flows a table can hold. */
    public static final int MAX_FLOWS = (1 << 22) - 1;

    // flow layout (ints): the words a lookup reads (0..7: tuples, protocol/state/flags, expiry) in
    // one array, HOT per flow (32 bytes: two flows a cache line); the rest (8..23) in another
    static final int STRIDE = 24;
    private static final int HOT = 8;
    private static final int COLD = STRIDE - HOT;
    private static final int ORIG_SRC = 0;
    private static final int ORIG_DST = 1;
    private static final int ORIG_PORTS = 2;
    private static final int REPLY_SRC = 3;
    private static final int REPLY_DST = 4;
    private static final int REPLY_PORTS = 5;
    /** protocol (8 bits) | state (8) | flags (16). */
    private static final int META = 6;
    private static final int EXPIRES = 7;
    // in the cold array (word - HOT)
    private static final int ID = 0;
    private static final int PACKETS = 1;       // + direction
    private static final int BYTES = 3;         // long: + 2 * direction
    /** Free list link while the flow is unused; the user's {@link #aux} word while it is in use. */
    private static final int NEXT_FREE = 7;
    /** Per direction 4 ints of TCP window tracking, for the protocol logic. */
    public static final int TCP_WORDS = 4;
    private static final int TCP = 8;

    /** Flags (see {@link #flags}). */
    public static final int ASSURED = 1;
    public static final int SEEN_REPLY = 1 << 1;
    public static final int SRC_NAT = 1 << 2;
    public static final int DST_NAT = 1 << 3;

    private static final int REF_BITS = 23;
    private static final int REF_MASK = (1 << REF_BITS) - 1;
    private static final int DISTANCE_SHIFT = REF_BITS;
    /** Stored distance meaning "this far or farther": the home slot is found from the flow. */
    static final int FAR = 15;
    private static final int TAG_SHIFT = DISTANCE_SHIFT + 4;

    /** Words 0..7 of each flow ({@value #HOT} per flow): what a lookup compares and checks. */
    private final int[] flows;
    /** Words 8..23 of each flow ({@value #COLD} per flow): id, counters, free link / aux, TCP tracking. */
    private final int[] cold;
    private final int[] index;
    private final int mask;
    private final int maxFlows;
    private int freeHead;
    private int size;
    private int sweepCursor;
    private int nextId = 1;
    /** Flows per original source address (every way in and out of the table keeps it). */
    private final HostCounts perSource;
    /** What the batch lookup's prefetching loads read (kept so that the compiler keeps the loads). */
    private int touched;
    /** {@link #prefetch}'s candidates (not kept). */
    private final int[] prefetched = new int[PREFETCH_TUPLES];

    /** Throws unless {@code maxFlows} is a table size (1..{@link #MAX_FLOWS}). */
    public static void checkMax(int maxFlows) {
        if (maxFlows < 1 || maxFlows > MAX_FLOWS) {
            throw new IllegalArgumentException("conntrack max must be 1.." + MAX_FLOWS + ": " + maxFlows);
        }
    }

    public FlowTable(int maxFlows) {
        checkMax(maxFlows);
        this.maxFlows = maxFlows;
        this.flows = new int[maxFlows * HOT];
        this.cold = new int[maxFlows * COLD];
        int slots = Integer.highestOneBit(maxFlows * 4 - 1) << 1;
        this.index = new int[slots];
        this.mask = slots - 1;
        this.perSource = HostCounts.compact(maxFlows); // never grows: no allocation on the packet path
        for (int flow = 0; flow < maxFlows; flow++) {
            cold[flow * COLD + NEXT_FREE] = flow + 1 < maxFlows ? flow + 1 : NONE;
            flows[flow * HOT + EXPIRES] = Integer.MIN_VALUE; // marks a free flow for sweep
        }
        freeHead = 0;
    }

    /** The two ports of a tuple in one int. */
    public static int packPorts(int sourcePort, int destinationPort) {
        return sourcePort << 16 | (destinationPort & 0xFFFF);
    }

    public int size() {
        return size;
    }

    public int maxFlows() {
        return maxFlows;
    }

    /** Flows in the table whose original source is {@code address}, but closed TCP connections ({@link #countsForSource}). */
    public int flowsFrom(int address) {
        return perSource.of(address);
    }

    /** Original source addresses with at least one flow in the table. */
    public int sources() {
        return perSource.addresses();
    }

    /** Slots of the hash index (for an eviction range that covers it all, in tests). */
    int indexSlots() {
        return mask + 1;
    }

    /**
     * The live flow with this tuple in either direction: {@code flow << 1 | direction}, or
     * {@link #NONE}. A flow past its expiry is not found.
     */
    public int lookup(int src, int dst, int ports, int protocol, int now) {
        int ref = lookupAny(src, dst, ports, protocol);
        return ref != NONE && alive(ref >>> 1, now) ? ref : NONE;
    }

    /**
     * The flow with this tuple in either direction, alive or not (expired, waiting for the sweep):
     * {@code flow << 1 | direction}, or {@link #NONE}. The caller removes a dead one it finds, so
     * that it never hides a new flow with the same tuple.
     */
    public int lookupAny(int src, int dst, int ports, int protocol) {
        int hash = hash(src, dst, ports, protocol);
        int tag = hash >>> TAG_SHIFT;
        int slot = hash & mask;
        while (true) {
            int entry = index[slot];
            if (entry == 0) {
                return NONE;
            }
            if (entry >>> TAG_SHIFT == tag) {
                int ref = (entry & REF_MASK) - 1;
                int base = (ref >>> 1) * HOT;
                int at = base + (ref & 1) * (REPLY_SRC - ORIG_SRC);
                // one branch for the whole key (the four words sit in one cache line)
                if (((flows[at] ^ src) | (flows[at + 1] ^ dst) | (flows[at + 2] ^ ports) | ((flows[base + META] >>> 24) ^ protocol)) == 0) {
                    return ref;
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    /** Tuples {@link #lookup(int, int, int[], int[], int[], int[], int, int[])} is meant for at once: an RX batch. */
    public static final int BATCH = 32;
    /** Tuples {@link #prefetch} takes at most. */
    public static final int PREFETCH_TUPLES = 64;

    /**
     * {@code count} lookups at once (best up to {@link #BATCH}): for {@code i} from {@code from} to
     * {@code from + count - 1}, {@code refs[i]} gets what {@link #lookup(int, int, int, int, int)}
     * would return for tuple {@code (src[i], dst[i], ports[i], protocol[i])}. A table far bigger
     * than the caches costs two dependent memory round trips per tuple (its index slot, then its
     * flow); this does the batch in three passes so that the round trips of all its tuples are in
     * flight at the same time (the group prefetching of hash joins, and of VPP's dual/quad loops):
     * the first reads each tuple's home index slot with no branch on what it reads; the second
     * probes from there (the index lines in the cache by then) and reads each candidate flow's
     * first word, again without waiting on it; the third compares the keys from lines that are
     * then in the cache. {@code refs} holds the hashes between the passes, so it must not be one
     * of the input arrays. No allocation: the caller owns the arrays.
     */
    public void lookup(int from, int count, int[] src, int[] dst, int[] ports, int[] protocol, int now, int[] refs) {
        candidates(from, count, src, dst, ports, protocol, refs);
        int[] flows = this.flows;
        int to = from + count;
        for (int i = from; i < to; i++) { // pass 3: compare the keys
            int ref = refs[i];
            if (ref == NONE) {
                continue;
            }
            int base = (ref >>> 1) * HOT;
            int at = base + (ref & 1) * (REPLY_SRC - ORIG_SRC);
            int differs = (flows[at] ^ src[i]) | (flows[at + 1] ^ dst[i]) | (flows[at + 2] ^ ports[i])
                | ((flows[base + META] >>> 24) ^ protocol[i]);
            if (differs == 0) {
                int expires = flows[base + EXPIRES];
                refs[i] = expires != Integer.MIN_VALUE && now - expires < 0 ? ref : NONE;
            } else {
                refs[i] = lookup(src[i], dst[i], ports[i], protocol[i], now); // a tag collision: probe on
            }
        }
    }

    /**
     * Passes 1 and 2 of the batch lookup: {@code refs[i]} gets tuple i's candidate
     * ({@code flow << 1 | direction} of the first index entry with its tag, or {@link #NONE}),
     * its index slots and the candidate's lookup words are then in the cache (or on their way).
     */
    private void candidates(int from, int count, int[] src, int[] dst, int[] ports, int[] protocol, int[] refs) {
        int[] index = this.index;
        int[] flows = this.flows;
        int mask = this.mask;
        int to = from + count;
        int touched = 0;
        for (int i = from; i < to; i++) { // pass 1: the home index slots (independent loads)
            int hash = hash(src[i], dst[i], ports[i], protocol[i]);
            refs[i] = hash;
            touched ^= index[hash & mask];
        }
        for (int i = from; i < to; i++) { // pass 2: probe, then the candidate flows (independent loads)
            int hash = refs[i];
            int tag = hash >>> TAG_SHIFT;
            int slot = hash & mask;
            int candidate;
            while (true) {
                int entry = index[slot];
                if (entry == 0) {
                    candidate = NONE;
                    break;
                }
                if (entry >>> TAG_SHIFT == tag) {
                    candidate = (entry & REF_MASK) - 1;
                    break;
                }
                slot = (slot + 1) & mask;
            }
            refs[i] = candidate;
            int base = (Math.max(candidate, 0) >>> 1) * HOT;
            touched ^= flows[base] ^ flows[base + EXPIRES]; // both ends: a record may straddle two lines
        }
        this.touched = touched;
    }

    /**
     * Brings what looking up tuples {@code 0..count-1} (at most {@value #PREFETCH_TUPLES}) will read into the cache, {@link #BATCH} at
     * a time with the misses of each batch in flight together (the batch lookup's first two
     * passes), and decides nothing: a data path with a batch of frames calls this first, then
     * looks each frame's flow up as usual. No allocation.
     */
    public void prefetch(int count, int[] src, int[] dst, int[] ports, int[] protocol) {
        int n = Math.min(count, PREFETCH_TUPLES);
        int[] refs = prefetched;
        for (int from = 0; from < n; from += BATCH) {
            candidates(from, Math.min(BATCH, n - from), src, dst, ports, protocol, refs);
        }
        int[] cold = this.cold;
        int touched = this.touched;
        for (int i = 0; i < n; i++) { // and the rest of each candidate (counters, TCP tracking, id): the packet's next reads
            int rest = (Math.max(refs[i], 0) >>> 1) * COLD;
            touched ^= cold[rest] ^ cold[rest + COLD - 1]; // both ends: the array's data does not start on a line
        }
        this.touched = touched;
    }

    /**
     * A new flow. Returns its number, or {@link #NONE} when the table is full (the caller may
     * {@link #evictNear} and try again). The caller has checked that neither tuple is in use.
     */
    public int insert(int origSrc, int origDst, int origPorts, int replySrc, int replyDst, int replyPorts, int protocol,
                      int expires) {
        if (freeHead == NONE) {
            return NONE;
        }
        int flow = freeHead;
        int base = flow * HOT;
        int rest = flow * COLD;
        freeHead = cold[rest + NEXT_FREE];
        java.util.Arrays.fill(cold, rest, rest + COLD, 0);
        flows[base + ORIG_SRC] = origSrc;
        flows[base + ORIG_DST] = origDst;
        flows[base + ORIG_PORTS] = origPorts;
        flows[base + REPLY_SRC] = replySrc;
        flows[base + REPLY_DST] = replyDst;
        flows[base + REPLY_PORTS] = replyPorts;
        flows[base + META] = protocol << 24;
        flows[base + EXPIRES] = expires;
        cold[rest + ID] = nextId++;
        cold[rest + NEXT_FREE] = NONE;
        link(flow, ORIGINAL);
        link(flow, REPLY);
        perSource.add(flows[base + ORIG_SRC]);
        size++;
        return flow;
    }

    /** Removes a flow (both tuples). */
    public void remove(int flow) {
        unlink(flow, ORIGINAL);
        unlink(flow, REPLY);
        if (countsForSource(flows[flow * HOT + META])) {
            perSource.remove(flows[flow * HOT + ORIG_SRC]);
        }
        flows[flow * HOT + EXPIRES] = Integer.MIN_VALUE;
        cold[flow * COLD + NEXT_FREE] = freeHead;
        freeHead = flow;
        size--;
    }

    /**
     * NAT changed a flow's reply tuple (before its first packet leaves): re-indexes it. The caller
     * has checked the new tuple is not in use.
     */
    public void replyTuple(int flow, int src, int dst, int ports) {
        unlink(flow, REPLY);
        int base = flow * HOT;
        flows[base + REPLY_SRC] = src;
        flows[base + REPLY_DST] = dst;
        flows[base + REPLY_PORTS] = ports;
        link(flow, REPLY);
    }

    /**
     * Table full: removes a flow that is not {@link #ASSURED}, is a TCP connection on its way out
     * ({@link #closing}), or is dead, among those whose tuples sit in the index within {@code
     * range} slots from where {@code (src, dst, ports, protocol)} hashes, as nf_conntrack's
     * early_drop looks at a few buckets near the new tuple.
     * Returns the evicted flow's number (its slot is free now) or {@link #NONE}.
     */
    public int evictNear(int src, int dst, int ports, int protocol, int now, int range) {
        return evictNear(src, dst, ports, protocol, now, range, null);
    }

    /** {@link #evictNear}, telling {@code listener} (if not null) about the flow before it goes. */
    public int evictNear(int src, int dst, int ports, int protocol, int now, int range, ExpiryListener listener) {
        int slot = hash(src, dst, ports, protocol) & mask;
        for (int i = 0; i < range; i++, slot = (slot + 1) & mask) {
            int entry = index[slot];
            if (entry != 0) {
                int flow = ((entry & REF_MASK) - 1) >>> 1;
                int meta = flows[flow * HOT + META];
                if (!alive(flow, now) || (meta & ASSURED) == 0 || closing(meta)) {
                    if (listener != null) {
                        listener.expired(flow);
                    }
                    remove(flow);
                    return flow;
                }
            }
        }
        return NONE;
    }

    /** Receives flows removed by {@link #sweep} (for DESTROY events and NAT port release). */
    @FunctionalInterface
    public interface ExpiryListener {
        void expired(int flow);
    }

    /**
     * Incremental expiry: examines up to {@code budget} flows from where the last call stopped and
     * removes those whose expiry has passed, telling {@code listener} first (the flow's fields are
     * still readable then). Returns how many it removed.
     */
    public int sweep(int now, int budget, ExpiryListener listener) {
        int removed = 0;
        for (int i = 0; i < budget && i < maxFlows; i++) {
            int flow = sweepCursor;
            sweepCursor = sweepCursor + 1 == maxFlows ? 0 : sweepCursor + 1;
            int expires = flows[flow * HOT + EXPIRES];
            if (expires != Integer.MIN_VALUE && now - expires >= 0) {
                if (listener != null) {
                    listener.expired(flow);
                }
                remove(flow);
                removed++;
            }
        }
        return removed;
    }

    /** True if the flow is in use and its expiry has not passed. */
    public boolean alive(int flow, int now) {
        int expires = flows[flow * HOT + EXPIRES];
        return expires != Integer.MIN_VALUE && now - expires < 0;
    }

    /** True if the flow number is in use (alive or waiting for the sweep). */
    public boolean inUse(int flow) {
        return flows[flow * HOT + EXPIRES] != Integer.MIN_VALUE;
    }

    // ---- fields

    public int protocol(int flow) {
        return flows[flow * HOT + META] >>> 24;
    }

    public int state(int flow) {
        return (flows[flow * HOT + META] >>> 16) & 0xFF;
    }

    public void state(int flow, int state) {
        int at = flow * HOT + META;
        int meta = flows[at];
        int next = (meta & 0xFF00_FFFF) | (state & 0xFF) << 16;
        if (next == meta) {
            return; // most segments leave the state as it was
        }
        flows[at] = next;
        boolean counted = countsForSource(meta);
        if (counted != countsForSource(next)) { // a TCP connection closed (or, set by hand, reopened)
            if (counted) {
                perSource.remove(flows[flow * HOT + ORIG_SRC]);
            } else {
                perSource.add(flows[flow * HOT + ORIG_SRC]);
            }
        }
    }

    /**
     * Is a flow (its META word) a TCP connection on its way out (FIN_WAIT, CLOSE_WAIT, LAST_ACK,
     * TIME_WAIT, CLOSE)? Early_drop may take it even when ASSURED, as the kernel's
     * {@code tcp_can_early_drop} lets it: closed connections do not count toward their source's
     * limit ({@link #countsForSource}), so without this a host that opens and closes answered
     * connections quickly could fill the table with them for their 120 s of TIME_WAIT.
     */
    private static boolean closing(int meta) {
        int state = (meta >>> 16) & 0xFF;
        return meta >>> 24 == NatRewrite.PROTO_TCP && state >= TcpStates.FIN_WAIT && state <= TcpStates.CLOSE;
    }

    /**
     * Does a flow (its META word) count among its original source's flows ({@link #flowsFrom})?
     * Every flow but a closed TCP connection (TIME_WAIT, CLOSE), which Linux's connlimit does not
     * count either: a host that opens and closes connections quickly is not held to the ones
     * waiting out their TIME_WAIT.
     */
    private static boolean countsForSource(int meta) {
        int state = (meta >>> 16) & 0xFF;
        return meta >>> 24 != NatRewrite.PROTO_TCP || state != TcpStates.TIME_WAIT && state != TcpStates.CLOSE;
    }

    public int flags(int flow) {
        return flows[flow * HOT + META] & 0xFFFF;
    }

    public void addFlags(int flow, int flags) {
        flows[flow * HOT + META] |= flags & 0xFFFF;
    }

    public void clearFlags(int flow, int flags) {
        flows[flow * HOT + META] &= ~(flags & 0xFFFF);
    }

    /** A word of the table's user while the flow is in use ({@link #NONE} after {@link #insert}): e.g. its NAT mapping. */
    public int aux(int flow) {
        return cold[flow * COLD + NEXT_FREE];
    }

    public void aux(int flow, int value) {
        cold[flow * COLD + NEXT_FREE] = value;
    }

    /** The first flow number at or after {@code from} that is in use, or {@link #NONE} (listings: a cursor). */
    public int nextInUse(int from) {
        for (int flow = Math.max(0, from); flow < maxFlows; flow++) {
            if (flows[flow * HOT + EXPIRES] != Integer.MIN_VALUE) {
                return flow;
            }
        }
        return NONE;
    }

    /** Words of a flow as {@link #words}/{@link #insertWords} move them. */
    public static final int WORDS = STRIDE;

    /** Copies flow {@code flow}'s words (its whole state, the layout of this class) into {@code to} at {@code at}. */
    public void words(int flow, int[] to, int at) {
        System.arraycopy(flows, flow * HOT, to, at, HOT);
        System.arraycopy(cold, flow * COLD, to, at + HOT, COLD);
    }

    /**
     * A flow from {@link #words} (of this or another table with this layout), expiring at
     * {@code expires}: indexed under its two tuples, given a new id. Returns its number, or
     * {@link #NONE} if the table is full. The caller has checked that neither tuple is in use.
     */
    public int insertWords(int[] from, int at, int expires) {
        if (freeHead == NONE) {
            return NONE;
        }
        int flow = freeHead;
        int base = flow * HOT;
        int rest = flow * COLD;
        freeHead = cold[rest + NEXT_FREE];
        System.arraycopy(from, at, flows, base, HOT);
        System.arraycopy(from, at + HOT, cold, rest, COLD);
        flows[base + EXPIRES] = expires;
        cold[rest + ID] = nextId++;
        cold[rest + NEXT_FREE] = NONE;
        link(flow, ORIGINAL);
        link(flow, REPLY);
        if (countsForSource(flows[base + META])) {
            perSource.add(flows[base + ORIG_SRC]);
        }
        size++;
        return flow;
    }

    /** Where TCP tracking word {@code word} of {@code direction} is among a flow's {@link #words}. */
    public static int tcpWordAt(int direction, int word) {
        return HOT + TCP + direction * TCP_WORDS + word;
    }

    /** Fields of a flow's words (see {@link #words}): protocol, flags, source/destination/ports of a direction. */
    public static int wordsProtocol(int[] w, int at) {
        return w[at + META] >>> 24;
    }

    public static int wordsFlags(int[] w, int at) {
        return w[at + META] & 0xFFFF;
    }

    public static void wordsFlags(int[] w, int at, int flags) {
        w[at + META] = (w[at + META] & 0xFFFF_0000) | (flags & 0xFFFF);
    }

    public static int wordsSource(int[] w, int at, int direction) {
        return w[at + (direction == ORIGINAL ? ORIG_SRC : REPLY_SRC)];
    }

    public static int wordsDestination(int[] w, int at, int direction) {
        return w[at + (direction == ORIGINAL ? ORIG_DST : REPLY_DST)];
    }

    public static int wordsPorts(int[] w, int at, int direction) {
        return w[at + (direction == ORIGINAL ? ORIG_PORTS : REPLY_PORTS)];
    }

    /**
     * Copies flow {@code flow} of {@code from} (every word: tuples, state, counters, TCP words, aux;
     * its id too) into a new flow of this table and indexes it; returns its number here, or
     * {@link #NONE} if this table is full. For a resize ({@code conntrack max}).
     */
    public int copyOf(FlowTable from, int flow) {
        if (freeHead == NONE) {
            return NONE;
        }
        int copy = freeHead;
        freeHead = cold[copy * COLD + NEXT_FREE];
        System.arraycopy(from.flows, flow * HOT, flows, copy * HOT, HOT);
        System.arraycopy(from.cold, flow * COLD, cold, copy * COLD, COLD);
        link(copy, ORIGINAL);
        link(copy, REPLY);
        if (countsForSource(flows[copy * HOT + META])) {
            perSource.add(flows[copy * HOT + ORIG_SRC]);
        }
        size++;
        nextId = Math.max(nextId, from.nextId);
        return copy;
    }

    public int expires(int flow) {
        return flows[flow * HOT + EXPIRES];
    }

    public void expires(int flow, int expires) {
        flows[flow * HOT + EXPIRES] = expires;
    }

    /** The conntrack id (as {@code conntrack -o id} shows it). */
    public int id(int flow) {
        return cold[flow * COLD + ID];
    }

    public int source(int flow, int direction) {
        return flows[flow * HOT + (direction == ORIGINAL ? ORIG_SRC : REPLY_SRC)];
    }

    public int destination(int flow, int direction) {
        return flows[flow * HOT + (direction == ORIGINAL ? ORIG_DST : REPLY_DST)];
    }

    /** Both ports of a direction's tuple ({@link #packPorts}). */
    public int ports(int flow, int direction) {
        return flows[flow * HOT + (direction == ORIGINAL ? ORIG_PORTS : REPLY_PORTS)];
    }

    /** Counts a packet of {@code length} bytes in {@code direction}. */
    public void account(int flow, int direction, int length) {
        int rest = flow * COLD;
        cold[rest + PACKETS + direction]++;
        int at = rest + BYTES + 2 * direction;
        long bytes = (cold[at] & 0xFFFF_FFFFL | (long) cold[at + 1] << 32) + length;
        cold[at] = (int) bytes;
        cold[at + 1] = (int) (bytes >>> 32);
    }

    public long packets(int flow, int direction) {
        return cold[flow * COLD + PACKETS + direction] & 0xFFFF_FFFFL;
    }

    public long bytes(int flow, int direction) {
        int at = flow * COLD + BYTES + 2 * direction;
        return cold[at] & 0xFFFF_FFFFL | (long) cold[at + 1] << 32;
    }

    /** Word {@code word} (0..{@value #TCP_WORDS}-1) of a direction's TCP tracking state. */
    public int tcp(int flow, int direction, int word) {
        return cold[flow * COLD + TCP + direction * TCP_WORDS + word];
    }

    public void tcp(int flow, int direction, int word, int value) {
        cold[flow * COLD + TCP + direction * TCP_WORDS + word] = value;
    }

    // ---- index

    static int hash(int src, int dst, int ports, int protocol) {
        long h = ((long) src << 32 | (dst & 0xFFFF_FFFFL)) * 0x9E37_79B9_7F4A_7C15L;
        h ^= ((long) ports << 8 | protocol) * 0xC2B2_AE3D_27D4_EB4FL;
        h ^= h >>> 29;
        return (int) (h ^ (h >>> 32));
    }

    private int hashOf(int flow, int direction) {
        int base = flow * HOT + (direction == ORIGINAL ? ORIG_SRC : REPLY_SRC);
        return hash(flows[base], flows[base + 1], flows[base + 2], flows[flow * HOT + META] >>> 24);
    }

    private void link(int flow, int direction) {
        int hash = hashOf(flow, direction);
        int home = hash & mask;
        int slot = home;
        while (index[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        int distance = Math.min((slot - home) & mask, FAR);
        index[slot] = (hash >>> TAG_SHIFT) << TAG_SHIFT | distance << DISTANCE_SHIFT | ((flow << 1 | direction) + 1);
    }

    /**
     * Index entries whose stored distance is not their distance from home (capped at
     * {@value #FAR}): 0 in a consistent table (for tests).
     */
    int misstatedDistances() {
        int wrong = 0;
        for (int slot = 0; slot <= mask; slot++) {
            int entry = index[slot];
            if (entry != 0) {
                int ref = (entry & REF_MASK) - 1;
                int home = hashOf(ref >>> 1, ref & 1) & mask;
                if (((entry >>> DISTANCE_SHIFT) & FAR) != Math.min((slot - home) & mask, FAR)) {
                    wrong++;
                }
            }
        }
        return wrong;
    }

    /** The slot the tuple of index entry {@code entry}, now at {@code slot}, hashes to. */
    private int home(int entry, int slot) {
        int distance = (entry >>> DISTANCE_SHIFT) & FAR;
        if (distance != FAR) {
            return (slot - distance) & mask;
        }
        int ref = (entry & REF_MASK) - 1;
        return hashOf(ref >>> 1, ref & 1) & mask;
    }

    private void unlink(int flow, int direction) {
        int ref = (flow << 1 | direction) + 1;
        int slot = hashOf(flow, direction) & mask;
        while ((index[slot] & REF_MASK) != ref) {
            if (index[slot] == 0) {
                throw new IllegalStateException("flow " + flow + " direction " + direction + " not indexed");
            }
            slot = (slot + 1) & mask;
        }
        int hole = slot;
        while (true) {
            slot = (slot + 1) & mask;
            int entry = index[slot];
            if (entry == 0) {
                break;
            }
            int home = home(entry, slot);
            boolean stays = hole <= slot ? (hole < home && home <= slot) : (hole < home || home <= slot);
            if (!stays) {
                int distance = (entry >>> DISTANCE_SHIFT) & FAR;
                if (distance != FAR) { // it moves back (slot - hole) slots, nearer its home
                    entry -= ((slot - hole) & mask) << DISTANCE_SHIFT;
                } else { // its home was read from the flow: it may be near enough now to say so
                    entry = entry & ~(FAR << DISTANCE_SHIFT) | Math.min((hole - home) & mask, FAR) << DISTANCE_SHIFT;
                }
                index[hole] = entry;
                hole = slot;
            }
        }
        index[hole] = 0;
    }
}
