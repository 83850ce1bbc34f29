package net.taprouter.dataplane.event;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * One worker's subscribers to a kind of event (its conntrack table's flow events, its bridges'
 * FDB events): each armed {@link Session} has an {@link EventRing} whose write side this worker's
 * thread holds and a mask of the event kinds it wants. The worker's code tests {@link #armed} (one
 * predictable branch while nobody subscribes) and only then writes the event into the rings of the
 * sessions that want its kind ({@link #sessions()}).
 *
 * <p>Sessions are armed and disarmed by worker commands ({@link SessionSet}). Worker thread only.
 */
public final class EventTap extends SessionSet<EventTap.Session> {
    /** An armed subscriber: events of the kinds in {@code kinds} (bit {@code 1 << kind}) go to {@code ring}. */
    public record Session(int id, int kinds, EventRing ring) implements SessionSet.Session {
        /** True if this session wants events of {@code kind}. */
        public boolean wants(int kind) {
            return (kinds & 1 << kind) != 0;
        }
    }

    /** Largest event record, in bytes. */
    public static final int MAX_RECORD = 128;

    /**
     * The record being emitted: the worker writes an event's fields here once, then
     * {@link #publish} copies it into the ring of every session that wants its kind. Worker thread only.
     */
    public final UnsafeBuffer record = new UnsafeBuffer(new byte[MAX_RECORD]);

    public EventTap() {
        super(new Session[0]);
    }

    /** Copies the first {@code length} bytes of {@link #record} as an event of {@code kind} to every session that wants it (a full ring loses it, counted there). */
    public void publish(int kind, int length) {
        Session[] all = sessions();
        for (int i = 0; i < all.length; i++) {
            if (all[i].wants(kind)) {
                all[i].ring().write(kind, record, 0, length);
            }
        }
    }
}
