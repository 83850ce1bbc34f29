package net.taprouter.dataplane.port;

/**
 * Who moves a worker's batches of frames through its ports' devices: {@link #DIRECT}, the device
 * itself ({@link FrameIo#read(FrameBatch)}, {@link FrameIo#write(FrameBatch)}: for a TAP one
 * system call per frame), or the worker's io_uring ({@code io.UringPortIo}: one system call per
 * batch). Same contract as those two methods (synchronous: when a call returns, the device is
 * done with every entry's memory). Called by the worker's thread only.
 */
public interface BatchIo {
    /** See {@link FrameIo#read(FrameBatch)}. */
    int read(FrameIo device, FrameBatch batch);

    /** See {@link FrameIo#write(FrameBatch)}. */
    int write(FrameIo device, FrameBatch batch);

    /**
     * True if the calling thread may write {@code device}'s frames asynchronously
     * ({@link #writeAsync}); false (the default): only {@link #write}.
     */
    default boolean writesAsync(FrameIo device) {
        return false;
    }

    /**
     * Starts writing one frame, {@code [address, address+length)} (the device's header in front
     * of it, as for {@link FrameIo#write(long, int)}), without waiting for it: the write is queued
     * and handed to the kernel with the engine's next system call (or {@link #pushWrites}); its
     * result (as {@link FrameIo#write(long, int)}'s) arrives later through {@code listener}'s
     * {@link WriteListener#written} with {@code tag}, on this thread, in the order the writes of
     * one device were started. The frame's memory stays in use until then. Returns false if no
     * write could be queued (nothing started, no call will come).
     */
    default boolean writeAsync(FrameIo device, long address, int length, int tag, WriteListener listener) {
        throw new UnsupportedOperationException("no asynchronous writes");
    }

    /** Hands the queued asynchronous writes to the kernel and reports the results already there, without waiting. */
    default void pushWrites() {
    }

    /**
     * Hands the queued asynchronous writes to the kernel and waits until every one started has
     * reported its result (bounded: at most a second).
     */
    default void completeWrites() {
    }

    /** Asynchronous writes in flight (started, result not reported yet). */
    default int writesInFlight() {
        return 0;
    }

    /** Where the results of {@link #writeAsync} go. */
    interface WriteListener {
        /** The write started with {@code tag} is done: {@code result} as {@link FrameIo#write(long, int)} returns. */
        void written(int tag, int result);
    }

    /** Each device's own batch calls. */
    BatchIo DIRECT = new BatchIo() {
        @Override
        public int read(FrameIo device, FrameBatch batch) {
            return device.read(batch);
        }

        @Override
        public int write(FrameIo device, FrameBatch batch) {
            return device.write(batch);
        }
    };
}
