package net.taprouter.dataplane.conntrack;

import org.agrona.collections.Int2IntHashMap;

/**
 * How many of something (flows, NAT mappings) each IPv4 address holds: an address is present
 * while it holds at least one. One thread.
 */
final class HostCounts {
    private final Int2IntHashMap counts;

    private HostCounts(int slots, float loadFactor) {
        this.counts = new Int2IntHashMap(Math.max(8, slots), loadFactor, 0);
    }

    /**
     * For at most {@code maxThings} things held at once, sized so that it never grows (no
     * allocation after construction): 16 to 32 bytes per thing.
     */
    static HostCounts neverGrowing(int maxThings) {
        return new HostCounts(maxThings * 2, 0.65f);
    }

    /**
     * For at most {@code maxThings} things held at once, also sized so that it never grows, at a
     * higher load: 11 to 21 bytes per thing (a miss probes longer, ~4 slots at worst, than
     * {@link #neverGrowing}'s ~2).
     */
    static HostCounts compact(int maxThings) {
        return new HostCounts((int) Math.ceil(maxThings / 0.75), 0.75f);
    }

    /** How many {@code address} holds (0: none). */
    int of(int address) {
        return counts.get(address);
    }

    /** {@code address} holds one more. */
    void add(int address) {
        counts.put(address, counts.get(address) + 1);
    }

    /** {@code address} holds one fewer (it held at least one). */
    void remove(int address) {
        int held = counts.get(address) - 1;
        if (held > 0) {
            counts.put(address, held);
        } else {
            counts.remove(address);
        }
    }

    /** Addresses that hold at least one. */
    int addresses() {
        return counts.size();
    }
}
