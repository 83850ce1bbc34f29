package net.taprouter.dataplane.stats;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * The dataplane's global counters: one per {@link DropReason} for received frames
 * ({@code drop.<reason>}) and for packets the router originates ({@code origin.drop.<reason>}),
 * one per {@link Event}, and {@code origin.sent}. Together with the port counters they follow the
 * accounting rule of {@link DropReason}: every received frame ends in exactly one of
 * {@code event.forwarded}, {@code event.local_delivered} or one {@code drop.<reason>}; every
 * originated packet in {@code origin.sent} or one {@code origin.drop.<reason>}. Each counter has a
 * single writer thread at a time (the forwarding agent; RX-side reasons the RX agent), so
 * increments are plain release stores, never locked instructions.
 */
public final class DataplaneCounters {
    /** How many counters a DataplaneCounters takes from its file. */
    public static final int COUNTERS = count();

    private final AtomicCounter[] drops = new AtomicCounter[DropReason.values().length];
    private final AtomicCounter[] originDrops = new AtomicCounter[DropReason.values().length];
    private final AtomicCounter[] events = new AtomicCounter[Event.values().length];
    private final AtomicCounter originSent;

    public DataplaneCounters(CounterFile file) {
        for (DropReason reason : DropReason.values()) {
            int type = reason.expected() ? CounterFile.TYPE_DROP_EXPECTED : CounterFile.TYPE_DROP_ERROR;
            if (reason.endsReceived()) {
                drops[reason.ordinal()] = file.newCounter("drop." + reason.counterName(), type);
            }
        }
        for (Event event : Event.values()) {
            events[event.ordinal()] = file.newCounter("event." + event.counterName());
        }
        originSent = file.newCounter("origin.sent");
        for (DropReason reason : DropReason.values()) {
            int type = reason.expected() ? CounterFile.TYPE_DROP_EXPECTED : CounterFile.TYPE_DROP_ERROR;
            if (reason.endsOriginated()) {
                originDrops[reason.ordinal()] = file.newCounter("origin.drop." + reason.counterName(), type);
            }
        }
    }

    private static int count() {
        int n = Event.values().length + 1;
        for (DropReason reason : DropReason.values()) {
            n += (reason.endsReceived() ? 1 : 0) + (reason.endsOriginated() ? 1 : 0);
        }
        return n;
    }

    /** A received frame dropped for {@code reason} (which must {@link DropReason#endsReceived end received frames}). */
    public void drop(DropReason reason) {
        AtomicCounter counter = drops[reason.ordinal()];
        if (counter == null) {
            throw new IllegalArgumentException("drop reason " + reason.counterName() + " does not end received frames");
        }
        counter.incrementRelease();
    }

    /** A packet the router originated dropped for {@code reason} (which must {@link DropReason#endsOriginated end them}). */
    public void originDrop(DropReason reason) {
        AtomicCounter counter = originDrops[reason.ordinal()];
        if (counter == null) {
            throw new IllegalArgumentException("drop reason " + reason.counterName() + " does not end originated packets");
        }
        counter.incrementRelease();
    }

    /** A packet the router originated went out. */
    public void originSent() {
        originSent.incrementRelease();
    }

    public void event(Event event) {
        events[event.ordinal()].incrementRelease();
    }

    /** Received frames dropped for {@code reason} (0 if it never ends them). */
    public long drops(DropReason reason) {
        AtomicCounter counter = drops[reason.ordinal()];
        return counter == null ? 0 : counter.get();
    }

    /** Originated packets dropped for {@code reason} (0 if it never ends them). */
    public long originDrops(DropReason reason) {
        AtomicCounter counter = originDrops[reason.ordinal()];
        return counter == null ? 0 : counter.get();
    }

    /** Originated packets that went out. */
    public long originSentTotal() {
        return originSent.get();
    }

    public long events(Event event) {
        return events[event.ordinal()].get();
    }
}
