package net.taprouter.dataplane.conntrack;

/**
 * One worker's conntrack statistics ({@code conntrack -S}, one line per worker as the kernel
 * prints one per CPU) and its table's size and capacity ({@code conntrack -C}).
 */
public record ConntrackStats(int count, int max, long searched, long found, long created, long invalid, long ignore, long delete,
                             long insert, long insertFailed, long drop, long earlyDrop, long error) {
}
