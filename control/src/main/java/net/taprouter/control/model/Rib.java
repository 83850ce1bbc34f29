package net.taprouter.control.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.taprouter.control.command.Prefix;
import net.taprouter.dataplane.port.Port;

/**
 * The main table (routing information base), compact: one open-addressing hash table (linear
 * probing, deletion by backward shift) of parallel primitive arrays keyed by
 * {@link #key network << 6 | length}, no object per route. A full Internet table (~900,000
 * routes) is a handful of arrays (~45 MiB) that the garbage collector never has to trace, where a
 * {@code TreeMap<Long, Route>} was ~3.6 million small objects. {@link Route} records are made
 * only for the routes a caller asks for. Key order (unsigned network, then length: the default
 * route first, as iproute2 lists) comes from {@link #sortedKeys()}, sorted when first asked for
 * after a change. Control thread only.
 */
public final class Rib {
    /** A free slot; a used one holds key + 1 (keys are non-negative), so a new array is all free. */
    private static final long FREE = 0L;
    private static final int MIN_CAPACITY = 64;

    private long[] keys;
    private int[] gateways;
    private int[] sources;
    private int[] nextHops;
    private boolean[] kernel;
    private Port[] ports;
    private int size;
    /** 64 - log2(capacity): the hash is the top bits of key * golden ratio. */
    private int shift;
    /** The keys in order, or null when a route was added or removed since they were sorted. */
    private long[] sorted;

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
        return i < 0 ? -1 : nextHops[i];
    }

    /** Adds the route, or overwrites the route with the same key. */
    public void put(long key, boolean isKernel, int gateway, Port port, int source, int nextHop) {
        int i = slot(key);
        if (i < 0) {
            if (size + 1 > (keys.length >> 1) + (keys.length >> 3)) { // load factor 5/8
                grow();
            }
            i = -1 - slot(key);
            keys[i] = key + 1;
            size++;
            sorted = null;
        }
        kernel[i] = isKernel;
        gateways[i] = gateway;
        ports[i] = port;
        sources[i] = source;
        nextHops[i] = nextHop;
    }

    public void put(Route route) {
        put(key(route.prefix()), route.kernel(), route.gateway(), route.port(), route.source(), route.nextHop());
    }

    /** Removes the route with this key; false if there is none. */
    public boolean remove(long key) {
        int i = slot(key);
        if (i < 0) {
            return false;
        }
        int mask = keys.length - 1;
        // backward shift: move each later entry of the probe run into the hole if its home allows
        int hole = i;
        for (int j = (i + 1) & mask; keys[j] != FREE; j = (j + 1) & mask) {
            int home = home(keys[j] - 1);
            boolean stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!stays) {
                move(j, hole);
                hole = j;
            }
        }
        keys[hole] = FREE;
        ports[hole] = null;
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
            for (long key : keys) {
                if (key != FREE) {
                    s[n++] = key - 1;
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

    /** The routes through {@code port}, in key order. */
    public List<Route> routesVia(Port port) {
        List<Route> list = new ArrayList<>();
        for (long key : sortedKeys()) {
            int i = slot(key);
            if (ports[i] == port) {
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
        for (int i = 0; i < keys.length && !any; i++) {
            any = keys[i] != FREE && gateways[i] == address;
        }
        if (!any) {
            return null;
        }
        for (long key : sortedKeys()) {
            int i = slot(key);
            if (gateways[i] == address) {
                return route(i);
            }
        }
        return null;
    }

    private Route route(int i) {
        long key = keys[i] - 1;
        return new Route(new Prefix(network(key), length(key)), kernel[i], gateways[i], ports[i], sources[i], nextHops[i]);
    }

    private int home(long key) {
        return (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> shift);
    }

    /** The index holding {@code key}, or {@code -1 - index} of the free slot where it would go. */
    private int slot(long key) {
        int mask = keys.length - 1;
        long stored = key + 1;
        for (int i = home(key); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == stored) {
                return i;
            }
            if (k == FREE) {
                return -1 - i;
            }
        }
    }

    private void move(int from, int to) {
        keys[to] = keys[from];
        kernel[to] = kernel[from];
        gateways[to] = gateways[from];
        ports[to] = ports[from];
        sources[to] = sources[from];
        nextHops[to] = nextHops[from];
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        kernel = new boolean[capacity];
        gateways = new int[capacity];
        ports = new Port[capacity];
        sources = new int[capacity];
        nextHops = new int[capacity];
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
    }

    private void grow() {
        long[] oldKeys = keys;
        boolean[] oldKernel = kernel;
        int[] oldGateways = gateways;
        Port[] oldPorts = ports;
        int[] oldSources = sources;
        int[] oldNextHops = nextHops;
        allocate(oldKeys.length * 2);
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != FREE) {
                int i = -1 - slot(oldKeys[j] - 1);
                keys[i] = oldKeys[j];
                kernel[i] = oldKernel[j];
                gateways[i] = oldGateways[j];
                ports[i] = oldPorts[j];
                sources[i] = oldSources[j];
                nextHops[i] = oldNextHops[j];
            }
        }
    }
}
