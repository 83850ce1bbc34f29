package net.taprouter.control.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.taprouter.control.command.Prefix;
import net.taprouter.dataplane.iface.Interface;

/**
 * The main table (routing information base), compact: one open-addressing hash table (linear
 * probing, deletion by backward shift) of parallel primitive arrays keyed by
 * {@link #key network << 6 | length}, no object per route. A full Internet table (~900,000
 * routes) is one array (32 MiB) that the garbage collector never has to trace, where a
 * {@code TreeMap<Long, Route>} was ~3.6 million small objects. {@link Route} records are made
 * only for the routes a caller asks for. Key order (unsigned network, then length: the default
 * route first, as iproute2 lists) comes from {@link #sortedKeys()}, sorted when first asked for
 * after a change. Control thread only.
 */
public final class Rib {
    /** A free slot; a used one holds key + 1 (keys are non-negative), so a new array is all free. */
    private static final long FREE = 0L;
    private static final int MIN_CAPACITY = 64;
    private static final long KEY_BITS = (1L << 38) - 1;
    private static final long KERNEL = 1L << 38;
    private static final int IFACE_SHIFT = 39;

    /**
     * Two longs per slot, in one cache line (an insert into a large table costs one miss, not one
     * per field): {@code [2i]} = key + 1 (38 bits) | kernel (bit 38) | interface id (bits 39..63);
     * {@code [2i + 1]} = gateway, or for a connected (kernel) route its source (which a static
     * route does not have), in the high 32 bits | next hop in the low 32.
     */
    private long[] slots;
    private int capacity;
    private int size;
    /** 64 - log2(capacity): the slot of a key is the top bits of its mixed hash. */
    private int shift;
    /** The keys in order, or null when a route was added or removed since they were sorted. */
    private long[] sorted;

    /**
     * Egress interfaces by small id (0: none), with the number of routes through each; ids are
     * reused once free. A route stores the id (25 bits of its slot word), this maps it back to the
     * {@link Interface} object.
     */
    private Interface[] ifaceById = new Interface[8];
    private int[] ifaceRoutes = new int[8];
    private final java.util.IdentityHashMap<Interface, Integer> ifaceIds = new java.util.IdentityHashMap<>();
    private int ifaceTop = 1;

    public Rib() {
        allocate(MIN_CAPACITY);
    }

    /** network << 6 | length, network unsigned: orders as iproute2 lists routes. */
    public static long key(int network, int length) {
        return ((network & 0xFFFF_FFFFL) << 6) | length;
    }

    public static long key(Prefix prefix) {
        return key(prefix.network(), prefix.length());
    }

    public static int network(long key) {
        return (int) (key >>> 6);
    }

    public static int length(long key) {
        return (int) key & 63;
    }

    public int size() {
        return size;
    }

    public boolean contains(long key) {
        return slot(key) >= 0;
    }

    /** The route with this key, or null (a new record each call). */
    public Route get(long key) {
        int i = slot(key);
        return i < 0 ? null : route(i);
    }

    /** The next-hop index of the route with this key, or -1 if there is none. */
    public int nextHop(long key) {
        int i = slot(key);
        return i < 0 ? -1 : (int) slots[2 * i + 1];
    }

    /**
     * Adds the route, or overwrites the route with the same key. A connected route ({@code kernel})
     * has no gateway, a static one no source.
     */
    public void put(long key, boolean isKernel, int gateway, Interface iface, int source, int nextHop) {
        if (isKernel ? gateway != 0 : source != 0) {
            throw new IllegalArgumentException("a connected route has no gateway, a static one no source");
        }
        int i = slot(key);
        if (i < 0) {
            if (size + 1 > (capacity >> 1) + (capacity >> 3)) { // load factor 5/8
                grow();
                i = slot(key);
            }
            i = -1 - i;
            size++;
            sorted = null;
        } else {
            releaseIface((int) (slots[2 * i] >>> IFACE_SHIFT));
        }
        slots[2 * i] = (key + 1) | (isKernel ? KERNEL : 0) | ((long) ifaceId(iface) << IFACE_SHIFT);
        slots[2 * i + 1] = ((long) (isKernel ? source : gateway) << 32) | (nextHop & 0xFFFF_FFFFL);
    }

    public void put(Route route) {
        put(key(route.prefix()), route.kernel(), route.gateway(), route.iface(), route.source(), route.nextHop());
    }

