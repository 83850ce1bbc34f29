/**
 * Events from the forwarding workers to the control thread (issue 10's {@code monitor conntrack|fdb},
 * issue 8's {@code conntrack -E}): preallocated single-producer rings of primitive records and the
 * per-worker set of subscribers that arms them.
 */
package net.taprouter.dataplane.event;
