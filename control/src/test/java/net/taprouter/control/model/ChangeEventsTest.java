package net.taprouter.control.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** The monitor hub: changes reach subscribers only at commit, per kind, bounded and counted. */
class ChangeEventsTest {
    private static ChangeEvents.Change route(String text, boolean deleted) {
        return new ChangeEvents.Change(ChangeEvents.Kind.ROUTE, deleted, text);
    }

    @Test
    void changesArePublishedAtCommitAndNeverAfterRollback() {
        ChangeEvents events = new ChangeEvents();
        assertFalse(events.wants(ChangeEvents.Kind.ROUTE));
        ChangeEvents.Subscriber routes = events.subscribe(EnumSet.of(ChangeEvents.Kind.ROUTE));
        ChangeEvents.Subscriber addrs = events.subscribe(EnumSet.of(ChangeEvents.Kind.ADDR));
        assertTrue(events.wants(ChangeEvents.Kind.ROUTE));

        Transaction failed = new Transaction();
        events.emit(failed, route("a", false));
        assertNull(routes.poll(), "nothing before the commit");
        assertTrue(failed.rollback().isEmpty());
        assertNull(routes.poll(), "a rolled-back change is never shown");

        Transaction ok = new Transaction();
        events.emit(ok, route("b", false));
        events.emit(ok, route("b", true));
        events.emit(ok, new ChangeEvents.Change(ChangeEvents.Kind.NEIGH, false, "n")); // nobody wants it
        ok.commit();
        assertEquals(route("b", false), routes.poll());
        assertEquals(route("b", true), routes.poll());
        assertNull(routes.poll());
        assertNull(addrs.poll(), "another kind");

        events.unsubscribe(routes);
        assertFalse(events.wants(ChangeEvents.Kind.ROUTE));
        assertTrue(events.wants(ChangeEvents.Kind.ADDR));
    }

    @Test
    void aSlowSubscriberLosesChangesCounted() {
        ChangeEvents events = new ChangeEvents();
        ChangeEvents.Subscriber s = events.subscribe(EnumSet.allOf(ChangeEvents.Kind.class));
        int n = ChangeEvents.SUBSCRIBER_BUFFER + 10;
        for (int round = 0; round < 2; round++) {
            Transaction tx = new Transaction();
            for (int i = 0; i < n; i++) {
                events.emit(tx, route("r" + i, false));
            }
            tx.commit();
        }
        // round 1: 10 over the transaction's bound; round 2: the subscriber's queue was full
        assertEquals(10 + n, s.takeLost());
        assertEquals(0, s.takeLost(), "reset once taken");
        int queued = 0;
        while (s.poll() != null) {
            queued++;
        }
        assertEquals(ChangeEvents.SUBSCRIBER_BUFFER, queued);
    }
}
