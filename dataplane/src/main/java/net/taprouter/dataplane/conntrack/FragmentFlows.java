package net.taprouter.dataplane.conntrack;

/**
 * Virtual reassembly, as VPP does it for NAT (not full reassembly): a later fragment of an IPv4
 * datagram carries no ports, so the flow of its datagram is remembered when the first fragment
 * passes — keyed by (source, destination, protocol, IP identification) as the fragments arrive —
 * and later fragments are tracked and translated with it. Bounded (a power-of-two number of
 * entries, 4-way: a new datagram takes the oldest of its 4 slots) and timed (an entry lives
 * {@link #LIFETIME} seconds, ip_frag_time's default). A later fragment that comes before its first
 * finds nothing. Owned by one worker; no allocation after construction.
 */
final class FragmentFlows {
    /** Seconds an entry lives after its first fragment. */
    static final int LIFETIME = 30;
    private static final int WAYS = 4;
    private static final int STRIDE = 5; // src, dst, protocol << 16 | id, ref, expires

    private final int[] entries;
    private final int mask;

    FragmentFlows(int capacity) {
        int sets = Integer.highestOneBit(Math.max(WAYS, capacity) / WAYS);
        entries = new int[sets * WAYS * STRIDE];
        mask = sets - 1;
        java.util.Arrays.fill(entries, 0);
    }

    private int set(int src, int dst, int key) {
        int h = (src * 0x9E37_79B9) ^ (dst * 0x85EB_CA6B) ^ (key * 0xC2B2_AE35);
        return ((h ^ (h >>> 16)) & mask) * WAYS * STRIDE;
    }

    /** The first fragment of datagram (src, dst, protocol, id) belongs to flow {@code ref}. */
    void put(int src, int dst, int protocol, int id, int ref, int now) {
        int key = protocol << 16 | id;
        int base = set(src, dst, key);
        int victim = base;
        for (int way = 0; way < WAYS; way++) {
            int at = base + way * STRIDE;
            if (entries[at] == src && entries[at + 1] == dst && entries[at + 2] == key) {
                victim = at;
                break;
            }
            if (entries[at + 4] - entries[victim + 4] < 0) {
                victim = at; // the one that expires first
            }
        }
        entries[victim] = src;
        entries[victim + 1] = dst;
        entries[victim + 2] = key;
        entries[victim + 3] = ref;
        entries[victim + 4] = now + LIFETIME;
    }

    /** The flow of a later fragment of datagram (src, dst, protocol, id), or {@link FlowTable#NONE}. */
    int get(int src, int dst, int protocol, int id, int now) {
        int key = protocol << 16 | id;
        int base = set(src, dst, key);
        for (int way = 0; way < WAYS; way++) {
            int at = base + way * STRIDE;
            if (entries[at] == src && entries[at + 1] == dst && entries[at + 2] == key && now - entries[at + 4] < 0) {
                return entries[at + 3];
            }
        }
        return FlowTable.NONE;
    }
}
