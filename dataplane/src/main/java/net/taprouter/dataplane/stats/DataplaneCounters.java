package net.taprouter.dataplane.stats;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * One writer's shard of the dataplane's global counters ({@link CounterFile.Shard}): a forwarding
 * worker's has one counter per {@link DropReason} for received frames ({@code drop.<reason>}) and
 * for packets the router originates ({@code origin.drop.<reason>}), one per {@link Event}, and
 * {@code origin.sent}; the RX agent's only the drops it makes ({@link #RX_DROPS}). Together with
 * the port counters they follow the accounting rule of {@link DropReason}: every received frame
 * ends in exactly one of {@code event.forwarded}, {@code event.local_delivered} or one
 * {@code drop.<reason>}; every originated packet in {@code origin.sent} or one
 * {@code origin.drop.<reason>}. Each counter has a single writer thread, so increments are plain
 * release stores, never locked instructions. Readers sum the shards per name.
 */
public final class DataplaneCounters {
    /** How many counters a worker's DataplaneCounters takes from its file. */
    public static final int COUNTERS = count();
    /** The drops the RX agent counts (in its own shard). */
    public static final Set<DropReason> RX_DROPS = Collections.unmodifiableSet(
        EnumSet.of(DropReason.FRAME_TOO_LONG, DropReason.RX_NO_BUFFER, DropReason.RX_RING_FULL));
    /** How many counters the RX agent's DataplaneCounters takes from its file. */
    public static final int RX_COUNTERS = RX_DROPS.size();

    private final CounterFile.Shard shard;
    private final AtomicCounter[] drops = new AtomicCounter[DropReason.values().length];
    private final AtomicCounter[] originDrops = new AtomicCounter[DropReason.values().length];
    private final AtomicCounter[] events = new AtomicCounter[Event.values().length];
    private final AtomicCounter originSent;

    /** A forwarding worker's shard: every drop reason (of each kind it ends) and event. */
    public DataplaneCounters(CounterFile file) {
        this(file, file.newShard(CounterFile.ShardRole.WORKER), EnumSet.allOf(DropReason.class), true);
    }

    /** The RX agent's shard: {@link #RX_DROPS} only (counting another reason there is a bug: it throws). */
    public static DataplaneCounters rx(CounterFile file) {
        return new DataplaneCounters(file, file.newShard(CounterFile.ShardRole.RX), RX_DROPS, false);
    }

    private DataplaneCounters(CounterFile file, CounterFile.Shard shard, Set<DropReason> reasons, boolean worker) {
        this.shard = shard;
        for (DropReason reason : reasons) {
            if (reason.endsReceived()) {
                drops[reason.ordinal()] = file.newCounter("drop." + reason.counterName(), type(reason), shard);
            }
        }
        if (!worker) {
            originSent = null;
            return;
        }
        for (Event event : Event.values()) {
            events[event.ordinal()] = file.newCounter("event." + event.counterName(), CounterFile.TYPE_PLAIN, shard);
        }
        originSent = file.newCounter("origin.sent", CounterFile.TYPE_PLAIN, shard);
        for (DropReason reason : reasons) {
            if (reason.endsOriginated()) {
                originDrops[reason.ordinal()] = file.newCounter("origin.drop." + reason.counterName(), type(reason), shard);
            }
        }
    }

    private static int type(DropReason reason) {
        return reason.expected() ? CounterFile.TYPE_DROP_EXPECTED : CounterFile.TYPE_DROP_ERROR;
    }

    private static int count() {
        int n = Event.values().length + 1;
        for (DropReason reason : DropReason.values()) {
            n += (reason.endsReceived() ? 1 : 0) + (reason.endsOriginated() ? 1 : 0);
        }
        return n;
    }

    /** The shard's index among its role's shards: which copy of a port's counters this writer uses. */
    public int shard() {
        return shard.index();
    }

    /** A received frame dropped for {@code reason} (which must {@link DropReason#endsReceived end received frames}). */
    public void drop(DropReason reason) {
        AtomicCounter counter = drops[reason.ordinal()];
        if (counter == null) {
            throw new IllegalArgumentException("drop reason " + reason.counterName() + " is not counted here for received frames");
        }
        counter.incrementRelease();
    }

    /** A packet the router originated dropped for {@code reason} (which must {@link DropReason#endsOriginated end them}). */
    public void originDrop(DropReason reason) {
        AtomicCounter counter = originDrops[reason.ordinal()];
        if (counter == null) {
            throw new IllegalArgumentException("drop reason " + reason.counterName() + " is not counted here for originated packets");
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

    /** {@code count} occurrences of {@code event} at once (ageing removes entries by the hundred). */
    public void event(Event event, int count) {
        if (count > 0) {
            events[event.ordinal()].getAndAddRelease(count);
        }
    }

    /** This shard's count of received frames dropped for {@code reason} (0 if not counted here; the total over shards: {@link CounterFile#totals}). */
    public long drops(DropReason reason) {
        AtomicCounter counter = drops[reason.ordinal()];
        return counter == null ? 0 : counter.get();
    }

    /** This shard's count of originated packets dropped for {@code reason} (0 if not counted here). */
    public long originDrops(DropReason reason) {
        AtomicCounter counter = originDrops[reason.ordinal()];
        return counter == null ? 0 : counter.get();
    }

    /** This shard's count of originated packets that went out. */
    public long originSentTotal() {
        return originSent.get();
    }

    /** This shard's count (not the total over shards: {@link CounterFile#totals}). */
    public long events(Event event) {
        return events[event.ordinal()].get();
    }
}
