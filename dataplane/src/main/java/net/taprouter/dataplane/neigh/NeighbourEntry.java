package net.taprouter.dataplane.neigh;

/** A copy of one neighbour for display (off the hot path). */
public record NeighbourEntry(int port, int address, long mac, int state, long ageMillis) {
}
