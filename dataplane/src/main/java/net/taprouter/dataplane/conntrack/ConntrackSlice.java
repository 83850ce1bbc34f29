package net.taprouter.dataplane.conntrack;

import java.util.List;

/**
 * A piece of a conntrack listing from one worker: its entries and where the next piece starts
 * (a flow number; -1: this worker has no more).
 */
public record ConntrackSlice(List<ConntrackEntry> entries, int next) {
}
