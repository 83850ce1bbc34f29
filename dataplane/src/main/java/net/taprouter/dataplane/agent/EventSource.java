package net.taprouter.dataplane.agent;

/** Where a worker's events come from ({@link WorkerControl#armEvents}): its conntrack table, or its bridges' FDBs. */
public enum EventSource {
    CONNTRACK,
    FDB
}
