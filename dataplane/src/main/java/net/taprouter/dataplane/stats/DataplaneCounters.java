package net.taprouter.dataplane.stats;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * The dataplane's global counters: one per {@link DropReason} and per {@link Event}. Each counter
 * has a single writer thread at a time (the forwarding agent; RX-side reasons the RX agent), so
 * increments are plain release stores, never locked instructions.
 */
public final class DataplaneCounters {
    /** How many counters a DataplaneCounters takes from its file (one per drop reason and event). */
    public static final int COUNTERS = DropReason.values().length + Event.values().length;

    private final AtomicCounter[] drops = new AtomicCounter[DropReason.values().length];
    private final AtomicCounter[] events = new AtomicCounter[Event.values().length];

    public DataplaneCounters(CounterFile file) {
        for (DropReason reason : DropReason.values()) {
            drops[reason.ordinal()] = file.newCounter("drop." + reason.counterName(),
                reason.expected() ? CounterFile.TYPE_DROP_EXPECTED : CounterFile.TYPE_DROP_ERROR);
        }
        for (Event event : Event.values()) {
            events[event.ordinal()] = file.newCounter("event." + event.counterName());
        }
    }

    public void drop(DropReason reason) {
        drops[reason.ordinal()].incrementRelease();
    }

    public void event(Event event) {
        events[event.ordinal()].incrementRelease();
    }

    public long drops(DropReason reason) {
        return drops[reason.ordinal()].get();
    }

    public long events(Event event) {
        return events[event.ordinal()].get();
    }
}
