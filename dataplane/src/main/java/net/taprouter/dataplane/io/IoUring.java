package net.taprouter.dataplane.io;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One io_uring instance made with the raw system calls (no liburing): the submission queue (SQ)
 * ring, the completion queue (CQ) ring and the SQE array are mmap'ed from the ring's fd and read
 * and written through {@link UnsafeBuffer}s.
 *
 * <p><b>One owner thread.</b> Everything but {@link #open} and {@link #close} is called by one
 * thread, the ring's single issuer (the worker): SQEs are written with plain stores and published
 * with one release store of the SQ tail at {@link #submit}; completions are read after an acquire
 * load of the CQ tail and handed back with a release store of the CQ head. The kernel is the
 * other side of both rings. A ring opened {@code disabled} (IORING_SETUP_R_DISABLED, with
 * SINGLE_ISSUER and DEFER_TASKRUN where the kernel has them) must be {@link #enable enabled} by
 * its owner thread first: the kernel then knows that thread as the only submitter, and deferred
 * completion work (a poll that fired) runs only when that thread enters the kernel with
 * GETEVENTS, never interrupting it.
 *
 * <p><b>Indices.</b> The local SQ tail and CQ head are free-running 32-bit counters masked with
 * the ring's mask (the kernel's unsigned arithmetic; they wrap after 2^32 entries). The SQ index
 * array maps ring position i to SQE i once at open (identity), so an SQE is written at the
 * position it is submitted from.
 *
 * <p>No method allocates after {@link #open}.
 */
public final class IoUring implements AutoCloseable {
    public static final byte OP_NOP = 0;
    public static final byte OP_READ_FIXED = 4;
    public static final byte OP_WRITE_FIXED = 5;
    public static final byte OP_POLL_ADD = 6;
    public static final byte OP_POLL_REMOVE = 7;
    public static final byte OP_ASYNC_CANCEL = 14;
    public static final byte OP_READ = 22;
    public static final byte OP_WRITE = 23;

    /** A read or write that would block completes with -EAGAIN instead of waiting (rw_flags). */
    public static final int RWF_NOWAIT = 0x8;
    /** POLL_ADD's len: one request reports every later readiness ({@link #CQE_F_MORE} while armed). */
    public static final int POLL_ADD_MULTI = 1;
    /** CQE flag: the request (a multishot poll) stays armed and will complete again. */
    public static final int CQE_F_MORE = 1 << 1;
    public static final int POLLIN = 0x001;
    public static final int POLLERR = 0x008;
    public static final int POLLHUP = 0x010;

    static final int SETUP_CQSIZE = 1 << 3;
    static final int SETUP_R_DISABLED = 1 << 6;
    static final int SETUP_SUBMIT_ALL = 1 << 7;
    static final int SETUP_SINGLE_ISSUER = 1 << 12;
    static final int SETUP_DEFER_TASKRUN = 1 << 13;
    static final int SETUP_SQPOLL = 1 << 1;

    static final int ENTER_GETEVENTS = 1;
    static final int ENTER_SQ_WAKEUP = 2;
    static final int ENTER_EXT_ARG = 8;

    static final int REGISTER_BUFFERS = 0;
    static final int REGISTER_ENABLE_RINGS = 12;

    static final int FEAT_SINGLE_MMAP = 1;
    static final int FEAT_EXT_ARG = 1 << 8;

    private static final long OFF_SQ_RING = 0L;
    private static final long OFF_CQ_RING = 0x8000000L;
    private static final long OFF_SQES = 0x10000000L;
    private static final int SQE_SIZE = 64;
    private static final int CQE_SIZE = 16;
    private static final int SQ_NEED_WAKEUP = 1;

    /** What a completed request said: see {@link #drain}. */
    @FunctionalInterface
    public interface Completions {
        void complete(long userData, int result, int flags);
    }

    private final int ringFd;
    private final int features;
    private final int setupFlags;
    private final long ringAddress;
    private final long ringSize;
    private final long cqRingAddress;
    private final long cqRingSize;
    private final long sqesAddress;
    private final long sqesSize;
    private final UnsafeBuffer sq = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer cq = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer sqes = new UnsafeBuffer(0, 0);
    private final int sqHead;
    private final int sqTail;
    private final int sqFlags;
    private final int sqMask;
    private final int sqEntries;
    private final int cqHead;
    private final int cqTail;
    private final int cqMask;
    private final int cqes;
    /** Local SQ tail: SQEs written so far; {@link #submit} publishes it. */
    private int tail;
    /** SQEs written and not yet consumed by the kernel. */
    private int pending;
    /** io_uring_getevents_arg + __kernel_timespec, for waits with a timeout. */
    private final Memory waitArg = new Memory(24 + 16);
    private final long waitArgAddress = Pointer.nativeValue(waitArg);
    private boolean closed;

    private IoUring(int ringFd, Memory params, int entries) {
        this.ringFd = ringFd;
        this.setupFlags = params.getInt(8);
        this.features = params.getInt(20);
        int sqEntries = params.getInt(0);
        int cqEntries = params.getInt(4);
        // struct io_sqring_offsets at 40, struct io_cqring_offsets at 80
        int sqArray = params.getInt(40 + 24);
        int cqesOffset = params.getInt(80 + 20);
        long sqSize = sqArray + 4L * sqEntries;
        long cqSize = cqesOffset + (long) CQE_SIZE * cqEntries;
        boolean single = (features & FEAT_SINGLE_MMAP) != 0;
        long mapSize = single ? Math.max(sqSize, cqSize) : sqSize;
        long sqAddress = map(mapSize, OFF_SQ_RING, ringFd);
        long cqAddress;
        long cqMapSize;
        if (single) {
            cqAddress = sqAddress;
            cqMapSize = 0;
        } else {
            try {
                cqAddress = map(cqSize, OFF_CQ_RING, ringFd);
            } catch (IllegalStateException e) {
                UringNative.munmap(sqAddress, mapSize);
                throw e;
            }
            cqMapSize = cqSize;
        }
        long sqesSize = (long) SQE_SIZE * sqEntries;
        long sqesAddr;
        try {
            sqesAddr = map(sqesSize, OFF_SQES, ringFd);
        } catch (IllegalStateException e) {
            UringNative.munmap(sqAddress, mapSize);
            if (cqMapSize > 0) {
                UringNative.munmap(cqAddress, cqMapSize);
            }
            throw e;
        }
        this.ringAddress = sqAddress;
        this.ringSize = mapSize;
        this.cqRingAddress = cqAddress;
        this.cqRingSize = cqMapSize;
        this.sqesAddress = sqesAddr;
        this.sqesSize = sqesSize;
        sq.wrap(sqAddress, (int) mapSize);
        cq.wrap(cqAddress, (int) (single ? mapSize : cqSize));
        sqes.wrap(sqesAddr, (int) sqesSize);
        this.sqHead = params.getInt(40);
        this.sqTail = params.getInt(40 + 4);
        this.sqMask = sq.getInt(params.getInt(40 + 8));
        this.sqEntries = sq.getInt(params.getInt(40 + 12));
        this.sqFlags = params.getInt(40 + 16);
        this.cqHead = params.getInt(80);
        this.cqTail = params.getInt(80 + 4);
        this.cqMask = cq.getInt(params.getInt(80 + 8));
        this.cqes = cqesOffset;
        for (int i = 0; i < this.sqEntries; i++) {
            sq.putInt(sqArray + 4 * i, i); // ring position i submits SQE i, for good
        }
        this.tail = sq.getIntAcquire(sqTail);
    }

    private static long map(long size, long offset, int fd) {
        long address = UringNative.mmap(0, size, UringNative.PROT_READ | UringNative.PROT_WRITE,
            UringNative.MAP_SHARED | UringNative.MAP_POPULATE, fd, offset);
        if (address == -1L || address == 0) {
            throw new IllegalStateException("mmap of the io_uring ring failed: errno " + com.sun.jna.Native.getLastError());
        }
        return address;
    }

    /**
     * Opens a ring of {@code entries} SQEs and {@code cqEntries} CQEs (powers of two; the kernel
     * rounds up). {@code disabled}: the ring starts disabled with SINGLE_ISSUER and DEFER_TASKRUN
     * (falling back to a plain ring if the kernel refuses them), to be {@link #enable enabled} by
     * the thread that will own it. {@code sqpoll}: a kernel thread polls the SQ (idles after
     * {@code sqIdleMillis}). Throws {@link IOException} with the errno's name if the kernel refuses
     * a ring at all (ENOSYS, EPERM: io_uring unavailable).
     */
    public static IoUring open(int entries, int cqEntries, boolean disabled, boolean sqpoll, int sqIdleMillis) throws IOException {
        int base = SETUP_CQSIZE | SETUP_SUBMIT_ALL | (sqpoll ? SETUP_SQPOLL : 0);
        int[] attempts = disabled
            ? new int[] {base | SETUP_R_DISABLED | SETUP_SINGLE_ISSUER | (sqpoll ? 0 : SETUP_DEFER_TASKRUN), base | SETUP_R_DISABLED, base}
            : new int[] {base};
        int err = 0;
        for (int flags : attempts) {
            Memory params = new Memory(120);
            params.clear();
            params.setInt(4, cqEntries);
            params.setInt(8, flags);
            params.setInt(16, sqIdleMillis);
            int fd = UringNative.setup(entries, Pointer.nativeValue(params));
            if (fd >= 0) {
                try {
                    return new IoUring(fd, params, entries);
                } catch (RuntimeException e) {
                    UringNative.close(fd);
                    throw new IOException(e.getMessage(), e);
                }
            }
            err = -fd;
            if (err != UringNative.EINVAL) {
                break; // ENOSYS, EPERM, ENOMEM: no flag combination helps
            }
        }
        throw new IOException("io_uring_setup failed: " + UringNative.errnoName(err));
    }

    /** The ring's fd. */
    public int fd() {
        return ringFd;
    }

    /** The setup flags the kernel accepted. */
    public int setupFlags() {
        return setupFlags;
    }

    /** True if the kernel takes a timeout with a wait ({@link #waitFor}); Linux 5.11+. */
    public boolean hasTimedWait() {
        return (features & FEAT_EXT_ARG) != 0;
    }

    /** SQ size. */
    public int entries() {
        return sqEntries;
    }

    /** Owner thread: enables a ring opened disabled; this thread becomes its single issuer. Returns 0 or -errno. */
    public int enable() {
        if ((setupFlags & SETUP_R_DISABLED) == 0) {
            return 0;
        }
        return UringNative.register(ringFd, REGISTER_ENABLE_RINGS, 0, 0);
    }

    /**
     * Owner thread: registers {@code [address, address + length)} as fixed buffer 0 (pinned: the
     * pages become resident), for {@link #OP_READ_FIXED}/{@link #OP_WRITE_FIXED}. Returns 0 or -errno.
     */
    public int registerBuffer(long address, long length) {
        Memory iov = new Memory(16);
        iov.setLong(0, address);
        iov.setLong(8, length);
        return UringNative.register(ringFd, REGISTER_BUFFERS, Pointer.nativeValue(iov), 1);
    }

    /** SQEs that can still be written before a {@link #submit}. */
    public int freeSqes() {
        return sqEntries - (tail - sq.getIntAcquire(sqHead));
    }

    /** SQEs written and not yet handed to the kernel. */
    public int pending() {
        return pending;
    }

    /**
     * Writes the next SQE: returns its offset in the SQE array, after the common fields are set.
     * Submits what is pending first if the SQ is full.
     */
    private int sqe(byte opcode, int fd, long address, int length, long offset, long userData) {
        if (freeSqes() == 0) {
            submit(0);
            if (freeSqes() == 0) {
                throw new IllegalStateException("io_uring submission queue full");
            }
        }
        int at = (tail & sqMask) * SQE_SIZE;
        UnsafeBuffer s = sqes;
        s.putLong(at, 0L);
        s.putByte(at, opcode);
        s.putInt(at + 4, fd);
        s.putLong(at + 8, offset);
        s.putLong(at + 16, address);
        s.putInt(at + 24, length);
        s.putInt(at + 28, 0);
        s.putLong(at + 32, userData);
        s.putLong(at + 40, 0L);
        s.putLong(at + 48, 0L);
        s.putLong(at + 56, 0L);
        tail++;
        pending++;
        return at;
    }

    /** Queues a read of {@code length} bytes at {@code address} from {@code fd} (its current position: offset -1). */
    public void prepRead(int fd, long address, int length, int rwFlags, long userData) {
        int at = sqe(OP_READ, fd, address, length, -1L, userData);
        sqes.putInt(at + 28, rwFlags);
    }

    /** Queues a write of {@code length} bytes at {@code address} to {@code fd}. */
    public void prepWrite(int fd, long address, int length, int rwFlags, long userData) {
        int at = sqe(OP_WRITE, fd, address, length, -1L, userData);
        sqes.putInt(at + 28, rwFlags);
    }

    /** Queues a read into fixed buffer {@code bufIndex} (the address lies inside it). */
    public void prepReadFixed(int fd, long address, int length, int bufIndex, int rwFlags, long userData) {
        int at = sqe(OP_READ_FIXED, fd, address, length, -1L, userData);
        sqes.putInt(at + 28, rwFlags);
        sqes.putShort(at + 40, (short) bufIndex);
    }

    /** Queues a write from fixed buffer {@code bufIndex}. */
    public void prepWriteFixed(int fd, long address, int length, int bufIndex, int rwFlags, long userData) {
        int at = sqe(OP_WRITE_FIXED, fd, address, length, -1L, userData);
        sqes.putInt(at + 28, rwFlags);
        sqes.putShort(at + 40, (short) bufIndex);
    }

    /** Queues a multishot poll of {@code fd} for {@code events} (POLLIN...). */
    public void prepPollMultishot(int fd, int events, long userData) {
        int at = sqe(OP_POLL_ADD, fd, 0, POLL_ADD_MULTI, 0, userData);
        sqes.putInt(at + 28, events); // little-endian poll32_events
    }

    /** Queues the cancellation of the request whose user data is {@code target}. */
    public void prepCancel(long target, long userData) {
        sqe(OP_ASYNC_CANCEL, -1, target, 0, 0, userData);
    }

    /** Queues a no-op (tests). */
    public void prepNop(long userData) {
        sqe(OP_NOP, -1, 0, 0, 0, userData);
    }

    /**
     * Hands the pending SQEs to the kernel and, if {@code minComplete > 0}, waits until that many
     * completions are in the CQ. One io_uring_enter. Returns the SQEs the kernel consumed, or
     * -errno (EINTR is retried; EBUSY/EAGAIN: the CQ is over-full, drain it and try again).
     */
    public int submit(int minComplete) {
        sq.putIntRelease(sqTail, tail);
        int flags = minComplete > 0 ? ENTER_GETEVENTS : 0;
        int toSubmit = pending;
        if ((setupFlags & SETUP_SQPOLL) != 0) {
            pending = 0; // the kernel thread takes them
            toSubmit = 0;
            if ((sq.getIntVolatile(sqFlags) & SQ_NEED_WAKEUP) != 0) {
                flags |= ENTER_SQ_WAKEUP;
            } else if (minComplete == 0) {
                return 0; // no system call at all
            }
        }
        while (true) {
            int r = UringNative.enter(ringFd, toSubmit, minComplete, flags, 0, 0);
            if (r >= 0) {
                pending -= Math.min(r, pending);
                return r;
            }
            if (r != -UringNative.EINTR) {
                return r;
            }
            if (minComplete == 0) {
                return r;
            }
            toSubmit = pending;
        }
    }

    /**
     * Submits what is pending and waits for at least {@code minComplete} completions or until
     * {@code timeoutNanos} passed (needs {@link #hasTimedWait}; else it waits without a limit).
     * Returns SQEs consumed, or -errno: -ETIME when the time ran out, -EINTR on a signal.
     */
    public int waitFor(int minComplete, long timeoutNanos) {
        sq.putIntRelease(sqTail, tail);
        int flags = ENTER_GETEVENTS;
        int toSubmit = (setupFlags & SETUP_SQPOLL) != 0 ? 0 : pending;
        if ((setupFlags & SETUP_SQPOLL) != 0) {
            pending = 0;
            if ((sq.getIntVolatile(sqFlags) & SQ_NEED_WAKEUP) != 0) {
                flags |= ENTER_SQ_WAKEUP;
            }
        }
        long arg = 0;
        long argSize = 0;
        if (timeoutNanos >= 0 && hasTimedWait()) {
            long ts = waitArgAddress + 24;
            waitArg.setLong(24, timeoutNanos / 1_000_000_000L);
            waitArg.setLong(32, timeoutNanos % 1_000_000_000L);
            waitArg.setLong(0, 0L);  // sigmask
            waitArg.setInt(8, 0);    // sigmask_sz
            waitArg.setInt(12, 0);   // min_wait_usec / pad
            waitArg.setLong(16, ts); // ts
            arg = waitArgAddress;
            argSize = 24;
            flags |= ENTER_EXT_ARG;
        }
        int r = UringNative.enter(ringFd, toSubmit, minComplete, flags, arg, argSize);
        if (r >= 0) {
            pending -= Math.min(r, pending);
        }
        return r;
    }

    /** Completions waiting in the CQ. */
    public int ready() {
        return cq.getIntAcquire(cqTail) - cq.getInt(cqHead);
    }

    /**
     * Hands every completion in the CQ to {@code handler}, in order, and frees their CQ entries
     * (one release store of the head). Returns how many.
     */
    public int drain(Completions handler) {
        int head = cq.getInt(cqHead); // only this thread writes it
        int end = cq.getIntAcquire(cqTail);
        int n = end - head;
        UnsafeBuffer c = cq;
        while (head != end) {
            int at = cqes + (head & cqMask) * CQE_SIZE;
            long userData = c.getLong(at);
            int result = c.getInt(at + 8);
            int flags = c.getInt(at + 12);
            head++;
            c.putIntRelease(cqHead, head); // before the handler: it may submit and wait again
            handler.complete(userData, result, flags);
        }
        return n;
    }

    /** Unmaps the rings and closes the fd: the kernel cancels what is still in flight. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        UringNative.munmap(sqesAddress, sqesSize);
        if (cqRingSize > 0) {
            UringNative.munmap(cqRingAddress, cqRingSize);
        }
        UringNative.munmap(ringAddress, ringSize);
        UringNative.close(ringFd);
    }
}
