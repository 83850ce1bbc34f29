package net.taprouter.dataplane.pipeline;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.port.FrameIo;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An in-memory port device for the stage graph tests: nothing to read, and every frame written
 * is kept as a {@code byte[]} copy, in order. No file descriptor.
 */
final class MemoryFrameIo implements FrameIo {
    private final String ifname;
    private final List<byte[]> written = new ArrayList<>();
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private boolean closed;
    private RuntimeException failure;
    private boolean full;

    MemoryFrameIo(String ifname) {
        this.ifname = ifname;
    }

    @Override
    public int fd() {
        return -1;
    }

    @Override
    public String ifname() {
        return ifname;
    }

    @Override
    public int read(long address, int capacity) {
        return 0;
    }

    @Override
    public int write(long address, int length) throws IOException {
        if (closed) {
            throw new IOException(ifname + " closed");
        }
        if (failure != null) {
            throw failure;
        }
        if (full) {
            return 0; // as a TAP whose queue is full (EAGAIN)
        }
        byte[] copy = new byte[length];
        view.wrap(address, length);
        view.getBytes(0, copy);
        written.add(copy);
        return length;
    }

    /** Every write throws {@code e} (a stand-in for a bug in a stage); null: writes work again. */
    void failWith(RuntimeException e) {
        this.failure = e;
    }

    /** While true, every write writes nothing and returns 0, as a TAP whose queue is full. */
    void full(boolean queueFull) {
        this.full = queueFull;
    }

    /** Frames written since the last {@link #take()}, oldest first; clears the list. */
    List<byte[]> take() {
        List<byte[]> frames = new ArrayList<>(written);
        written.clear();
        return frames;
    }

    /** Number of frames written and not yet taken. */
    int pending() {
        return written.size();
    }

    @Override
    public void close() {
        closed = true;
    }
}
