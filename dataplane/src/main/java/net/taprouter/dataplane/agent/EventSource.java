package net.taprouter.dataplane.agent;

/** Where a worker's events come from ({@link WorkerControl#armEvents}): its conntrack table, its bridges' FDBs, its ARP. */
public enum EventSource {
    CONNTRACK,
    FDB,
    NEIGH
}
