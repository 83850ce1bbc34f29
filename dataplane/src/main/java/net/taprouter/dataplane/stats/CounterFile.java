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
 */
public final class CounterFile implements AutoCloseable {
    public static final long MAGIC = 0x5441505254524331L; // "TAPRTRC1"
    private static final int HEADER = 64;

    private final MappedByteBuffer mapped;
    private final CountersManager manager;
    private final File file;

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
