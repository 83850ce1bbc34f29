package net.taprouter.control.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * {@code routerctl monitor}'s source: changes to links, addresses, routes and neighbours, made
 * by the control thread's transactions and published to the subscribers only when the
 * transaction commits (a rolled-back batch publishes nothing). Nothing is made while nobody
 * subscribes to a kind ({@link #wants}: one test at each change point).
 *
 * <p>Bounded: each subscriber holds at most {@link #SUBSCRIBER_BUFFER} changes; what does not fit
 * (a slow monitor, or a batch of a million routes) is counted in its {@link Subscriber#lost} and
 * the monitor says so. A transaction keeps at most that many changes until its commit; the rest
 * are counted per kind. Control thread only.
 */
public final class ChangeEvents {
    /** What changed ({@code ip monitor}'s objects). */
    public enum Kind { LINK, ADDR, ROUTE, NEIGH }

    /**
     * One change: {@code subject} is what the object is after the change, or was before its
     * deletion ({@link Route}, {@link Link}, or an address / neighbour as a {@link Described}).
     */
    public record Change(Kind kind, boolean deleted, Object subject) {
    }

    /**
     * An object described for {@code monitor}: its line as {@code ip monitor} prints it, and its
     * fields for {@code monitor -j} (those of the matching {@code show -j} row).
     */
    public record Described(String text, java.util.Map<String, Object> row) {
        @Override
        public String toString() {
            return text;
        }
    }

    public static final int SUBSCRIBER_BUFFER = 4096;

    /** One monitor: the kinds it asked for and the changes it has not taken yet. */
    public static final class Subscriber {
        private final EnumSet<Kind> kinds;
        private final ArrayDeque<Change> queue = new ArrayDeque<>();
        private long lost;

        private Subscriber(EnumSet<Kind> kinds) {
            this.kinds = kinds;
        }

        /** The next change, or null. */
        public Change poll() {
            return queue.poll();
        }

        /** Changes that did not fit since the last call (and resets the count). */
        public long takeLost() {
            long l = lost;
            lost = 0;
            return l;
        }

        private void offer(Change c) {
            if (queue.size() < SUBSCRIBER_BUFFER) {
                queue.add(c);
            } else {
                lost++;
            }
        }
    }

    private final List<Subscriber> subscribers = new ArrayList<>();
    private final EnumSet<Kind> wanted = EnumSet.noneOf(Kind.class);
    /** The transaction whose changes {@link #pending} holds. */
    private Transaction pendingFor;
    private final List<Change> pending = new ArrayList<>();
    private final long[] overflow = new long[Kind.values().length];

    public Subscriber subscribe(EnumSet<Kind> kinds) {
        Subscriber s = new Subscriber(EnumSet.copyOf(kinds));
        subscribers.add(s);
        wanted.addAll(kinds);
        return s;
    }

    public void unsubscribe(Subscriber s) {
        subscribers.remove(s);
        wanted.clear();
        for (Subscriber other : subscribers) {
            wanted.addAll(other.kinds);
        }
    }

    /** True if some monitor wants changes of {@code kind} (else the caller makes no Change). */
    public boolean wants(Kind kind) {
        return wanted.contains(kind);
    }

    /** A change made by {@code tx}: published when it commits, forgotten if it rolls back. */
    public void emit(Transaction tx, Change change) {
        if (!wants(change.kind())) {
            return;
        }
        if (tx != pendingFor) {
            pendingFor = tx;
            pending.clear();
            java.util.Arrays.fill(overflow, 0);
            tx.onCommit(() -> publish(tx));
            tx.onRollback(() -> discard(tx));
        }
        if (pending.size() < SUBSCRIBER_BUFFER) {
            pending.add(change);
        } else {
            overflow[change.kind().ordinal()]++;
        }
    }

    private void publish(Transaction tx) {
        if (tx != pendingFor) {
            return;
        }
        for (Subscriber s : subscribers) {
            for (Change c : pending) {
                if (s.kinds.contains(c.kind())) {
                    s.offer(c);
                }
            }
            for (Kind k : s.kinds) {
                s.lost += overflow[k.ordinal()];
            }
        }
        discard(tx);
    }

    private void discard(Transaction tx) {
        if (tx == pendingFor) {
            pendingFor = null;
            pending.clear();
            java.util.Arrays.fill(overflow, 0);
        }
    }
}
