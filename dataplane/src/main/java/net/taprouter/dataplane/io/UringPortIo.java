package net.taprouter.dataplane.io;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.port.FrameBatch;
import net.taprouter.dataplane.port.FrameIo;
import net.taprouter.dataplane.tap.TapDevice;

/**
 * The io_uring engine of one worker: one {@link IoUring} owned by the worker's thread.
 *
 * <p><b>Readiness.</b> Each watched port has one multishot POLL_ADD armed on its fd (POLLIN;
 * errors and hang-ups are always reported); its completions set the port's "readable" flag, and
 * a read that finds the device drained (-EAGAIN) clears it. Completions are handled in the order
 * the kernel posted them, so a poll that fired after a read came back empty wins. A port stays
 * ready while it is readable, as epoll's level-triggered set did. A multishot poll the kernel ends
 * (no {@code CQE_F_MORE}) is armed again at the next {@link #poll}. Control commands wake the
 * worker through an eventfd with its own multishot poll.
 *
 * <p><b>Frames.</b> {@link #read} queues one READ per batch entry (READ_FIXED when the frame pool
 * is registered as fixed buffer 0) with RWF_NOWAIT, so a read that finds no frame completes at
 * once with -EAGAIN instead of waiting; {@link #write} queues one WRITE per entry. Either submits
 * them with one io_uring_enter that also waits for their completions (a TAP completes them
 * inline): the calls stay synchronous as {@link FrameIo}'s batch calls are, so a slot is free
 * only after its write completed, and nothing is in flight on a port's fd between batches except
 * its poll (and asynchronous writes, below). Reads of a port are issued in order and complete in order (no reordering within a
 * flow). How many reads a batch asks for adapts per port: twice what the last batch got (at least
 * {@link #MIN_READS}), so a trickle of frames does not pay for 32 empty reads. Devices that are
 * no {@link TapDevice} (tests' memory devices, an absent TAP) use their own batch calls, and so
 * does a thread other than the ring's owner (the first thread that used it: the ring has one
 * issuer).
 *
 * <p><b>Asynchronous writes</b> ({@link #writeAsync}, what the worker's {@code Transmitter} uses
 * on the ring's own thread): a WRITE is queued and not submitted; it goes to the kernel with the
 * next io_uring_enter the worker makes anyway (the next read batch, the poll, the idle wait; a
 * full SQ submits itself), so a round's writes and the next round's reads cost one system call.
 * A TAP completes a write inline, in submission order, so a port's frames keep their order. Each
 * completion is handed to the caller's listener (with the result as {@link TapDevice#write(long,
 * int)} gives it) when the CQ is drained: only then may the frame's slot be reused. A poll that
 * finds ports ready does not enter for queued writes (they go with the ready port's read) unless
 * no enter happened since the last such poll; the idle wait waits for one completion more than
 * the writes queued, so they do not end it. {@link #awaitWrites} (and {@link #remove}) returns once
 * every queued write went to the kernel and completed: a device may be closed after it.
 *
 * <p><b>Waiting.</b> {@link #poll} with a timeout submits what is pending and waits in
 * io_uring_enter for one completion (or the timeout), in place of epoll_wait.
 *
 * <p><b>Registrations</b> ({@link #add}, {@link #remove}...) from other threads are queued and
 * applied by the worker at its next {@link #poll} (the worker is woken); {@link #remove} waits
 * until the worker has cancelled the port's poll, so the fd may be closed after it. Completions
 * of a removed registration are recognised by a generation number in their user data and ignored.
 */
public final class UringPortIo implements PortIo, IoUring.Completions {
    /** Fewest reads one batch asks for. */
    static final int MIN_READS = 4;
    static final int SQ_ENTRIES = 256;
    static final int CQ_ENTRIES = 1024;

    private static final long KIND_SHIFT = 56;
    private static final long KIND_IO = 1L << KIND_SHIFT;
    private static final long KIND_POLL = 2L << KIND_SHIFT;
    private static final long KIND_WAKE = 3L << KIND_SHIFT;
    private static final long KIND_CANCEL = 4L << KIND_SHIFT;
    private static final long KIND_WRITE = 5L << KIND_SHIFT;
    private static final long KIND_MASK = 0xffL << KIND_SHIFT;
    private static final int POLL_EVENTS = IoUring.POLLIN | IoUring.POLLERR | IoUring.POLLHUP;