    /** Removes the route with this key; false if there is none. */
    public boolean remove(long key) {
        int i = slot(key);
        if (i < 0) {
            return false;
        }
        releaseIface((int) (slots[2 * i] >>> IFACE_SHIFT));
        int mask = capacity - 1;
        // backward shift: move each later entry of the probe run into the hole if its home allows
        int hole = i;
        for (int j = (i + 1) & mask; slots[2 * j] != FREE; j = (j + 1) & mask) {
            int home = home((slots[2 * j] & KEY_BITS) - 1);
            boolean stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!stays) {
                slots[2 * hole] = slots[2 * j];
                slots[2 * hole + 1] = slots[2 * j + 1];
                hole = j;
            }
        }
        slots[2 * hole] = FREE;
        slots[2 * hole + 1] = 0;
        size--;
        sorted = null;
        return true;
    }

    /** Every key in order (unsigned network, then length). The caller must not change the array. */
    public long[] sortedKeys() {
        long[] s = sorted;
        if (s == null) {
            s = new long[size];
            int n = 0;
            for (int i = 0; i < capacity; i++) {
                long word = slots[2 * i];
                if (word != FREE) {
                    s[n++] = (word & KEY_BITS) - 1;
                }
            }
            Arrays.sort(s); // keys are non-negative: signed order is the unsigned order
            sorted = s;
        }
        return s;
    }

    /** Index in {@code sortedKeys()} of the first key greater than {@code after} ({@code -1}: from the start). */
    public static int after(long[] sortedKeys, long after) {
        int at = Arrays.binarySearch(sortedKeys, after);
        return at >= 0 ? at + 1 : -1 - at;
    }

    /** The routes in key order (records made for each: for small tables and tests). */
    public List<Route> routes() {
        long[] s = sortedKeys();
        List<Route> list = new ArrayList<>(s.length);
        for (long key : s) {
            list.add(get(key));
        }
        return list;
    }

    /** The routes through interface {@code iface}, in key order. */
    public List<Route> routesVia(Interface iface) {
        List<Route> list = new ArrayList<>();
        Integer id = ifaceIds.get(iface);
        if (id == null) {
            return list;
        }
        for (long key : sortedKeys()) {
            int i = slot(key);
            if ((int) (slots[2 * i] >>> IFACE_SHIFT) == id) {
                list.add(route(i));
            }
        }
        return list;
    }

    /** A route whose gateway is {@code address}, the first in key order, or null. */
    public Route withGateway(int address) {
        if (address == 0) {
            return null;
        }
        boolean any = false;
        for (int i = 0; i < capacity && !any; i++) {
            any = slots[2 * i] != FREE && (slots[2 * i] & KERNEL) == 0 && (int) (slots[2 * i + 1] >>> 32) == address;
        }
        if (!any) {
            return null;
        }
        for (long key : sortedKeys()) {
            Route route = get(key);
            if (route.gateway() == address) {
                return route;
            }
        }
        return null;
    }

    private Route route(int i) {
        long word = slots[2 * i];
        long key = (word & KEY_BITS) - 1;
        boolean isKernel = (word & KERNEL) != 0;
        int address = (int) (slots[2 * i + 1] >>> 32);
        return new Route(new Prefix(network(key), length(key)), isKernel, isKernel ? 0 : address,
            ifaceById[(int) (word >>> IFACE_SHIFT)], isKernel ? address : 0, (int) slots[2 * i + 1]);
    }

    private int ifaceId(Interface iface) {
        if (iface == null) {
            return 0;
        }
        Integer id = ifaceIds.get(iface);
        if (id == null) {
            int free = 1;
            while (free < ifaceTop && ifaceById[free] != null) {
                free++;
            }
            if (free == ifaceTop) {
                if (ifaceTop == ifaceById.length) {
                    ifaceById = Arrays.copyOf(ifaceById, ifaceTop * 2);
                    ifaceRoutes = Arrays.copyOf(ifaceRoutes, ifaceTop * 2);
                }
                ifaceTop++;
            }
            id = free;
            ifaceById[free] = iface;
            ifaceIds.put(iface, id);
        }
        ifaceRoutes[id]++;
        return id;
    }

    private void releaseIface(int id) {
        if (id != 0 && --ifaceRoutes[id] == 0) {
            ifaceIds.remove(ifaceById[id]);
            ifaceById[id] = null;
        }
    }

    private int home(long key) {
        // a full mix first (the keys of /24s differ only above bit 13)
        long h = (key ^ (key >>> 29)) * 0xBF58_476D_1CE4_E5B9L;
        h = (h ^ (h >>> 32)) * 0x94D0_49BB_1331_11EBL;
        return (int) (h >>> shift);
    }

    /** The slot holding {@code key}, or {@code -1 - slot} of the free slot where it would go. */
    private int slot(long key) {
        int mask = capacity - 1;
        long stored = key + 1;
        for (int i = home(key); ; i = (i + 1) & mask) {
            long word = slots[2 * i];
            if ((word & KEY_BITS) == stored) {
                return i;
            }
            if (word == FREE) {
                return -1 - i;
            }
        }
    }

    private void allocate(int newCapacity) {
        capacity = newCapacity;
        slots = new long[2 * newCapacity];
        shift = 64 - Integer.numberOfTrailingZeros(newCapacity);
    }

    private void grow() {
        long[] old = slots;
        int oldCapacity = capacity;
        allocate(oldCapacity * 2);
        for (int j = 0; j < oldCapacity; j++) {
            long word = old[2 * j];
            if (word != FREE) {
                int i = -1 - slot((word & KEY_BITS) - 1);
                slots[2 * i] = word;
                slots[2 * i + 1] = old[2 * j + 1];
            }
        }
    }
}
