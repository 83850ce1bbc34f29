package net.taprouter.dataplane.io;

import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.port.BatchIo;

/**
 * A worker's frame I/O engine: which ports have frames (readiness), how the worker sleeps when
 * idle, and how it reads and writes batches of frames ({@link BatchIo}). {@link EpollPortIo}
 * (epoll + one system call per frame) or {@link UringPortIo} (io_uring: one system call per batch).
 *
 * <p>{@link #add}, {@link #addPaused}, {@link #resume}, {@link #remove} and {@link #wakeup} may be
 * called from any thread (the control thread adds and removes ports); {@link #poll},
 * {@link #readyToken}, {@link #pauseReads}, {@link #resumeReads} and the batch calls only by the
 * worker's thread. Registrations report a
 * port whose device has frames or failed (its read then tells which); a token is the port index.
 */
public interface PortIo extends BatchIo, AutoCloseable {
    /** Watches {@code fd} (readable or failed) under {@code token}. */
    void add(int fd, int token);

    /** Registers {@code fd} without watching it yet: its frames wait in the device until {@link #resume}. */
    void addPaused(int fd, int token);

    /** Starts watching a {@link #addPaused paused} {@code fd}. */
    void resume(int fd, int token);

    /**
     * Worker thread only: stops reporting {@code fd} (registered under {@code token}) as having
     * frames until {@link #resumeReads}: its frames wait in the device's queue and do not end the
     * worker's idle wait. {@code token} must be the one {@code fd} was registered under. Returns
     * false (and changes nothing) if {@code fd} is not registered (any more) or the calling thread
     * cannot change it. Allocates nothing. With epoll a paused fd's errors and hang-ups are still
     * reported (the caller reads it to learn what); with io_uring nothing is until it is resumed
     * (a gone device is then found by its next read or write), and the first wait after a pause
     * may end early (the cancellation's completions).
     */
    boolean pauseReads(int fd, int token);

    /** Worker thread only: watches a {@link #pauseReads paused} {@code fd} again; false as there. */
    boolean resumeReads(int fd, int token);

    /**
     * Stops watching {@code fd}; an unknown fd is ignored. Once it returns nothing of the worker's
     * is left in flight on {@code fd} (it may be closed), unless the worker did not answer within a
     * second (then its cancellation follows on the worker's next round).
     */
    void remove(int fd);

    /**
     * Any thread: returns once every asynchronous write the worker started
     * ({@link BatchIo#writeAsync}) went to the kernel and completed (or after a second if the
     * worker does not answer), so a device the worker can no longer reach may be closed. Default:
     * nothing to wait for (writes are synchronous).
     */
    default void awaitWrites() {
    }

    /** Makes a blocked (or the next) {@link #poll} return soon. Thread-safe; a no-op after {@link #close()}. */
    void wakeup();

    /**
     * Worker: the ports that have frames (or failed), waiting up to {@code timeoutMillis} (0: do
     * not wait) if none has. Returns n; {@link #readyToken}{@code (i)} for {@code i < n}.
     */
    int poll(int timeoutMillis);

    /** Token of ready entry {@code i} of the last {@link #poll}. */
    int readyToken(int i);

    /** {@code epoll} or {@code io_uring}: what this engine is (for the start-up line and {@code stats}). */
    IoMode mode();

    @Override
    void close();

    /**
     * The engine for {@code mode}: io_uring if asked and the kernel gives a ring, else epoll (with
     * one line on stderr saying why, when io_uring was asked for). {@code pool}: the frame pool the
     * worker reads into (io_uring registers it as a fixed buffer when {@code fixedBuffers}).
     */
    static PortIo open(IoMode mode, FramePool pool, boolean fixedBuffers) {
        if (mode == IoMode.IO_URING) {
            try {
                return new UringPortIo(pool, fixedBuffers);
            } catch (java.io.IOException e) {
                System.err.println("routerd: io_uring unavailable (" + e.getMessage() + "); using epoll");
            }
        }
        return new EpollPortIo(new net.taprouter.dataplane.tap.Poller(64));
    }
}