    private final IoUring ring;
    private final FramePool pool;
    private final boolean wantFixed;
    private boolean fixed;
    private long fixedStart;
    private long fixedEnd;
    private final int wakeFd;
    private final Memory wakeValue = new Memory(8);
    private final Memory drainBuffer = new Memory(8);
    private final long wakeAddress;
    private final long drainAddress;
    private final Object lifecycle = new Object();
    private volatile boolean closed;
    private volatile Thread owner;
    private boolean wakeArmed;

    /** Registration requests from any thread, applied by the worker. */
    private record Op(int kind, int fd, int token) {
    }

    private static final int ADD = 0;
    private static final int ADD_PAUSED = 1;
    private static final int RESUME = 2;
    private static final int REMOVE = 3;
    private static final int FENCE = 4;
    private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
    private final AtomicLong opsQueued = new AtomicLong();
    private final AtomicLong opsDone = new AtomicLong();

    // registrations, by token (port index); worker thread only
    private int[] regFd = new int[0];
    private int[] regGen = new int[0];
    private boolean[] regUsed = new boolean[0];
    private boolean[] regWatched = new boolean[0];
    private boolean[] regArmed = new boolean[0];
    private boolean[] regReadable = new boolean[0];
    private int[] regLastRead = new int[0];
    /** fd -> token + 1 (0: none). */
    private int[] tokenByFd = new int[64];
    private int generation;
    private int[] ready = new int[16];

    // the batch in flight: results by entry, and which port's poll flag a -EAGAIN clears
    private int[] results = new int[64];
    private int ioDone;
    private int ioToken = -1;
    private boolean ioSawEmpty;

    // asynchronous writes (writeAsync): the device of each tag in flight, whom to tell
    private TapDevice[] writeDevice = new TapDevice[256];
    private WriteListener writeListener;
    private int writesInFlight;
    /** io_uring_enter calls made for frames or waits; a ready-port poll that made none remembers the count. */
    private long enters;
    private long entersAtPoll = -1;

    /** Opens the ring (disabled until the worker's first call). Throws if the kernel gives none. */
    public UringPortIo(FramePool pool, boolean fixedBuffers) throws IOException {
        this.pool = pool;
        this.wantFixed = fixedBuffers && pool != null;
        this.ring = IoUring.open(SQ_ENTRIES, CQ_ENTRIES, true, false, 0);
        if (!ring.hasTimedWait()) { // the worker's timers need a wait with a timeout
            ring.close();
            throw new IOException("the kernel's io_uring has no timed wait (IORING_FEAT_EXT_ARG, Linux 5.11+)");
        }
        int fd = UringNative.eventfd(0, UringNative.EFD_NONBLOCK | UringNative.EFD_CLOEXEC);
        if (fd < 0) {
            ring.close();
            throw new IOException("eventfd failed: errno " + com.sun.jna.Native.getLastError());
        }
        this.wakeFd = fd;
        wakeValue.setLong(0, 1L);
        this.wakeAddress = Pointer.nativeValue(wakeValue);
        this.drainAddress = Pointer.nativeValue(drainBuffer);
    }

    @Override
    public IoMode mode() {
        return IoMode.IO_URING;
    }

    /** True once the frame pool is registered as a fixed buffer (reads and writes of its slots are *_FIXED). */
    public boolean fixedBuffers() {
        return fixed;
    }

    /** The ring (tests). */
    IoUring ring() {
        return ring;
    }

    // ---------------------------------------------------------------- registrations (any thread)

    @Override
    public void add(int fd, int token) {
        request(new Op(ADD, fd, token), false);
    }

    @Override
    public void addPaused(int fd, int token) {
        request(new Op(ADD_PAUSED, fd, token), false);
    }

    @Override
    public void resume(int fd, int token) {
        request(new Op(RESUME, fd, token), false);
    }

    @Override
    public void remove(int fd) {
        request(new Op(REMOVE, fd, -1), true);
    }

