package net.taprouter.dataplane.neigh;

import net.taprouter.dataplane.event.EventTap;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The neighbour changes one worker's ARP makes by itself, as {@code ip monitor neigh} shows the
 * kernel's: {@link #CHANGED} (an entry learned or resolved, its MAC changed, or its state moved:
 * REACHABLE, STALE, PROBE, FAILED) and {@link #DELETED} (aged out, evicted for room, failed and
 * gone). What {@code neigh add|del|flush} do is reported by the control plane, not here. Written by
 * the worker only while {@link EventTap#armed} is true (one branch otherwise), into the ring of
 * every session that wants the kind (a full ring loses the event, counted there).
 *
 * <p>Record (native byte order): interface index, IPv4 address, state (ints), MAC (long):
 * {@value #RECORD} bytes; {@link #event} reads one back.
 */
public final class NeighbourEvents {
    public static final int CHANGED = 1;
    public static final int DELETED = 2;
    public static final int ALL = 1 << CHANGED | 1 << DELETED;

    static final int RECORD = 3 * 4 + 4 + 8;

    /** The subscribers (armed and disarmed by worker commands). */
    public final EventTap tap = new EventTap();

    /** A neighbour event as the control thread reads it back. */
    public record Event(int kind, int iface, int address, long mac, int state) {
    }

    /** Writes event {@code kind} of (iface, address) in {@code state} with {@code mac} to every session that wants it. */
    void emit(int kind, int iface, int address, long mac, int state) {
        MutableDirectBuffer b = tap.record;
        b.putInt(0, iface);
        b.putInt(4, address);
        b.putInt(8, state);
        b.putLong(16, mac);
        tap.publish(kind, RECORD);
    }

    /** The event of a record of {@code kind} (control thread). */
    public static Event event(int kind, DirectBuffer b, int at) {
        return new Event(kind, b.getInt(at), b.getInt(at + 4), b.getLong(at + 16), b.getInt(at + 8));
    }
}
