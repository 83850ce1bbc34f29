package net.taprouter.dataplane.event;

import java.util.Arrays;

/**
 * The armed sessions of one worker's tap (capture sessions, event subscribers): an array replaced
 * whole when a session is armed or disarmed (by worker commands, between batches: control plane,
 * not per packet) and an {@link #armed} flag, the one field the packet path tests while nobody
 * listens. A tap extends this class, so that test is a field of the tap itself. Worker thread only.
 *
 * @param <S> the tap's session record
 */
public abstract class SessionSet<S extends SessionSet.Session> {
    /** What every session has: the id it is armed and disarmed by. */
    public interface Session {
        int id();
    }

    private final S[] none;
    private S[] sessions;
    /** True while any session is armed: the only test on the packet path otherwise. */
    public boolean armed;

    /** @param none an empty array of the session type (the set's array starts as it) */
    protected SessionSet(S[] none) {
        this.none = none;
        this.sessions = none;
    }

    /** Arms {@code session} (replacing one of the same id). */
    public final void arm(S session) {
        disarm(session.id());
        S[] grown = Arrays.copyOf(sessions, sessions.length + 1);
        grown[sessions.length] = session;
        sessions = grown;
        armed = true;
    }

    /** Disarms session {@code id} (nothing if it is not armed). */
    public final void disarm(int id) {
        S[] kept = Arrays.copyOf(sessions, sessions.length);
        int n = 0;
        for (S s : sessions) {
            if (s.id() != id) {
                kept[n++] = s;
            }
        }
        sessions = n == 0 ? none : Arrays.copyOf(kept, n);
        armed = n > 0;
    }

    /** The armed sessions (do not modify). */
    public final S[] sessions() {
        return sessions;
    }

    /** How many sessions are armed. */
    public final int count() {
        return sessions.length;
    }
}
