package net.taprouter.dataplane.tap;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A level-triggered epoll set plus an internal eventfd for cross-thread wake-ups. Meant to be polled by one thread
 * (the owner of the ready list); {@link #add}, {@link #remove} and {@link #wakeup} may be called from any thread.
 *
 * <p>Registrations ask for EPOLLIN; the kernel always reports EPOLLERR/EPOLLHUP as well. Level-triggered: a TAP whose
 * device is gone reports EPOLLERR on every {@link #poll} until its fd is removed or closed.
 *
 * <p>{@link #poll}, {@link #readyToken} and {@link #readyEvents} allocate nothing. Failures of the underlying system
 * calls (not expected in normal use) are thrown as {@link UncheckedIOException}.
 */
public final class Poller implements AutoCloseable {
    public static final int EPOLLIN = LibC.EPOLLIN;
    public static final int EPOLLOUT = LibC.EPOLLOUT;
    public static final int EPOLLERR = LibC.EPOLLERR;
    public static final int EPOLLHUP = LibC.EPOLLHUP;

    /** Marks user registrations in the epoll data word; the wake-up eventfd has data 0. */
    private static final long USER_TAG = 1L << 32;

    private final int maxEvents;
    private final int epfd;
    private final int wakeFd;
    private final Memory events;
    private final ByteBuffer eventView;
    private final Memory drainBuf = new Memory(8);
    private final Memory wakeValue = new Memory(8);
    /** The polling thread's own epoll_ctl argument ({@link #pauseReads}, {@link #resumeReads}). */
    private final Memory ownEvent = new Memory(LibC.EPOLL_EVENT_SIZE);
    private final long drainAddr;
    private final long wakeAddr;
    private final int[] readyTokens;
    private final int[] readyEvents;
    private final Object lifecycle = new Object();
    private volatile boolean closed;

    /** @param maxEvents the most ready entries one {@link #poll} reports (at least 1) */
    public Poller(int maxEvents) {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents must be at least 1: " + maxEvents);
        }
        this.maxEvents = maxEvents;
        int ep = -1;
        int ev = -1;
        try {
            ep = LibC.epoll_create1(LibC.EPOLL_CLOEXEC);
            ev = LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
            ctl(ep, LibC.EPOLL_CTL_ADD, ev, LibC.EPOLLIN, 0L);
        } catch (LastErrorException e) {
            LibC.closeQuietly(ev);
            LibC.closeQuietly(ep);
            throw new UncheckedIOException(new IOException("cannot create epoll set: "
                    + LibC.describe(e.getErrorCode())));
        }
        this.epfd = ep;
        this.wakeFd = ev;
        int slots = maxEvents + 1; // room for the wake-up entry on top of maxEvents user entries
        this.events = new Memory((long) slots * LibC.EPOLL_EVENT_SIZE);
        this.events.clear();
        this.eventView = events.getByteBuffer(0, events.size()).order(ByteOrder.nativeOrder());
        this.drainAddr = Pointer.nativeValue(drainBuf);
        this.wakeValue.setLong(0, 1L);
        this.wakeAddr = Pointer.nativeValue(wakeValue);
        this.readyTokens = new int[slots];
        this.readyEvents = new int[slots];
    }

    private static void ctl(int ep, int op, int fd, int eventMask, long data) {
        Memory ev = new Memory(LibC.EPOLL_EVENT_SIZE);
        ev.clear();
        ev.setInt(0, eventMask);
        ev.setLong(LibC.EPOLL_DATA_OFFSET, data);
        LibC.epoll_ctl(ep, op, fd, ev);
    }

    /** Watches {@code fd} for EPOLLIN (errors and hang-ups are always reported); {@code token} identifies it. */
    public void add(int fd, int token) {
        try {
            ctl(epfd, LibC.EPOLL_CTL_ADD, fd, LibC.EPOLLIN, USER_TAG | (token & 0xffffffffL));
        } catch (LastErrorException e) {
            String why = e.getErrorCode() == LibC.EEXIST ? "already registered" : LibC.describe(e.getErrorCode());
            throw new UncheckedIOException(new IOException("cannot add fd " + fd + " to poller: " + why));
        }
    }

    /**
     * Registers {@code fd} without EPOLLIN: its frames wait in the device's queue until
     * {@link #resume}; only errors and hang-ups are reported meanwhile.
     */
    public void addPaused(int fd, int token) {
        try {
            ctl(epfd, LibC.EPOLL_CTL_ADD, fd, 0, USER_TAG | (token & 0xffffffffL));
        } catch (LastErrorException e) {
            String why = e.getErrorCode() == LibC.EEXIST ? "already registered" : LibC.describe(e.getErrorCode());
            throw new UncheckedIOException(new IOException("cannot add fd " + fd + " to poller: " + why));
        }
    }

    /** Starts watching a {@link #addPaused paused} {@code fd} for EPOLLIN. */
    public void resume(int fd, int token) {
        try {
            ctl(epfd, LibC.EPOLL_CTL_MOD, fd, LibC.EPOLLIN, USER_TAG | (token & 0xffffffffL));
        } catch (LastErrorException e) {
            throw new UncheckedIOException(new IOException("cannot watch fd " + fd + ": " + LibC.describe(e.getErrorCode())));
        }
    }

    /**
     * Polling thread only: stops reporting {@code fd} readable until {@link #resumeReads} (errors
     * and hang-ups are still reported); its frames wait in the device's queue meanwhile. Returns
     * false if {@code fd} is not registered (any more: removed by another thread) or closed.
     * Allocates nothing (the polling thread's own event buffer).
     */
    public boolean pauseReads(int fd, int token) {
        return modifyOwn(fd, 0, token);
    }

    /** Polling thread only: watches a {@link #pauseReads paused} {@code fd} for EPOLLIN again; false as there. */
    public boolean resumeReads(int fd, int token) {
        return modifyOwn(fd, LibC.EPOLLIN, token);
    }

    private boolean modifyOwn(int fd, int eventMask, int token) {
        ownEvent.setInt(0, eventMask);
        ownEvent.setLong(LibC.EPOLL_DATA_OFFSET, USER_TAG | (token & 0xffffffffL));
        try {
            LibC.epoll_ctl(epfd, LibC.EPOLL_CTL_MOD, fd, ownEvent);
            return true;
        } catch (LastErrorException e) {
            int err = e.getErrorCode();
            if (err == LibC.ENOENT || err == LibC.EBADF) {
                return false;
            }
            throw new UncheckedIOException(new IOException("cannot change fd " + fd + " in poller: " + LibC.describe(err)));
        }
    }

    /** Stops watching {@code fd}; ENOENT (not registered) and EBADF (already closed) are ignored. */
    public void remove(int fd) {
        try {
            Memory ev = new Memory(LibC.EPOLL_EVENT_SIZE); // pre-2.6.9 kernels want non-null
            ev.clear();
            LibC.epoll_ctl(epfd, LibC.EPOLL_CTL_DEL, fd, ev);
        } catch (LastErrorException e) {
            int err = e.getErrorCode();
            if (err != LibC.ENOENT && err != LibC.EBADF) {
                throw new UncheckedIOException(new IOException("cannot remove fd " + fd + " from poller: "
                        + LibC.describe(err)));
            }
        }
    }

    /**
     * Waits for readiness.
     *
     * @param timeoutMillis 0: do not block; -1: block until something is ready or {@link #wakeup()} is called
     * @return the number of ready entries, readable with {@link #readyToken}/{@link #readyEvents} for
     *         {@code i < n}; 0 on timeout, on a wake-up, or if interrupted by a signal
     */
    public int poll(int timeoutMillis) {
        int n = LibC.epoll_wait(epfd, Pointer.nativeValue(events), maxEvents + 1, timeoutMillis);
        if (n < 0) {
            int err = Native.getLastError();
            if (err == LibC.EINTR) {
                return 0;
            }
            throw new UncheckedIOException(new IOException("epoll_wait failed: " + LibC.describe(err)));
        }
        int out = 0;
        ByteBuffer view = eventView;
        for (int i = 0; i < n; i++) {
            int base = i * LibC.EPOLL_EVENT_SIZE;
            int ev = view.getInt(base);
            long data = view.getLong(base + LibC.EPOLL_DATA_OFFSET);
            if ((data & USER_TAG) == 0) {
                LibC.read(wakeFd, drainAddr, 8); // resets the counter; EAGAIN if a racing poll drained it
                continue;
            }
            if (out < maxEvents) { // an entry beyond maxEvents stays ready (level-triggered) for the next poll
                readyTokens[out] = (int) data;
                readyEvents[out] = ev;
                out++;
            }
        }
        return out;
    }

    /** Token of ready entry {@code i} (from the last {@link #poll}). */
    public int readyToken(int i) {
        return readyTokens[i];
    }

    /** Raw epoll bits of ready entry {@code i}: EPOLLIN=1, EPOLLERR=8, EPOLLHUP=0x10. */
    public int readyEvents(int i) {
        return readyEvents[i];
    }

    /** Makes a blocked (or the next) {@link #poll} return soon. Thread-safe; a no-op after {@link #close()}. */
    public void wakeup() {
        synchronized (lifecycle) {
            if (!closed) {
                LibC.write(wakeFd, wakeAddr, 8); // EAGAIN only if the counter would overflow: already awake
            }
        }
    }

    /** Closes the epoll set and the eventfd (idempotent). Registered fds are not closed. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            LibC.closeQuietly(wakeFd);
            LibC.closeQuietly(epfd);
        }
    }
}
