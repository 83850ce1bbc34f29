package net.taprouter.bench;

import net.taprouter.dataplane.port.FrameIo;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An in-memory {@link FrameIo} for benchmarks: never has anything to read, accepts every write
 * (returns its length) and counts frames and bytes. When {@link #capture} is set it also copies
 * the last frame written into {@link #lastFrame} (after its {@link #headroom()} header bytes, as a
 * TAP receives them; at most 16 KiB), so a benchmark can check what actually left the router;
 * leave it off while measuring. No allocation per frame.
 */
final class MemoryFrameSink implements FrameIo {
    private final String ifname;
    private final int headroom;
    private final int offloads;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    long frames;
    long bytes;
    boolean capture;
    final byte[] lastFrame = new byte[16384];
    int lastLength;

    MemoryFrameSink(String ifname) {
        this(ifname, 0, 0);
    }

    /** A sink that takes a virtio-net header ({@code headroom} 10) and accepted {@code offloads} (TUN_F_* flags), as a TAP with offloads. */
    MemoryFrameSink(String ifname, int headroom, int offloads) {
        this.ifname = ifname;
        this.headroom = headroom;
        this.offloads = offloads;
    }

    @Override
    public int headroom() {
        return headroom;
    }

    @Override
    public int offloads() {
        return offloads;
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
            view.wrap(address - headroom, length + headroom); // the device's header first, as a TAP gets it
            int kept = Math.min(length + headroom, lastFrame.length);
            view.getBytes(0, lastFrame, 0, kept);
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
