package net.taprouter.dataplane.l2;

import net.taprouter.dataplane.event.EventTap;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The FDB events of one worker's bridges, as {@code bridge monitor fdb} shows the kernel's:
 * {@link #LEARNED} (a new entry: learned from a frame's source, or a static one added),
 * {@link #MOVED} (a learned MAC seen on another port), {@link #DELETED} (aged out, flushed,
 * deleted, its port gone). Written by the worker only while {@link EventTap#armed} is true, into
 * the ring of every session that wants the kind (a full ring loses the event, counted there).
 *
 * <p>Record (native byte order): bridge interface index, VLAN, port index, static (ints), MAC
 * (long): {@value #RECORD} bytes; {@link #event} reads one back.
 */
public final class FdbEvents {
    public static final int LEARNED = 1;
    public static final int MOVED = 2;
    public static final int DELETED = 3;
    public static final int ALL = 1 << LEARNED | 1 << MOVED | 1 << DELETED;

    static final int RECORD = 4 * 4 + 8;

    /** The subscribers (armed and disarmed by worker commands). */
    public final EventTap tap = new EventTap();

    /** An FDB event as the control thread reads it back. */
    public record Event(int kind, int bridge, int vlan, long mac, int port, boolean isStatic) {
    }

    /** Writes event {@code kind} of (bridge, vlan, mac) on {@code port} to every session that wants it. */
    public void emit(int kind, int bridge, int vlan, long mac, int port, boolean isStatic) {
        MutableDirectBuffer b = tap.record;
        b.putInt(0, bridge);
        b.putInt(4, vlan);
        b.putInt(8, port);
        b.putInt(12, isStatic ? 1 : 0);
        b.putLong(16, mac);
        tap.publish(kind, RECORD);
    }

    /** The event of a record of {@code kind} (control thread). */
    public static Event event(int kind, DirectBuffer b, int at) {
        return new Event(kind, b.getInt(at), b.getInt(at + 4), b.getLong(at + 16), b.getInt(at + 8), b.getInt(at + 12) != 0);
    }
}