    /**
     * The port's multishot poll is cancelled (a frame arriving would otherwise post a completion
     * and end the idle wait); its completions still on their way are ignored (a new generation).
     */
    @Override
    public boolean pauseReads(int fd, int token) {
        if (owner != Thread.currentThread() || !registered(fd, token)) {
            return false;
        }
        if (regArmed[token]) {
            ring.prepCancel(pollData(token), KIND_CANCEL | token);
            regArmed[token] = false;
        }
        regGen[token] = ++generation & 0xffffff;
        regWatched[token] = false;
        return true;
    }

    /** Armed again at the next {@link #poll}; reported at once if it was readable when paused (its read tells). */
    @Override
    public boolean resumeReads(int fd, int token) {
        if (owner != Thread.currentThread() || !registered(fd, token)) {
            return false;
        }
        regWatched[token] = true;
        return true;
    }

    private boolean registered(int fd, int token) {
        return token >= 0 && token < regUsed.length && regUsed[token] && regFd[token] == fd;
    }

    /**
     * Waits until the worker has handed every write it queued to the kernel and handled their
     * completions (as {@link #remove} waits, at most a second): once it returns no write started
     * before is pending or in flight, so a device the worker can no longer reach may be closed.
     */
    @Override
    public void awaitWrites() {
        request(new Op(FENCE, -1, -1), true);
    }

    private void request(Op op, boolean await) {
        long seq;
        synchronized (ops) {
            ops.add(op);
            seq = opsQueued.incrementAndGet();
        }
        Thread worker = owner;
        if (worker == Thread.currentThread()) {
            applyOps();
            return;
        }
        wakeup();
        if (!await || worker == null || !worker.isAlive()) {
            return;
        }
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (opsDone.get() < seq && System.nanoTime() < deadline && !closed) {
            LockSupport.parkNanos(50_000);
            if (opsDone.get() < seq) {
                wakeup();
            }
        }
    }

    @Override
    public void wakeup() {
        synchronized (lifecycle) {
            if (!closed) {
                UringNative.write(wakeFd, wakeAddress, 8); // EAGAIN only if the counter would overflow: awake anyway
            }
        }
    }

    // ---------------------------------------------------------------- worker thread

    /**
     * True if the calling thread owns the ring (making it the owner if nobody does yet). Another
     * thread (a second worker sharing this engine) uses the devices' own calls: the ring has one
     * issuer.
     */
    private boolean ownedHere() {
        Thread o = owner;
        if (o == null) {
            ensureOwner();
            return true;
        }
        return o == Thread.currentThread();
    }

    /** The first call on the worker's thread: the ring becomes this thread's, the pool registered, the wake-up armed. */
    private void ensureOwner() {
        if (owner != null) {
            return;
        }
        int r = ring.enable();
        if (r < 0) {
            throw new IllegalStateException("io_uring: cannot enable the ring: " + UringNative.errnoName(-r));
        }
        owner = Thread.currentThread();
        if (wantFixed) {
            long start = pool.buffer().addressOffset();
            long length = pool.buffer().capacity();
            int err = ring.registerBuffer(start, length);
            if (err == 0) {
                fixed = true;
                fixedStart = start;
                fixedEnd = start + length;
            } else {
                System.err.println("routerd: io_uring: frame pool not registered (" + UringNative.errnoName(-err)
                    + "); plain reads and writes");
            }
        }
        applyOps();
    }

    private void applyOps() {
        boolean fence = false;
        long done = opsDone.get();
        Op op;
        while ((op = ops.poll()) != null) {
            switch (op.kind) {
                case ADD, ADD_PAUSED -> register(op.fd, op.token, op.kind == ADD);
                case RESUME -> {
                    if (op.token >= 0 && op.token < regUsed.length && regUsed[op.token] && regFd[op.token] == op.fd) {
                        regWatched[op.token] = true;
                    }
                }
                case FENCE -> fence = true;
                default -> {
                    unregister(op.fd);
                    fence = true;
                }
            }
            done++;
        }
        if (fence) {
            // the cancellations and every queued write reach the kernel now, and the writes
            // complete, before the fd can be closed (a write queued for a closed fd number could
            // hit whatever file gets that number next)
            completeWrites();
        }
        opsDone.set(done);
    }

