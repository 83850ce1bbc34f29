package net.taprouter.control.command;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.agent.EventSource;
import net.taprouter.dataplane.agent.WorkerControl;
import net.taprouter.dataplane.event.EventRing;
import org.agrona.DirectBuffer;

/**
 * One subscriber to the workers' events of a {@link EventSource} ({@code conntrack -E},
 * {@code monitor conntrack|fdb}): a preallocated {@link EventRing} per worker, armed through the
 * typed worker proxy ({@link WorkerControl#armEvents}) when the live answer is first pulled (after
 * its request committed), drained on the control thread while the client reads, disarmed when the
 * client goes away. Memory is bounded: {@link #RING_BYTES} per worker per subscriber (a few
 * thousand events); a reader that falls behind loses events (counted by the rings, reported
 * through {@link #takeLost}), the workers never wait. Control thread only.
 */
final class WorkerEvents {
    /** Ring per worker and subscriber: ~3,000 conntrack events, ~8,000 FDB events. */
    static final int RING_BYTES = 1 << 18;
    private static int nextId = 1;

    /** Receives one event record. */
    interface Handler {
        void event(int kind, DirectBuffer buffer, int offset);
    }

    private final WorkerControl workers;
    private final EventSource source;
    private final int kinds;
    private final int id = nextId++;
    private final List<EventRing> rings = new ArrayList<>();
    private boolean armed;
    private long reportedLost;

    WorkerEvents(WorkerControl workers, EventSource source, int kinds) {
        this.workers = workers;
        this.source = source;
        this.kinds = kinds;
    }

    /** Arms the session on every worker (throws if a worker cannot take the command). */
    void arm() {
        for (int w = 0; w < workers.workerCount(); w++) {
            rings.add(new EventRing(RING_BYTES));
        }
        workers.armEvents(id, source, kinds, rings);
        armed = true;
    }

    boolean armed() {
        return armed;
    }

    /** Hands up to {@code limit} events (per worker) to {@code handler}; returns how many. */
    int drain(Handler handler, int limit) {
        int n = 0;
        for (EventRing ring : rings) {
            n += ring.drain((type, buffer, index, length) -> handler.event(type, buffer, index), limit);
        }
        return n;
    }

    /** Events lost since the last call (the rings were full). */
    long takeLost() {
        long lost = 0;
        for (EventRing ring : rings) {
            lost += ring.lost();
        }
        long fresh = lost - reportedLost;
        reportedLost = lost;
        return fresh;
    }

    /** Disarms the session (once; nothing if it was never armed). */
    void close() {
        if (armed) {
            armed = false;
            workers.disarmEvents(id, source);
        }
    }
}
