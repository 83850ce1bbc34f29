package net.taprouter.dataplane.stats;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * One writer's shard of the dataplane's global counters ({@link CounterFile.Shard}): a forwarding
 * worker's has one counter per {@link DropReason} and per {@link Event}; the RX agent's only the
 * drops it makes ({@link #RX_DROPS}). Each counter has a single writer thread, so increments are
 * plain release stores, never locked instructions. Readers sum the shards per name.
 */
public final class DataplaneCounters {
    /** How many counters a worker's DataplaneCounters takes from its file (one per drop reason and event). */
    public static final int COUNTERS = DropReason.values().length + Event.values().length;
    /** The drops the RX agent counts (in its own shard). */
    public static final Set<DropReason> RX_DROPS = Collections.unmodifiableSet(
        EnumSet.of(DropReason.FRAME_TOO_LONG, DropReason.RX_NO_BUFFER, DropReason.RX_RING_FULL));
    /** How many counters the RX agent's DataplaneCounters takes from its file. */
    public static final int RX_COUNTERS = RX_DROPS.size();

    private final CounterFile.Shard shard;
    private final AtomicCounter[] drops = new AtomicCounter[DropReason.values().length];
    private final AtomicCounter[] events = new AtomicCounter[Event.values().length];

    /** A forwarding worker's shard: every drop reason and event. */
    public DataplaneCounters(CounterFile file) {
        this(file, file.newShard(CounterFile.ShardRole.WORKER), EnumSet.allOf(DropReason.class), true);
    }

    /** The RX agent's shard: {@link #RX_DROPS} only (counting another reason there is a bug: it throws). */
    public static DataplaneCounters rx(CounterFile file) {
        return new DataplaneCounters(file, file.newShard(CounterFile.ShardRole.RX), RX_DROPS, false);
    }

    private DataplaneCounters(CounterFile file, CounterFile.Shard shard, Set<DropReason> reasons, boolean withEvents) {
        this.shard = shard;
        for (DropReason reason : reasons) {
            drops[reason.ordinal()] = file.newCounter("drop." + reason.counterName(),
                reason.expected() ? CounterFile.TYPE_DROP_EXPECTED : CounterFile.TYPE_DROP_ERROR, shard);
        }
        if (withEvents) {
            for (Event event : Event.values()) {
                events[event.ordinal()] = file.newCounter("event." + event.counterName(), CounterFile.TYPE_PLAIN, shard);
            }
        }
    }

    /** The shard's index among its role's shards: which copy of a port's counters this writer uses. */
    public int shard() {
        return shard.index();
    }

    public void drop(DropReason reason) {
        drops[reason.ordinal()].incrementRelease();
    }

    public void event(Event event) {
        events[event.ordinal()].incrementRelease();
    }

    /** This shard's count (not the total over shards: {@link CounterFile#totals}). */
    public long drops(DropReason reason) {
        return drops[reason.ordinal()].get();
    }

    /** This shard's count (not the total over shards: {@link CounterFile#totals}). */
    public long events(Event event) {
        return events[event.ordinal()].get();
    }
}