    private void register(int fd, int token, boolean watched) {
        if (token < 0 || fd < 0) {
            return;
        }
        if (token >= regUsed.length) {
            int n = Math.max(token + 1, regUsed.length * 2);
            regFd = Arrays.copyOf(regFd, n);
            regGen = Arrays.copyOf(regGen, n);
            regUsed = Arrays.copyOf(regUsed, n);
            regWatched = Arrays.copyOf(regWatched, n);
            regArmed = Arrays.copyOf(regArmed, n);
            regReadable = Arrays.copyOf(regReadable, n);
            regLastRead = Arrays.copyOf(regLastRead, n);
            ready = Arrays.copyOf(ready, n);
        }
        if (regUsed[token]) {
            unregister(regFd[token]);
        }
        if (fd >= tokenByFd.length) {
            tokenByFd = Arrays.copyOf(tokenByFd, Math.max(fd + 1, tokenByFd.length * 2));
        }
        tokenByFd[fd] = token + 1;
        regUsed[token] = true;
        regFd[token] = fd;
        regGen[token] = ++generation & 0xffffff;
        regWatched[token] = watched;
        regArmed[token] = false;
        regReadable[token] = false;
        regLastRead[token] = MIN_READS;
    }

    /** Forgets {@code fd}'s registration; true if a cancellation of its poll was queued. */
    private boolean unregister(int fd) {
        if (fd < 0 || fd >= tokenByFd.length || tokenByFd[fd] == 0) {
            return false;
        }
        int token = tokenByFd[fd] - 1;
        tokenByFd[fd] = 0;
        if (!regUsed[token] || regFd[token] != fd) {
            return false;
        }
        boolean armed = regArmed[token];
        if (armed) {
            ring.prepCancel(pollData(token), KIND_CANCEL | token);
        }
        regUsed[token] = false;
        regWatched[token] = false;
        regArmed[token] = false;
        regReadable[token] = false;
        regFd[token] = -1;
        return armed;
    }

    private long pollData(int token) {
        return KIND_POLL | (long) regGen[token] << 32 | token;
    }

    @Override
    public int poll(int timeoutMillis) {
        ensureOwner();
        if (!ops.isEmpty()) {
            applyOps();
        }
        boolean armed = arm();
        ring.drain(this);
        int n = collectReady();
        if (n > 0) {
            // (re-)armed polls: submitted, and their first completions run now (with DEFER_TASKRUN
            // the kernel posts them only when we ask for events). Queued writes wait for the read
            // of a ready port (one system call for both), unless no call was made since the last
            // poll that found ports ready (their reads did not happen): then they go now.
            if (armed || (ring.pending() > 0 && entersAtPoll == enters)) {
                enters++;
                ring.waitFor(0, 0);
                ring.drain(this);
                n = collectReady();
            }
            entersAtPoll = enters;
            return n;
        }
        enters++;
        if (timeoutMillis == 0) {
            ring.waitFor(0, 0); // hands over the (re-)armed polls and queued writes, runs the kernel's deferred poll work
        } else {
            // queued writes go with the wait; their completions do not end it
            int r = ring.waitFor(1 + writesInFlight, timeoutMillis < 0 ? -1 : timeoutMillis * 1_000_000L);
            if (r < 0 && r != -UringNative.ETIME && r != -UringNative.EINTR && r != -UringNative.EBUSY
                && r != -UringNative.EAGAIN) {
                throw new IllegalStateException("io_uring_enter failed: " + UringNative.errnoName(-r));
            }
        }
        ring.drain(this);
        if (!ops.isEmpty()) {
            applyOps();
        }
        return collectReady();
    }

    /** Arms the polls that are not; true if it armed any. */
    private boolean arm() {
        boolean armed = false;
        if (!wakeArmed) {
            ring.prepPollMultishot(wakeFd, IoUring.POLLIN, KIND_WAKE);
            wakeArmed = true;
            armed = true;
        }
        boolean[] used = regUsed;
        for (int t = 0; t < used.length; t++) {
            if (used[t] && regWatched[t] && !regArmed[t]) {
                ring.prepPollMultishot(regFd[t], POLL_EVENTS, pollData(t));
                regArmed[t] = true;
                armed = true;
            }
        }
        return armed;
    }

