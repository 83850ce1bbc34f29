package net.taprouter.dataplane.conntrack;

import org.agrona.collections.Long2LongHashMap;

/**
 * Endpoint-independent source NAT mappings (RFC 4787 REQ-1, RFC 5382 REQ-1): one internal
 * (protocol, address, port) keeps one external port on an external address for every
 * destination, as long as a flow uses it; an external port belongs to at most one internal
 * endpoint (no port overloading, REQ-3), so a reply to it finds exactly one host.
 *
 * <p>Port choice, as Linux's nf_nat: the internal port itself if it is free on the external
 * address; else a free port in the same class — 1–511 for ports below 512, 600–1023 for 512–1023,
 * 1024–65535 above (ICMP identifiers: 0–65535) — searched in a bitmap from a point that depends
 * on the internal endpoint, so the work per allocation is bounded by the class size / 64.
 *
 * <p>Mappings are counted by the flows that use them ({@link #acquire} / {@link #release}) and go
 * with the last one. A mapping is per external address: when MASQUERADE's address changes, new
 * flows get new mappings on the new address while old flows keep theirs. Bounded: at most
 * {@code maxMappings} mappings and {@code maxAddresses} external addresses (remembered once seen);
 * full = {@link #NONE}. Each internal address holds at most a given number of mappings (its
 * outside ports, over every protocol and external address: RFC 6888 REQ-4's limit per
 * subscriber), so that one host cannot take every port: past it {@link #PORT_LIMIT}. One thread
 * owns it; no allocation after construction.
 */
public final class NatMappings {
    public static final int NONE = -1;
    /** {@link #acquire} result: the internal address holds its limit of mappings already. */
    public static final int PORT_LIMIT = -2;

    private static final int PROTOCOLS = 3; // TCP, UDP, ICMP
    private static final int WORDS = 65536 / 64;

    private final int maxMappings;
    private final int maxAddresses;
    private final int[] addresses;
    private int addressCount;
    /** Per (external address slot, protocol) a bitmap of ports in use. */
    private final long[] used;
    private final Long2LongHashMap byInternal;
    private final Long2LongHashMap byExternal;
    private final long[] internalKey;
    private final long[] externalKey;
    private final int[] references;
    private final int[] freeList;
    private int freeCount;
    /** Mappings per internal address. */
    private final HostCounts perHost;

    public NatMappings(int maxMappings, int maxAddresses) {
        if (maxMappings < 1 || maxAddresses < 1 || maxAddresses > 256) {
            throw new IllegalArgumentException("NAT mappings need 1.. mappings and 1..256 external addresses");
        }
        this.maxMappings = maxMappings;
        this.maxAddresses = maxAddresses;
        this.addresses = new int[maxAddresses];
        this.used = new long[maxAddresses * PROTOCOLS * WORDS];
        this.byInternal = new Long2LongHashMap(maxMappings * 2, 0.65f, NONE);
        this.byExternal = new Long2LongHashMap(maxMappings * 2, 0.65f, NONE);
        this.internalKey = new long[maxMappings];
        this.externalKey = new long[maxMappings];
        this.references = new int[maxMappings];
        this.freeList = new int[maxMappings];
        for (int i = 0; i < maxMappings; i++) {
            freeList[i] = maxMappings - 1 - i;
        }
        this.freeCount = maxMappings;
        this.perHost = HostCounts.neverGrowing(maxMappings);
    }

    public int size() {
        return maxMappings - freeCount;
    }

    /** Mappings it holds at most. */
    public int capacity() {
        return maxMappings;
    }

    /** True if no mapping can be made (every entry in use). */
    public boolean full() {
        return freeCount == 0;
    }

    /**
     * A flow from internal {@code (protocol, address, port)} leaves through external address
     * {@code external}: its mapping (made if there is none, or shared if there is), counted once
     * more. Returns the mapping's number ({@link #externalPort} tells the port), or {@link #NONE}
     * if no port of the class is free, the table is full, or there are too many external addresses.
     */
    public int acquire(int protocol, int address, int port, int external) {
        return acquire(protocol, address, port, external, Integer.MAX_VALUE);
    }

    /**
     * As {@link #acquire(int, int, int, int)}, but a new mapping only while {@code address} holds
     * fewer than {@code hostLimit} mappings: else {@link #PORT_LIMIT} (sharing one it has is
     * always allowed).
     */
    public int acquire(int protocol, int address, int port, int external, int hostLimit) {
        int proto = protocolIndex(protocol);
        int slot = addressSlot(external);
        if (slot < 0) {
            return NONE;
        }
        long internal = (long) slot << 50 | key(proto, address, port);
        long found = byInternal.get(internal);
        if (found != NONE) {
            int mapping = (int) found;
            references[mapping]++;
            return mapping;
        }
        // the host's limit first: a capped host must not make the caller reclaim another's port
        if (perHost.of(address) >= hostLimit) {
            return PORT_LIMIT;
        }
        if (freeCount == 0) {
            return NONE;
        }
        int chosen = choosePort(slot, proto, protocol, address, port);
        if (chosen < 0) {
            return NONE;
        }
        int mapping = freeList[--freeCount];
        markUsed(slot, proto, chosen, true);
        internalKey[mapping] = internal;
        externalKey[mapping] = key(proto, external, chosen);
        references[mapping] = 1;
        byInternal.put(internal, mapping);
        byExternal.put(externalKey[mapping], mapping);
        perHost.add(address);
        return mapping;
    }

