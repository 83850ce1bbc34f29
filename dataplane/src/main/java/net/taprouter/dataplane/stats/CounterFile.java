package net.taprouter.dataplane.stats;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.agrona.IoUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * Counters in shared memory, readable by another process without stopping the dataplane
 * (like Aeron's CnC file). Layout of the file:
 *
 * <pre>
 *  0      8       12      16      64
 *  | magic | metaLen | valLen | pad | metadata (metaLen) | values (valLen) |
 * </pre>
 *
 * Counters are allocated by the control thread only; each counter then has a single writer.
 *
 * <p><b>Shards.</b> Every thread that counts (the RX agent, each forwarding worker) owns a
 * {@link Shard}: its own copy of each counter it writes, labelled {@code NAME@SHARD} (e.g.
 * {@code drop.no_route@worker0}, {@code port.gw0.rx_packets@rx0}), so no counter has two writers
 * and no label is registered twice. Readers sum the shards per name ({@link #counterName},
 * {@link #totals}; routerctl's own reader, the {@code stats} command and the Prometheus endpoint
 * do the same), so what they show does not depend on how many workers there are. Shards are made
 * before any port's counters (a port gets one copy per shard that exists then).
 */
public final class CounterFile implements AutoCloseable {
    public static final long MAGIC = 0x5441505254524331L; // "TAPRTRC1"
    private static final int HEADER = 64;

    /** Between a counter's name and its shard in a label. */
    public static final char SHARD_SEPARATOR = '@';

    /** Who writes a shard's counters. */
    public enum ShardRole {
        RX("rx"), WORKER("worker");

        final String prefix;

        ShardRole(String prefix) {
            this.prefix = prefix;
        }
    }

    /** One writer's counters: {@code index} counts the shards of its role in this file, from 0. */
    public record Shard(ShardRole role, int index) {
        /** The label of this shard's copy of the counter {@code name}. */
        public String label(String name) {
            return name + SHARD_SEPARATOR + role.prefix + index;
        }
    }

    private final MappedByteBuffer mapped;
    private final CountersManager manager;
    private final File file;
    private final int[] shards = new int[ShardRole.values().length];
    private boolean portCountersMade;

    private CounterFile(File file, MappedByteBuffer mapped, CountersManager manager) {
        this.file = file;
        this.mapped = mapped;
        this.manager = manager;
    }

    /** The counter file's mode from its creation: the owner writes, its group reads (routerctl stats). */
    public static final Set<PosixFilePermission> MODE = PosixFilePermissions.fromString("rw-r-----");

    /**
     * Creates (replacing a stale regular file) a counter file with room for {@code maxCounters};
     * null file: in memory only. The file is created with O_EXCL (a symbolic link planted at its
     * path is never followed: it is refused) and with {@link #MODE} from the start.
     */
    public static CounterFile create(File file, int maxCounters) {
        int valuesLength = maxCounters * CountersReader.COUNTER_LENGTH;
        int metaLength = maxCounters * CountersReader.METADATA_LENGTH;
        long total = HEADER + (long) metaLength + valuesLength;
        MappedByteBuffer mapped = null;
        UnsafeBuffer whole;
        if (file != null) {
            mapped = createExclusive(file.toPath(), total);
            whole = new UnsafeBuffer(mapped);
        } else {
            whole = new UnsafeBuffer(org.agrona.BufferUtil.allocateDirectAligned((int) total, 64));
        }
        AtomicBuffer meta = new UnsafeBuffer(whole, HEADER, metaLength);
        AtomicBuffer values = new UnsafeBuffer(whole, HEADER + metaLength, valuesLength);
        whole.putInt(8, metaLength);
        whole.putInt(12, valuesLength);
        whole.putLongRelease(0, MAGIC);
        return new CounterFile(file, mapped, new CountersManager(meta, values));
    }

    private static MappedByteBuffer createExclusive(Path path, long length) {
        try {
            if (Files.isSymbolicLink(path)) {
                throw new IOException("counter file " + path + " is a symbolic link; not following it (remove it if it is yours)");
            }
            Files.deleteIfExists(path); // a stale file of an earlier run (not a link: checked above)
            try (FileChannel channel = FileChannel.open(path,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(MODE))) {
                channel.write(ByteBuffer.allocate(1), length - 1); // the file's length; it reads as zeros
                return channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
            }
        } catch (FileAlreadyExistsException e) {
            throw new IllegalStateException("counter file " + path + " appeared while routerd created it; not touching it");
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Maps an existing counter file read-only in spirit (for stats readers in other processes). */
    public static CountersReader openReader(File file) {
        MappedByteBuffer mapped = IoUtil.mapExistingFile(file, "counters");
        UnsafeBuffer whole = new UnsafeBuffer(mapped);
        if (whole.getLongVolatile(0) != MAGIC) {
            throw new IllegalStateException("not a taprouter counter file: " + file);
        }
        int metaLength = whole.getInt(8);
        int valuesLength = whole.getInt(12);
        return new CountersReader(new UnsafeBuffer(whole, HEADER, metaLength),
            new UnsafeBuffer(whole, HEADER + metaLength, valuesLength));
    }

    /** Counter type: ports, events and anything else. */
    public static final int TYPE_PLAIN = 0;
    /** Counter type: a drop a correct router makes by design ({@link DropReason#expected()}). */
    public static final int TYPE_DROP_EXPECTED = 1;
    /** Counter type: a drop caused by bad input, a resource limit or a failure. */
    public static final int TYPE_DROP_ERROR = 2;

    /** Control thread only. */
    public AtomicCounter newCounter(String label) {
        return manager.newCounter(label, TYPE_PLAIN);
    }

    /** Control thread only: a counter of a given type (stored in its metadata, see TYPE_*). */
    public AtomicCounter newCounter(String label, int typeId) {
        return manager.newCounter(label, typeId);
    }

    /** Control thread: counter {@code name} of {@code shard} (its label: {@link Shard#label}). */
    public AtomicCounter newCounter(String name, int typeId, Shard shard) {
        return manager.newCounter(shard.label(name), typeId);
    }

    /**
     * Control thread: a new shard for one more writer of {@code role}. Refused once a port's
     * counters exist (they would lack the new shard's copy): build the workers first.
     */
    public Shard newShard(ShardRole role) {
        if (portCountersMade) {
            throw new IllegalStateException("counter shards are made before any port's counters: build the workers first");
        }
        return new Shard(role, shards[role.ordinal()]++);
    }

    /** How many shards of {@code role} exist. */
    public int shards(ShardRole role) {
        return shards[role.ordinal()];
    }

    /** Control thread: a port's counters are being made over the shards that exist now; no new shard after this. */
    public void fixShards() {
        portCountersMade = true;
    }

    /** The counter name of a label: the label without its shard ({@code drop.no_route@worker0} → {@code drop.no_route}). */
    public static String counterName(String label) {
        int at = label.lastIndexOf(SHARD_SEPARATOR);
        return at < 0 ? label : label.substring(0, at);
    }

    /** Every counter's value summed over its shards, by name, in the order the names first appear. */
    public Map<String, Long> totals() {
        Map<String, Long> totals = new LinkedHashMap<>();
        manager.forEach((long value, int id, String label) -> totals.merge(counterName(label), value, Long::sum));
        return totals;
    }

    public CountersReader reader() {
        return manager;
    }

    @Override
    public void close() {
        if (mapped != null) {
            IoUtil.unmap(mapped);
            IoUtil.deleteIfExists(file);
        }
    }
}