    private int collectReady() {
        int n = 0;
        boolean[] readable = regReadable;
        for (int t = 0; t < readable.length; t++) {
            if (readable[t] && regWatched[t]) {
                ready[n++] = t;
            }
        }
        return n;
    }

    @Override
    public int readyToken(int i) {
        return ready[i];
    }

    @Override
    public void complete(long userData, int result, int flags) {
        long kind = userData & KIND_MASK;
        if (kind == KIND_WRITE) {
            int tag = (int) userData;
            TapDevice tap = writeDevice[tag];
            writeDevice[tag] = null;
            writesInFlight--;
            writeListener.written(tag, tap.writeResult(result));
        } else if (kind == KIND_IO) {
            int i = (int) userData;
            results[i] = result;
            ioDone++;
            if (result == -UringNative.EAGAIN && ioToken >= 0) {
                ioSawEmpty = true;
                regReadable[ioToken] = false; // drained; a poll completion posted after this one sets it again
            }
        } else if (kind == KIND_POLL) {
            int token = (int) userData;
            int gen = (int) (userData >>> 32) & 0xffffff;
            if (token >= regUsed.length || !regUsed[token] || regGen[token] != gen) {
                return; // a removed registration's last words
            }
            if ((flags & IoUring.CQE_F_MORE) == 0) {
                regArmed[token] = false; // ended (overflow, error): armed again at the next poll
            }
            if (result != -UringNative.ECANCELED) {
                regReadable[token] = true; // frames, or an error its read will tell
            }
        } else if (kind == KIND_WAKE) {
            if ((flags & IoUring.CQE_F_MORE) == 0) {
                wakeArmed = false;
            }
            UringNative.read(wakeFd, drainAddress, 8); // resets the counter
        }
    }

    @Override
    public int read(FrameIo device, FrameBatch batch) {
        int fd = device.fd();
        if (!(device instanceof TapDevice tap) || fd < 0 || closed || !ownedHere()) {
            return device.read(batch);
        }
        if (!tap.isOpen()) {
            return device.read(batch); // EBADF: GONE, as the device says
        }
        int count = batch.count();
        int token = fd < tokenByFd.length ? tokenByFd[fd] - 1 : -1;
        int want = count;
        if (token >= 0) {
            want = Math.min(count, Math.max(MIN_READS, 2 * regLastRead[token]));
        }
        int headroom = device.headroom();
        ensureResults(want);
        for (int i = 0; i < want; i++) {
            long address = batch.address(i) - headroom;
            int length = batch.length(i) + headroom;
            if (fixed && address >= fixedStart && address + length <= fixedEnd) {
                ring.prepReadFixed(fd, address, length, 0, IoUring.RWF_NOWAIT, KIND_IO | i);
            } else {
                ring.prepRead(fd, address, length, IoUring.RWF_NOWAIT, KIND_IO | i);
            }
        }
        run(want, token);
        int n = 0;
        int status = 0;
        for (int i = 0; i < want; i++) {
            int result = tap.readResult(results[i]);
            batch.result(i, result);
            if (result > 0) {
                if (i != n) {
                    batch.swap(i, n); // the frames keep their order
                }
                n++;
            } else if (status == 0 || status == FrameIo.WOULD_BLOCK) {
                status = result;
            }
        }
        if (token >= 0) {
            regLastRead[token] = n;
        }
        batch.status(status);
        return n;
    }

    @Override
    public int write(FrameIo device, FrameBatch batch) {
        int fd = device.fd();
        if (!(device instanceof TapDevice tap) || fd < 0 || closed || !ownedHere()) {
            return device.write(batch);
        }
        if (!tap.isOpen()) {
            return device.write(batch);
        }
        int count = batch.count();
        int headroom = device.headroom();
        ensureResults(count);
        for (int i = 0; i < count; i++) {
            long address = batch.address(i) - headroom;
            int length = batch.length(i) + headroom;
            if (fixed && address >= fixedStart && address + length <= fixedEnd) {
                ring.prepWriteFixed(fd, address, length, 0, 0, KIND_IO | i);
            } else {
                ring.prepWrite(fd, address, length, 0, KIND_IO | i);
            }
        }
        run(count, -1);
        int sent = 0;
        int status = 0;
        for (int i = 0; i < count; i++) {
            int result = tap.writeResult(results[i]);
            batch.result(i, result);
            if (result >= 0) {
                sent++;
            } else {
                status = result;
            }
        }
        batch.status(status);
        return sent;
    }