    /**
     * As {@link #acquire}, but the mapping must be to {@code externalPort} (a flow restored from a
     * state file keeps its outside port): if the internal endpoint has a mapping to another port on
     * {@code external}, or the port is taken, {@link #NONE}.
     */
    public int acquireExact(int protocol, int address, int port, int external, int externalPort) {
        int proto = protocolIndex(protocol);
        int slot = addressSlot(external);
        if (slot < 0) {
            return NONE;
        }
        long internal = (long) slot << 50 | key(proto, address, port);
        long found = byInternal.get(internal);
        if (found != NONE) {
            int mapping = (int) found;
            if (externalPort(mapping) != externalPort) {
                return NONE;
            }
            references[mapping]++;
            return mapping;
        }
        if (freeCount == 0 || isUsed(slot, proto, externalPort)) {
            return NONE;
        }
        int mapping = freeList[--freeCount];
        markUsed(slot, proto, externalPort, true);
        internalKey[mapping] = internal;
        externalKey[mapping] = key(proto, external, externalPort);
        references[mapping] = 1;
        byInternal.put(internal, mapping);
        byExternal.put(externalKey[mapping], mapping);
        perHost.add(address);
        return mapping;
    }

    /** One flow less uses the mapping; the last one frees its port. */
    public void release(int mapping) {
        if (--references[mapping] > 0) {
            return;
        }
        long external = externalKey[mapping];
        byInternal.remove(internalKey[mapping]);
        byExternal.remove(external);
        int proto = (int) (external >>> 48);
        markUsed(addressSlot((int) (external >>> 16)), proto, (int) (external & 0xFFFF), false);
        freeList[freeCount++] = mapping;
        perHost.remove(internalAddress(mapping));
    }

    /** The mapping of internal {@code (protocol, address, port)} on external address {@code external}, or {@link #NONE}. */
    public int lookupInternal(int protocol, int address, int port, int external) {
        for (int slot = 0; slot < addressCount; slot++) {
            if (addresses[slot] == external) {
                return (int) byInternal.get((long) slot << 50 | key(protocolIndex(protocol), address, port));
            }
        }
        return NONE;
    }

    /** The mapping a reply to external {@code (protocol, address, port)} belongs to, or {@link #NONE}. */
    public int lookupExternal(int protocol, int address, int port) {
        return (int) byExternal.get(key(protocolIndex(protocol), address, port));
    }

    public int externalPort(int mapping) {
        return (int) (externalKey[mapping] & 0xFFFF);
    }

    public int externalAddress(int mapping) {
        return (int) (externalKey[mapping] >>> 16);
    }

    public int internalAddress(int mapping) {
        return (int) (internalKey[mapping] >>> 16);
    }

    public int internalPort(int mapping) {
        return (int) (internalKey[mapping] & 0xFFFF);
    }

    /** Mappings internal {@code address} holds. */
    public int heldBy(int address) {
        return perHost.of(address);
    }

    public int references(int mapping) {
        return references[mapping];
    }

    /** The port class of {@code port} as [low, high] packed low << 16 | high. */
    static int portClass(int protocol, int port) {
        if (protocol == NatRewrite.PROTO_ICMP) {
            return 0xFFFF;
        }
        if (port < 512) {
            return 1 << 16 | 511;
        }
        if (port < 1024) {
            return 600 << 16 | 1023;
        }
        return 1024 << 16 | 65535;
    }

    private int choosePort(int slot, int proto, int protocol, int address, int port) {
        int range = portClass(protocol, port);
        int low = range >>> 16;
        int high = range & 0xFFFF;
        if (port >= low && port <= high && !isUsed(slot, proto, port)) {
            return port;
        }
        int size = high - low + 1;
        int start = low + Integer.remainderUnsigned(mix(address, port), size);
        int base = (slot * PROTOCOLS + proto) * WORDS;
        // from start to high, then from low to start: word at a time
        int found = scan(base, start, high);
        return found >= 0 ? found : scan(base, low, start - 1);
    }

    /** The first free port in [from, to], or -1. */
    private int scan(int base, int from, int to) {
        int p = from;
        while (p <= to) {
            long word = ~used[base + (p >>> 6)] & (-1L << (p & 63));
            if (word != 0) {
                int free = (p & ~63) + Long.numberOfTrailingZeros(word);
                return free <= to ? free : -1;
            }
            p = (p | 63) + 1;
        }
        return -1;
    }

    private boolean isUsed(int slot, int proto, int port) {
        return (used[(slot * PROTOCOLS + proto) * WORDS + (port >>> 6)] & (1L << port)) != 0;
    }

    private void markUsed(int slot, int proto, int port, boolean on) {
        int at = (slot * PROTOCOLS + proto) * WORDS + (port >>> 6);
        used[at] = on ? used[at] | (1L << port) : used[at] & ~(1L << port);
    }

    private int addressSlot(int external) {
        for (int i = 0; i < addressCount; i++) {
            if (addresses[i] == external) {
                return i;
            }
        }
        if (addressCount == maxAddresses) {
            return -1;
        }
        addresses[addressCount] = external;
        return addressCount++;
    }

    private static int protocolIndex(int protocol) {
        return switch (protocol) {
            case NatRewrite.PROTO_TCP -> 0;
            case NatRewrite.PROTO_UDP -> 1;
            case NatRewrite.PROTO_ICMP -> 2;
            default -> throw new IllegalArgumentException("no NAT mappings for protocol " + protocol);
        };
    }

    private static long key(int proto, int address, int port) {
        return (long) proto << 48 | (address & 0xFFFF_FFFFL) << 16 | (port & 0xFFFF);
    }

    private static int mix(int address, int port) {
        int h = address * 0x9E37_79B9 ^ port * 0x85EB_CA6B;
        return h ^ (h >>> 15);
    }
}
