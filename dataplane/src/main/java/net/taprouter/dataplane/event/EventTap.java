package net.taprouter.dataplane.event;

import java.util.Arrays;

/**
 * One worker's subscribers to a kind of event (its conntrack table's flow events, its bridges'
 * FDB events): each armed {@link Session} has an {@link EventRing} whose write side this worker's
 * thread holds and a mask of the event kinds it wants. The worker's code tests {@link #armed} (one
 * predictable branch while nobody subscribes) and only then writes the event into the rings of the
 * sessions that want its kind ({@link #sessions()}).
 *
 * <p>Sessions are armed and disarmed by worker commands on the worker's thread, between batches:
 * the array is replaced then (control plane, not per packet). Worker thread only.
 */
public final class EventTap {
    /** An armed subscriber: events of the kinds in {@code kinds} (bit {@code 1 << kind}) go to {@code ring}. */
    public record Session(int id, int kinds, EventRing ring) {
        /** True if this session wants events of {@code kind}. */
        public boolean wants(int kind) {
            return (kinds & 1 << kind) != 0;
        }
    }

    private static final Session[] NONE = new Session[0];
    private Session[] sessions = NONE;
    /** True while any session is armed: the only test on the packet path otherwise. */
    public boolean armed;

    /** Arms {@code session} (replacing one of the same id). */
    public void arm(Session session) {
        disarm(session.id());
        Session[] grown = Arrays.copyOf(sessions, sessions.length + 1);
        grown[sessions.length] = session;
        sessions = grown;
        armed = true;
    }

    /** Disarms session {@code id} (nothing if it is not armed). */
    public void disarm(int id) {
        Session[] kept = new Session[sessions.length];
        int n = 0;
        for (Session s : sessions) {
            if (s.id() != id) {
                kept[n++] = s;
            }
        }
        sessions = n == 0 ? NONE : Arrays.copyOf(kept, n);
        armed = n > 0;
    }

    /** The armed sessions (do not modify). */
    public Session[] sessions() {
        return sessions;
    }
}
