package net.taprouter.dataplane.neigh;

/** Neighbour (ARP cache) states, named as {@code ip neigh} shows them. */
public final class NeighbourState {
    public static final int FREE = 0;
    /** ARP request sent, no reply yet; packets wait in the entry's queue. */
    public static final int INCOMPLETE = 1;
    /** Confirmed recently. */
    public static final int REACHABLE = 2;
    /** Not confirmed for a while; still used, confirmed on next use. */
    public static final int STALE = 3;
    /** Used while stale: unicast ARP probes sent, still forwarding. */
    public static final int PROBE = 4;
    /** Resolution failed. */
    public static final int FAILED = 5;
    /** Configured by {@code neigh add}; never ages. */
    public static final int PERMANENT = 6;

    private static final String[] NAMES = {"NONE", "INCOMPLETE", "REACHABLE", "STALE", "PROBE", "FAILED", "PERMANENT"};

    private NeighbourState() {
    }

    public static String name(int state) {
        return NAMES[state];
    }
}
