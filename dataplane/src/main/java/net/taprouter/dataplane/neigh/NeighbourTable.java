package net.taprouter.dataplane.neigh;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.MacAddress;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The ARP cache and adjacencies of one forwarding agent (its single writer and reader).
 *
 * <p>Key: (L3 interface index, IPv4 address). Each entry holds a prebuilt Ethernet header (destination
 * MAC, the interface's MAC, type IPv4) that the adjacency stage copies in front of a packet, and a bounded
 * queue of packets waiting for resolution: frame slot indices only (the rest of a waiting packet
 * is in its slot's {@code PacketMetadata}). Fixed capacity, no allocation after construction.
 *
 * <p>Bounded against hostile hosts ({@link NeighbourLimits}): the frames waiting for ARP in all
 * and per ingress (L2) port, the INCOMPLETE entries per egress interface, the entries per interface. A full table
 * (or interface) makes room like the kernel's forced garbage collection: the least recently used entry
 * that is not PERMANENT and holds no waiting frames is evicted (a clock: an entry used for
 * forwarding since the hand last passed gets a second chance). Counter: event neighbour_evicted.
 */
public final class NeighbourTable {
    /** Bytes per prebuilt header in {@link #headers()}. */
    public static final int HEADER_STRIDE = 16;

    /** {@link #enqueue} results. */
    public static final int QUEUED = 0;
    public static final int QUEUE_FULL = 1;
    public static final int QUEUE_PORT_LIMIT = 2;
    public static final int QUEUE_TOTAL_LIMIT = 3;

    /** Counts of frames the router itself originated are kept under this "port". */
    private static final int LOCAL = PortTable.MAX_PORTS;

    /** {@code monitor neigh}: what this table's ARP changes by itself ({@link #changed}, {@link #deleting}). */
    public final NeighbourEvents events = new NeighbourEvents();
    private final NeighbourLimits limits;
    private final int capacity;
    private final int queueLimit;
    private final boolean[] referenced;
    private final int[] entriesByInterface = new int[InterfaceTable.MAX_INTERFACES];
    private final int[] incompleteByInterface = new int[InterfaceTable.MAX_INTERFACES];
    private final int[] queuedByIngress = new int[PortTable.MAX_PORTS + 1];
    private int queuedTotal;
    // large (GSO) slots are few: they get bounds of their own (see largeSlots)
    private final int[] queuedLargeByIngress = new int[PortTable.MAX_PORTS + 1];
    private int queuedLarge;
    private int firstLargeSlot = Integer.MAX_VALUE;
    private int queuedLargeLimit;
    private int queuedLargePerPortLimit;
    private int hand;
    private DataplaneCounters counters;
    private final Long2LongHashMap index;
    private final int[] iface;
    private final int[] address;
    private final long[] mac;
    private final int[] state;
    private final long[] confirmedNanos;
    private final long[] probeNanos;
    private final int[] probes;
    private final UnsafeBuffer headers;
    private final int[] freeEntries;
    private int freeCount;
    private int size;

    // waiting packets: per entry a FIFO of queueLimit frame slots (what else a packet carries is in
    // its slot's PacketMetadata, saved by the resolver)
    private final int[] queueSlot;
    private final int[] queueHead;
    private final int[] queueCount;

    public NeighbourTable(NeighbourLimits limits) {
        this.limits = limits;
        this.capacity = limits.capacity();
        this.queueLimit = limits.queuePerNeighbour();
        referenced = new boolean[capacity];
        this.index = new Long2LongHashMap(capacity * 4, 0.5f, -1L);
        iface = new int[capacity];
        address = new int[capacity];
        mac = new long[capacity];
        state = new int[capacity];
        confirmedNanos = new long[capacity];
        probeNanos = new long[capacity];
        probes = new int[capacity];
        headers = new UnsafeBuffer(new byte[capacity * HEADER_STRIDE]);
        freeEntries = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            freeEntries[i] = capacity - 1 - i;
        }
        freeCount = capacity;
        queueSlot = new int[capacity * queueLimit];
        queueHead = new int[capacity];
        queueCount = new int[capacity];
    }

    /**
     * Slots from {@code firstLarge} on are the pool's {@code count} large (GSO) slots: at most a
     * quarter of them may wait for ARP, and a quarter of that from one ingress port (at least one
     * each), so super-packets to dead addresses never take the large slots every offload port
     * reads into. Before this is called no slot counts as large.
     */
    public void largeSlots(int firstLarge, int count) {
        firstLargeSlot = firstLarge;
        queuedLargeLimit = Math.max(1, count / 4);
        queuedLargePerPortLimit = Math.max(1, queuedLargeLimit / 4);
    }

    /** Where evictions are counted (event neighbour_evicted); null: not counted. */
    public void counters(DataplaneCounters dataplaneCounters) {
        this.counters = dataplaneCounters;
    }

    public NeighbourLimits limits() {
        return limits;
    }

    private static long key(int ifaceIndex, int ip) {
        return ((long) ifaceIndex << 32) | (ip & 0xFFFF_FFFFL);
    }

    /** The entry for (interface, address), or -1. */
    public int find(int ifaceIndex, int ip) {
        return (int) index.get(key(ifaceIndex, ip));
    }

    /**
     * True if entry {@code e} is in use for (ifaceIndex, ip): what {@link #find} would return
     * then, checked without the hash lookup (an entry index remembered elsewhere, as the adjacency
     * stage does per next hop, stays valid exactly as long as this holds: a removed entry is FREE,
     * a reused one has another key, and no two entries share a key).
     */
    public boolean holds(int e, int ifaceIndex, int ip) {
        return address[e] == ip && iface[e] == ifaceIndex && state[e] != NeighbourState.FREE;
    }

    /**
     * Creates an entry in {@code newState} (mac 0 if unknown) on interface {@code ifaceIndex}, whose
     * MAC is {@code ifaceMac}; -1 if there is no room. An interface at its
     * {@link NeighbourLimits#entriesPerInterface} limit makes room among its own entries; a full
     * table among all. PERMANENT entries are not held to the per-interface limit.
     */
    public int create(int ifaceIndex, int ip, int newState, long ifaceMac, long nowNanos) {
        if (newState != NeighbourState.PERMANENT && entriesByInterface[ifaceIndex] >= limits.entriesPerInterface()) {
            if (!evict(ifaceIndex)) {
                return -1;
            }
        }
        if (freeCount == 0 && !evict(-1)) {
            return -1;
        }
        int e = freeEntries[--freeCount];
        iface[e] = ifaceIndex;
        address[e] = ip;
        state[e] = NeighbourState.FREE;
        mac[e] = 0;
        probes[e] = 0;
        probeNanos[e] = nowNanos;
        confirmedNanos[e] = nowNanos;
        queueHead[e] = 0;
        queueCount[e] = 0;
        referenced[e] = false;
        writeHeader(e, 0, ifaceMac);
        index.put(key(ifaceIndex, ip), e);
        entriesByInterface[ifaceIndex]++;
        size++;
        state(e, newState);
        return e;
    }

    /**
     * Evicts one entry (of interface {@code only}, or of any if -1): the next one under the clock
     * hand that is not PERMANENT, holds no waiting frames and was not used since the hand last
     * passed. False if there is none.
     */
    private boolean evict(int only) {
        for (int step = 0, n = 2 * capacity; step < n; step++) {
            int e = hand;
            hand = e + 1 == capacity ? 0 : e + 1;
            int s = state[e];
            if (s == NeighbourState.FREE || s == NeighbourState.PERMANENT || queueCount[e] > 0
                || (only >= 0 && iface[e] != only)) {
                continue;
            }
            if (referenced[e]) {
                referenced[e] = false;
                continue;
            }
            deleting(e);
            remove(e);
            if (counters != null) {
                counters.event(Event.NEIGHBOUR_EVICTED);
            }
            return true;
        }
        return false;
    }

    /** ARP changed entry {@code e} (state or MAC): tells {@code monitor neigh} when one listens. */
    public void changed(int e) {
        if (events.tap.armed) {
            events.emit(NeighbourEvents.CHANGED, iface[e], address[e], mac[e], state[e]);
        }
    }

    /** Entry {@code e} is about to go by ARP's own decision (aged, evicted, failed): tells {@code monitor neigh}. */
    public void deleting(int e) {
        if (events.tap.armed) {
            events.emit(NeighbourEvents.DELETED, iface[e], address[e], mac[e], state[e]);
        }
    }

    /** The entry was used to forward a packet (protects it from eviction for a while). */
    public void touch(int e) {
        if (!referenced[e]) {
            referenced[e] = true;
        }
    }

    /** True if the interface may have one more neighbour being resolved. */
    public boolean mayResolve(int ifaceIndex) {
        return incompleteByInterface[ifaceIndex] < limits.incompletePerInterface();
    }

    /** Removes an entry; its queue must be empty (drain it first). */
    public void remove(int e) {
        index.remove(key(iface[e], address[e]));
        state(e, NeighbourState.FREE);
        entriesByInterface[iface[e]]--;
        freeEntries[freeCount++] = e;
        size--;
    }

    /** A copy of an entry's contents (not its waiting packets), to put back exactly: control transactions. */
    public record Saved(int iface, int address, long mac, int state, long confirmedNanos, long probeNanos, int probes) {
    }

    /** The contents of entry e. */
    public Saved save(int e) {
        return new Saved(iface[e], address[e], mac[e], state[e], confirmedNanos[e], probeNanos[e], probes[e]);
    }

    /** Puts saved contents back into entry e, which has the same key; rebuilds its header with {@code ifaceMac}. */
    public void restore(int e, Saved saved, long ifaceMac) {
        mac[e] = saved.mac();
        state[e] = saved.state();
        confirmedNanos[e] = saved.confirmedNanos();
        probeNanos[e] = saved.probeNanos();
        probes[e] = saved.probes();
        writeHeader(e, saved.mac(), ifaceMac);
    }

    /**
     * Takes entry e out of the table like {@link #remove} (its queue must be empty) but keeps its
     * slot and contents off the free list, so that a rolled-back transaction can put it back
     * ({@link #unhold}) whatever was created meanwhile; {@link #release} frees it for good.
     */
    public void hold(int e) {
        index.remove(key(iface[e], address[e]));
        state[e] = NeighbourState.FREE;
        size--;
    }

    /** Puts a held entry back under its key (which must be free) with its saved state. */
    public void unhold(int e, Saved saved) {
        state[e] = saved.state();
        index.put(key(iface[e], address[e]), e);
        size++;
    }

    /** Frees a held entry. */
    public void release(int e) {
        freeEntries[freeCount++] = e;
    }

    /** The interface's MAC changed: rewrite the source address of entry e's prebuilt header. */
    public void ifaceMac(int e, long ifaceMac) {
        MacAddress.put(headers, e * HEADER_STRIDE + 6, ifaceMac);
    }

    /** Records a confirmed link-layer address (from ARP) and rebuilds the prebuilt header. */
    public void confirm(int e, long neighbourMac, long ifaceMac, long nowNanos) {
        mac[e] = neighbourMac;
        if (state[e] != NeighbourState.PERMANENT) {
            state(e, NeighbourState.REACHABLE);
        }
        confirmedNanos[e] = nowNanos;
        probes[e] = 0;
        writeHeader(e, neighbourMac, ifaceMac);
    }

    private void writeHeader(int e, long neighbourMac, long ifaceMac) {
        int at = e * HEADER_STRIDE;
        MacAddress.put(headers, at, neighbourMac);
        MacAddress.put(headers, at + 6, ifaceMac);
        headers.putShort(at + 12, (short) 0x0800, java.nio.ByteOrder.BIG_ENDIAN);
    }

    /** Prebuilt Ethernet headers, entry e at {@code e * HEADER_STRIDE}, 14 bytes. */
    public UnsafeBuffer headers() {
        return headers;
    }

    public int state(int e) {
        return state[e];
    }

    public void state(int e, int newState) {
        int old = state[e];
        if (old == NeighbourState.INCOMPLETE) {
            incompleteByInterface[iface[e]]--;
        }
        if (newState == NeighbourState.INCOMPLETE) {
            incompleteByInterface[iface[e]]++;
        }
        state[e] = newState;
    }

    /** Neighbours being resolved on an interface. */
    public int incomplete(int ifaceIndex) {
        return incompleteByInterface[ifaceIndex];
    }

    /** Entries (of any state) on an interface. */
    public int entries(int ifaceIndex) {
        return entriesByInterface[ifaceIndex];
    }

    /** The interface index of entry e. */
    public int iface(int e) {
        return iface[e];
    }

    public int address(int e) {
        return address[e];
    }

    public long mac(int e) {
        return mac[e];
    }

    public long confirmedNanos(int e) {
        return confirmedNanos[e];
    }

    public long probeNanos(int e) {
        return probeNanos[e];
    }

    public int probes(int e) {
        return probes[e];
    }

    /** Notes that a probe (ARP request) was sent now. */
    public void probed(int e, long nowNanos) {
        probes[e]++;
        probeNanos[e] = nowNanos;
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return size;
    }

    // ---- waiting packets

    /**
     * Queues a frame slot on entry e: {@link #QUEUED}, or why not ({@link #QUEUE_FULL} for this
     * neighbour, {@link #QUEUE_PORT_LIMIT} for the ingress port, {@link #QUEUE_TOTAL_LIMIT}); the
     * caller then drops it (the newest frame is the one dropped). {@code ingressPort} and
     * {@code localOrigin} say whose share the frame takes; {@link #dequeue} must be told the same.
     */
    public int enqueue(int e, int slot, int ingressPort, boolean localOrigin) {
        int room = queueRoom(e, slot, ingressPort, localOrigin);
        if (room != QUEUED) {
            return room;
        }
        int from = ingressBucket(ingressPort, localOrigin);
        int at = e * queueLimit + (queueHead[e] + queueCount[e]) % queueLimit;
        queueSlot[at] = slot;
        queueCount[e]++;
        queuedByIngress[from]++;
        queuedTotal++;
        if (slot >= firstLargeSlot) {
            queuedLargeByIngress[from]++;
            queuedLarge++;
        }
        return QUEUED;
    }

    /** What {@link #enqueue} of {@code slot} would answer now ({@code e} -1: a neighbour not created yet). */
    public int queueRoom(int e, int slot, int ingressPort, boolean localOrigin) {
        if (e >= 0 && queueCount[e] == queueLimit) {
            return QUEUE_FULL;
        }
        int from = ingressBucket(ingressPort, localOrigin);
        if (queuedByIngress[from] >= limits.queuedFramesPerPort()
            || slot >= firstLargeSlot && queuedLargeByIngress[from] >= queuedLargePerPortLimit) {
            return QUEUE_PORT_LIMIT;
        }
        if (queuedTotal >= limits.queuedFrames() || slot >= firstLargeSlot && queuedLarge >= queuedLargeLimit) {
            return QUEUE_TOTAL_LIMIT;
        }
        return QUEUED;
    }

    private static int ingressBucket(int ingressPort, boolean localOrigin) {
        return localOrigin || ingressPort < 0 || ingressPort >= LOCAL ? LOCAL : ingressPort;
    }

    /** Frames waiting for ARP in all. */
    public int queuedTotal() {
        return queuedTotal;
    }

    /** Frames from an ingress port waiting for ARP. */
    public int queuedFrom(int ingressPort) {
        return queuedByIngress[ingressBucket(ingressPort, false)];
    }

    public int queued(int e) {
        return queueCount[e];
    }

    /** The slot of the oldest packet waiting on e (which must have one); take it off with {@link #dequeue}. */
    public int queuedSlot(int e) {
        return queueSlot[e * queueLimit + queueHead[e]];
    }

    /**
     * Takes the oldest waiting packet off e's queue; {@code ingressPort} and {@code localOrigin}
     * are the ones it was {@link #enqueue queued} with (its saved metadata), whose share it frees.
     */
    public void dequeue(int e, int ingressPort, boolean localOrigin) {
        int from = ingressBucket(ingressPort, localOrigin);
        queuedByIngress[from]--;
        queuedTotal--;
        if (queueSlot[e * queueLimit + queueHead[e]] >= firstLargeSlot) {
            queuedLargeByIngress[from]--;
            queuedLarge--;
        }
        queueHead[e] = (queueHead[e] + 1) % queueLimit;
        queueCount[e]--;
    }

    /** Highest entry index that may be in use (for timer scans). */
    public int scanLimit() {
        return capacity;
    }

    /** Copies of all entries, for display (allocates; control requests only). */
    public List<NeighbourEntry> snapshot(long nowNanos) {
        List<NeighbourEntry> list = new ArrayList<>();
        for (int e = 0; e < capacity; e++) {
            if (state[e] != NeighbourState.FREE) {
                list.add(new NeighbourEntry(iface[e], address[e], mac[e], state[e], (nowNanos - confirmedNanos[e]) / 1_000_000));
            }
        }
        return list;
    }
}
