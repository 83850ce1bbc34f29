package net.taprouter.bench;

import net.taprouter.dataplane.port.FrameIo;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An in-memory {@link FrameIo} for benchmarks: never has anything to read, accepts every write
 * (returns its length) and counts frames and bytes. When {@link #capture} is set it also copies
 * the last frame written into {@link #lastFrame}, so a benchmark can check what actually left the
 * router; leave it off while measuring. No allocation per frame.
 */
final class MemoryFrameSink implements FrameIo {
    private final String ifname;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    long frames;
    long bytes;
    boolean capture;
    final byte[] lastFrame = new byte[16384];
    int lastLength;

    MemoryFrameSink(String ifname) {
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
        return WOULD_BLOCK;
    }

    @Override
    public int write(long address, int length) {
        frames++;
        bytes += length;
        if (capture) {
            view.wrap(address, length);
            view.getBytes(0, lastFrame, 0, length);
            lastLength = length;
        }
        return length;
    }

    @Override
    public int lastErrno() {
        return 0;
    }

    @Override
    public String lastFailure() {
        return ifname + ": no failure";
    }

    @Override
    public void close() {
    }
}
