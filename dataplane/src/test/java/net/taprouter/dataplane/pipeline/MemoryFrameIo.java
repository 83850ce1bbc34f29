package net.taprouter.dataplane.pipeline;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.port.FrameIo;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An in-memory port device for the stage graph tests: nothing to read, and every frame written
 * is kept as a {@code byte[]} copy, in order. No file descriptor. A test can make every write
 * answer a status with an errno ({@link #answer}), as a TAP would, or throw ({@link #failWith}).
 */
final class MemoryFrameIo implements FrameIo {
    private final String ifname;
    private final List<byte[]> written = new ArrayList<>();
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private boolean closed;
    private RuntimeException failure;
    private int status;
    private int errno;
    private int lastErrno;
    private int writeCalls;
    private int batchCalls;
    private int headroom;
    private final List<Long> addresses = new ArrayList<>();
    private boolean keep = true;
    private final List<byte[]> headers = new ArrayList<>();
    private Runnable onWrite = () -> { };

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
    public int headroom() {
        return headroom;
    }

    /** The room this device says it needs in front of each frame (a virtio-net header's). */
    void headroom(int bytes) {
        this.headroom = bytes;
    }

    /** False: frames written are accepted and forgotten (no copy: allocation tests). */
    void keep(boolean keepFrames) {
        this.keep = keepFrames;
    }

    /** Native addresses of the frames written so far, oldest first. */
    List<Long> addresses() {
        return addresses;
    }

    @Override
    public int read(long address, int capacity) {
        return closed ? GONE : WOULD_BLOCK;
    }

    /** Runs at every frame written (before it is taken). */
    void onWrite(Runnable action) {
        this.onWrite = action;
    }

    @Override
    public int write(long address, int length) {
        writeCalls++;
        onWrite.run();
        if (closed) {
            lastErrno = 9; // EBADF
            return GONE;
        }
        if (failure != null) {
            throw failure;
        }
        if (status < 0) {
            lastErrno = errno;
            return status;
        }
        if (!keep) {
            return length;
        }
        addresses.add(address);
        byte[] copy = new byte[length];
        view.wrap(address, length);
        view.getBytes(0, copy);
        written.add(copy);
        byte[] header = new byte[headroom];
        if (headroom > 0) {
            view.wrap(address - headroom, headroom);
            view.getBytes(0, header);
        }
        headers.add(header);
        return length;
    }

    @Override
    public int write(net.taprouter.dataplane.port.FrameBatch batch) {
        batchCalls++;
        return FrameIo.super.write(batch);
    }

    @Override
    public int lastErrno() {
        return lastErrno;
    }

    @Override
    public String lastFailure() {
        return ifname + ": errno " + lastErrno;
    }

    /** Every write throws {@code e} (a stand-in for a bug in a stage); null: writes work again. */
    void failWith(RuntimeException e) {
        this.failure = e;
    }

    /** While true, every write answers {@link FrameIo#WOULD_BLOCK}, as a TAP whose queue is full (EAGAIN). */
    void full(boolean queueFull) {
        answer(queueFull ? FrameIo.WOULD_BLOCK : 0, queueFull ? 11 : 0);
    }

    /** Every write answers {@code status} (a FrameIo status) with {@code errno}; status 0: writes work again. */
    void answer(int status, int errno) {
        this.status = status;
        this.errno = errno;
    }

    /** Calls of {@link #write(long, int)} so far. */
    int writeCalls() {
        return writeCalls;
    }

    /** Calls of the batched {@code write(FrameBatch)} so far. */
    int batchCalls() {
        return batchCalls;
    }

    /** Frames written since the last {@link #take()}, oldest first; clears the list (and the headers'). */
    List<byte[]> take() {
        List<byte[]> frames = new ArrayList<>(written);
        written.clear();
        headers.clear();
        return frames;
    }

    /**
     * The device headers ({@link #headroom} bytes in front of each frame, as the device would have
     * sent them) of the frames not yet taken, oldest first; call before {@link #take()}.
     */
    List<byte[]> headers() {
        return new ArrayList<>(headers);
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