    @Override
    public boolean writesAsync(FrameIo device) {
        return device instanceof TapDevice tap && tap.fd() >= 0 && tap.isOpen() && !closed && ownedHere();
    }

    /**
     * Queues a WRITE (WRITE_FIXED for a slot of the registered pool) without submitting it: it
     * goes to the kernel with the next io_uring_enter (a read batch, the poll, the idle wait, or
     * {@link #pushWrites}), and its completion calls {@code listener} when drained. A full SQ is
     * submitted first (no wait); false only if it stays full.
     */
    @Override
    public boolean writeAsync(FrameIo device, long address, int length, int tag, WriteListener listener) {
        TapDevice tap = (TapDevice) device;
        if (tag < 0) {
            throw new IllegalArgumentException("tag " + tag);
        }
        if (ring.freeSqes() == 0) {
            pushWrites();
            if (ring.freeSqes() == 0) {
                return false;
            }
        }
        if (tag >= writeDevice.length) {
            writeDevice = Arrays.copyOf(writeDevice, Math.max(tag + 1, writeDevice.length * 2));
        }
        int headroom = tap.headroom();
        long at = address - headroom;
        int bytes = length + headroom;
        writeDevice[tag] = tap;
        writeListener = listener;
        if (fixed && at >= fixedStart && at + bytes <= fixedEnd) {
            ring.prepWriteFixed(tap.fd(), at, bytes, 0, 0, KIND_WRITE | tag);
        } else {
            ring.prepWrite(tap.fd(), at, bytes, 0, KIND_WRITE | tag);
        }
        writesInFlight++;
        return true;
    }

    @Override
    public void pushWrites() {
        if (closed || owner != Thread.currentThread()) {
            return;
        }
        if (ring.pending() > 0 || (writesInFlight > 0 && ring.ready() == 0)) {
            enters++;
            ring.waitFor(0, -1); // submits; GETEVENTS runs deferred completions (none wait)
        }
        ring.drain(this);
    }

    @Override
    public void completeWrites() {
        if (closed || owner != Thread.currentThread() || (ring.pending() == 0 && writesInFlight == 0)) {
            return;
        }
        pushWrites();
        long deadline = 0;
        while (writesInFlight > 0) { // a TAP completes its writes inline: not reached in practice
            long now = System.nanoTime();
            if (deadline == 0) {
                deadline = now + 1_000_000_000L;
            } else if (now - deadline > 0) {
                break;
            }
            enters++;
            ring.waitFor(1, 1_000_000L);
            ring.drain(this);
        }
    }

    @Override
    public int writesInFlight() {
        return writesInFlight;
    }

    private void ensureResults(int n) {
        if (n > results.length) {
            results = new int[Math.max(n, results.length * 2)];
        }
        if (n > ring.entries()) {
            throw new IllegalArgumentException("batch of " + n + " frames exceeds the ring's " + ring.entries());
        }
    }

    /** Submits the queued batch of {@code n} requests and handles completions until all n came back. */
    private void run(int n, int token) {
        ioDone = 0;
        ioToken = token;
        enters++;
        ioSawEmpty = false;
        int spins = 0;
        try {
            while (ioDone < n) {
                int r = ring.submit(n - ioDone);
                ring.drain(this);
                if (r < 0 && r != -UringNative.EINTR && r != -UringNative.EBUSY && r != -UringNative.EAGAIN) {
                    throw new IllegalStateException("io_uring_enter failed: " + UringNative.errnoName(-r));
                }
                if (r < 0 && ++spins > 1_000_000) {
                    throw new IllegalStateException("io_uring_enter keeps failing: " + UringNative.errnoName(-r));
                }
            }
        } finally {
            ioToken = -1;
        }
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            UringNative.close(wakeFd);
        }
        ring.close(); // the kernel cancels the polls still armed
    }
}
