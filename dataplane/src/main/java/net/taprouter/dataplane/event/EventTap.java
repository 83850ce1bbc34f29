package net.taprouter.dataplane.event;

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

    public EventTap() {
        super(new Session[0]);
    }
}
