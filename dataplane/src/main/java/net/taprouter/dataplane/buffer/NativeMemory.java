package net.taprouter.dataplane.buffer;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.lang.ref.Cleaner;

/**
 * Anonymous memory straight from the kernel ({@code mmap(MAP_PRIVATE | MAP_ANONYMOUS |
 * MAP_NORESERVE)}): page-aligned and zero-filled, and a page becomes resident only when first
 * touched. A {@link java.nio.ByteBuffer#allocateDirect direct buffer} is zeroed by the JVM, which
 * touches every page at once: for routerd's 24 MiB frame pool that was a tenth of a second of its
 * start-up and 24 MiB resident from the first moment, although an idle router uses a few slots.
 * The mapping is released when the object given to {@link #map} becomes unreachable.
 */
final class NativeMemory {
    static {
        Native.register(NativeMemory.class, Platform.C_LIBRARY_NAME);
    }

    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final long MAP_FAILED = -1L;
    private static final Cleaner CLEANER = Cleaner.create();

    private NativeMemory() {
    }

    private static native long mmap(long address, long length, int protection, int flags, int fd, long offset);

    private static native int munmap(long address, long length);

    /**
     * {@code length} bytes of zeroed memory, unmapped once {@code owner} (the object through which
     * all users reach the memory) is unreachable. Returns its address.
     */
    static long map(long length, Object owner) {
        long address = mmap(0, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (address == MAP_FAILED || address == 0) {
            throw new OutOfMemoryError("mmap of " + length + " bytes failed: errno " + Native.getLastError());
        }
        CLEANER.register(owner, () -> munmap(address, length));
        return address;
    }
}
