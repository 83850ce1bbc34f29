package net.taprouter.dataplane.fib;

import java.util.Arrays;
import net.taprouter.dataplane.route.GracePeriod;
import net.taprouter.dataplane.table.ForwardingVersion;
import org.agrona.collections.Long2LongHashMap;

/**
 * The next hops routes lead to, by index: what the LPM table returns. Written by the control
 * thread only; an entry is complete before any route refers to it and is immutable while in use.
 * Entries are shared (interned) and reference-counted; an index freed by the last route is reused
 * only after a grace period, so a reader holding it mid-packet never sees another meaning.
 *
 * <pre>
 *  type       iface  address
 *  CONNECTED  i      -          destination is on interface i's link: ARP for the destination
 *  GATEWAY    i      g          send to gateway g on interface i
 *  LOCAL      i      -          one of the router's own addresses (on interface i)
 *  BROADCAST  i      -          the directed broadcast of a subnet of interface i
 * </pre>
 *
 * The interface is an L3 interface index ({@code iface.InterfaceTable}): a TAP link's own
 * interface or a bridge; which L2 port a frame leaves through is decided at transmit.
 *
 * <pre>
 * </pre>
 */
public final class NextHops {
    public static final int TYPE_FREE = 0;
    public static final int TYPE_CONNECTED = 1;
    public static final int TYPE_GATEWAY = 2;
    public static final int TYPE_LOCAL = 3;
    public static final int TYPE_BROADCAST = 4;

    private final int[] type;
    private final int[] iface;
    private final int[] address;
    private final int[] references;
    private final int[] freeList;
    private int freeCount;
    private final int[] pending;
    private int pendingCount;
    private int highWater;
    /** {@link #key}(type, iface, address) -> index (no String per lookup: a full table is 900,000 acquires). */
    private final Long2LongHashMap interned;
    private final GracePeriod gracePeriod;

    public NextHops(int capacity, GracePeriod gracePeriod) {
        type = new int[capacity];
        iface = new int[capacity];
        address = new int[capacity];
        references = new int[capacity];
        freeList = new int[capacity];
        pending = new int[capacity];
        interned = new Long2LongHashMap(-1);
        this.gracePeriod = gracePeriod;
    }

    public int type(int nextHop) {
        return type[nextHop];
    }

    /** The L3 interface index of the next hop. */
    public int iface(int nextHop) {
        return iface[nextHop];
    }

    public int address(int nextHop) {
        return address[nextHop];
    }

    /** Control thread: a reference to the next hop (type, interface, address), creating it if needed. */
    public int acquire(int nhType, int nhIface, int nhAddress) {
        long key = key(nhType, nhIface, nhAddress);
        int id = (int) interned.get(key);
        if (id < 0) {
            id = allocate();
            type[id] = nhType;
            iface[id] = nhIface;
            address[id] = nhAddress;
            interned.put(key, id);
            ForwardingVersion.changed(); // a reused index means something new
        }
        references[id]++;
        return id;
    }

    /** Control thread: drop a reference; the last one frees the index after a grace period. */
    public void release(int id) {
        if (--references[id] == 0) {
            interned.remove(key(type[id], iface[id], address[id]));
            type[id] = TYPE_FREE;
            pending[pendingCount++] = id;
            ForwardingVersion.changed();
        }
    }

    private static long key(int nhType, int nhIface, int nhAddress) {
        return ((long) nhType << 56) ^ ((long) nhIface << 32) ^ (nhAddress & 0xFFFF_FFFFL);
    }

    /** Number of next hops in use. */
    /** How many next hops the table can hold: indices are 0..capacity - 1. */
    public int capacity() {
        return type.length;
    }

    public int size() {
        return interned.size();
    }

    private int allocate() {
        if (freeCount == 0 && pendingCount > 0) {
            gracePeriod.await();
            System.arraycopy(pending, 0, freeList, 0, pendingCount);
            freeCount = pendingCount;
            pendingCount = 0;
        }
        if (freeCount > 0) {
            return freeList[--freeCount];
        }
        if (highWater == type.length) {
            throw new IllegalStateException("next-hop table full (capacity " + type.length + ")");
        }
        return highWater++;
    }

    @Override
    public String toString() {
        return "NextHops" + Arrays.toString(Arrays.copyOf(type, highWater));
    }
}
