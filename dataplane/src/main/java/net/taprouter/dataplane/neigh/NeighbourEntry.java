package net.taprouter.dataplane.neigh;

/** A copy of one neighbour for display (off the hot path); {@code iface} is its L3 interface index. */
public record NeighbourEntry(int iface, int address, long mac, int state, long ageMillis) {
}
