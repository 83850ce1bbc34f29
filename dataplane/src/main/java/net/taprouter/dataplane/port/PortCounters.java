package net.taprouter.dataplane.port;

import net.taprouter.dataplane.stats.CounterFile;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Per-port counters in the shared counter file, one copy per writer ({@link CounterFile.Shard}):
 * each RX shard has the port's {@code rx_packets} and {@code rx_bytes} ({@link #rx}), each
 * forwarding worker's shard its {@code rx_drops}, {@code tx_packets}, {@code tx_bytes},
 * {@code tx_drops}, {@code rx_errors} and {@code tx_errors} ({@link #worker}). The errors are a part
 * of the drops, as {@code ip -s link} tells them apart: rx_errors the received frames dropped as
 * malformed ({@code DropReason.isError}), tx_errors the writes the device failed (not the ones
 * that would block, which are only dropped). A writer reaches its copy by its shard index (no allocation);
 * readers take the sums ({@link #rxPackets()}...). Made over the shards that exist at the time:
 * the workers and the RX agent are built before the first port.
 *
 * <p>A port that joins a bridge also gets, once ({@link #enableBridge}), per worker shard the
 * bridge counters of the frames it received: {@code flooded} (unknown unicast, broadcast and
 * multicast sent to the other ports), {@code forwarded} (known unicast sent to its one port) and
 * {@code filtered} (the destination is on this very port: dropped).
 */
public final class PortCounters implements AutoCloseable {
    /** One RX agent's copy. */
    public static final class Rx {
        public final AtomicCounter packets;
        public final AtomicCounter bytes;

        Rx(AtomicCounter packets, AtomicCounter bytes) {
            this.packets = packets;
            this.bytes = bytes;
        }
    }

    /** One forwarding worker's copy. */
    public static final class Worker {
        public final AtomicCounter rxDrops;
        public final AtomicCounter txPackets;
        public final AtomicCounter txBytes;
        public final AtomicCounter txDrops;
        public final AtomicCounter rxErrors;
        public final AtomicCounter txErrors;

        Worker(AtomicCounter rxDrops, AtomicCounter txPackets, AtomicCounter txBytes, AtomicCounter txDrops, AtomicCounter rxErrors,
               AtomicCounter txErrors) {
            this.rxDrops = rxDrops;
            this.txPackets = txPackets;
            this.txBytes = txBytes;
            this.txDrops = txDrops;
            this.rxErrors = rxErrors;
            this.txErrors = txErrors;
        }
    }

    /** One forwarding worker's copy of the bridge counters. */
    public static final class Bridge {
        public final AtomicCounter flooded;
        public final AtomicCounter forwarded;
        public final AtomicCounter filtered;

        Bridge(AtomicCounter flooded, AtomicCounter forwarded, AtomicCounter filtered) {
            this.flooded = flooded;
            this.forwarded = forwarded;
            this.filtered = filtered;
        }
    }

    private final Rx[] rx;
    private final Worker[] workers;
    private final CounterFile file;
    private final String prefix;
    /** Per worker shard, once the port was a bridge port; null before. */
    private volatile Bridge[] bridge;

    /**
     * Registers the port's counters for every shard of {@code file}, name by name (so the names
     * first appear in the order rx_packets, rx_bytes, rx_drops, tx_packets, tx_bytes, tx_drops,
     * rx_errors, tx_errors).
     */
    public PortCounters(CounterFile file, String port) {
        file.fixShards();
        this.file = file;
        String prefix = "port." + port + ".";
        this.prefix = prefix;
        int rxShards = file.shards(CounterFile.ShardRole.RX);
        int workerShards = file.shards(CounterFile.ShardRole.WORKER);
        AtomicCounter[] rxPackets = register(file, prefix + "rx_packets", CounterFile.ShardRole.RX, rxShards);
        AtomicCounter[] rxBytes = register(file, prefix + "rx_bytes", CounterFile.ShardRole.RX, rxShards);
        AtomicCounter[] rxDrops = register(file, prefix + "rx_drops", CounterFile.ShardRole.WORKER, workerShards);
        AtomicCounter[] txPackets = register(file, prefix + "tx_packets", CounterFile.ShardRole.WORKER, workerShards);
        AtomicCounter[] txBytes = register(file, prefix + "tx_bytes", CounterFile.ShardRole.WORKER, workerShards);
        AtomicCounter[] txDrops = register(file, prefix + "tx_drops", CounterFile.ShardRole.WORKER, workerShards);
        AtomicCounter[] rxErrors = register(file, prefix + "rx_errors", CounterFile.ShardRole.WORKER, workerShards);
        AtomicCounter[] txErrors = register(file, prefix + "tx_errors", CounterFile.ShardRole.WORKER, workerShards);
        rx = new Rx[rxShards];
        for (int s = 0; s < rxShards; s++) {
            rx[s] = new Rx(rxPackets[s], rxBytes[s]);
        }
        workers = new Worker[workerShards];
        for (int s = 0; s < workerShards; s++) {
            workers[s] = new Worker(rxDrops[s], txPackets[s], txBytes[s], txDrops[s], rxErrors[s], txErrors[s]);
        }
    }

    private static AtomicCounter[] register(CounterFile file, String name, CounterFile.ShardRole role, int shards) {
        AtomicCounter[] counters = new AtomicCounter[shards];
        for (int s = 0; s < shards; s++) {
            counters[s] = file.newCounter(name, CounterFile.TYPE_PLAIN, new CounterFile.Shard(role, s));
        }
        return counters;
    }

    /** The copy RX shard {@code shard} writes. */
    public Rx rx(int shard) {
        return rx[shard];
    }

    /** The copy forwarding worker shard {@code shard} writes. */
    public Worker worker(int shard) {
        return workers[shard];
    }

    /**
     * Control thread, before the port joins a bridge: registers its bridge counters (once; they
     * stay until the port goes, so a port that leaves and joins again keeps counting).
     */
    public void enableBridge() {
        if (bridge != null) {
            return;
        }
        int shards = workers.length;
        AtomicCounter[] flooded = register(file, prefix + "flooded", CounterFile.ShardRole.WORKER, shards);
        AtomicCounter[] forwarded = register(file, prefix + "forwarded", CounterFile.ShardRole.WORKER, shards);
        AtomicCounter[] filtered = register(file, prefix + "filtered", CounterFile.ShardRole.WORKER, shards);
        Bridge[] copies = new Bridge[shards];
        for (int s = 0; s < shards; s++) {
            copies[s] = new Bridge(flooded[s], forwarded[s], filtered[s]);
        }
        bridge = copies;
    }

    /** The bridge counters worker shard {@code shard} writes; null if the port never was a bridge port. */
    public Bridge bridge(int shard) {
        Bridge[] copies = bridge;
        return copies == null ? null : copies[shard];
    }

    /** Sum over the shards of the bridge counter {@code which} (0 flooded, 1 forwarded, 2 filtered); 0 if none. */
    public long bridgeSum(int which) {
        Bridge[] copies = bridge;
        long sum = 0;
        if (copies != null) {
            for (Bridge b : copies) {
                sum += (which == 0 ? b.flooded : which == 1 ? b.forwarded : b.filtered).get();
            }
        }
        return sum;
    }

    public long rxPackets() {
        long sum = 0;
        for (Rx r : rx) {
            sum += r.packets.get();
        }
        return sum;
    }

    public long rxBytes() {
        long sum = 0;
        for (Rx r : rx) {
            sum += r.bytes.get();
        }
        return sum;
    }

    public long rxDrops() {
        long sum = 0;
        for (Worker w : workers) {
            sum += w.rxDrops.get();
        }
        return sum;
    }

    public long txPackets() {
        long sum = 0;
        for (Worker w : workers) {
            sum += w.txPackets.get();
        }
        return sum;
    }

    public long txBytes() {
        long sum = 0;
        for (Worker w : workers) {
            sum += w.txBytes.get();
        }
        return sum;
    }

    public long txDrops() {
        long sum = 0;
        for (Worker w : workers) {
            sum += w.txDrops.get();
        }
        return sum;
    }

    public long rxErrors() {
        long sum = 0;
        for (Worker w : workers) {
            sum += w.rxErrors.get();
        }
        return sum;
    }

    public long txErrors() {
        long sum = 0;
        for (Worker w : workers) {
            sum += w.txErrors.get();
        }
        return sum;
    }

    /**
     * Frees the counters (control thread, after the port left the dataplane), in the order they
     * were made: a port made later reuses the records in the same name order.
     */
    @Override
    public void close() {
        for (Rx r : rx) {
            r.packets.close();
        }
        for (Rx r : rx) {
            r.bytes.close();
        }
        for (Worker w : workers) {
            w.rxDrops.close();
        }
        for (Worker w : workers) {
            w.txPackets.close();
        }
        for (Worker w : workers) {
            w.txBytes.close();
        }
        for (Worker w : workers) {
            w.txDrops.close();
        }
        for (Worker w : workers) {
            w.rxErrors.close();
        }
        for (Worker w : workers) {
            w.txErrors.close();
        }
        Bridge[] copies = bridge;
        if (copies != null) {
            for (Bridge b : copies) {
                b.flooded.close();
            }
            for (Bridge b : copies) {
                b.forwarded.close();
            }
            for (Bridge b : copies) {
                b.filtered.close();
            }
        }
    }
}
