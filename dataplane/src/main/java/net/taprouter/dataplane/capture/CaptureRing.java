package net.taprouter.dataplane.capture;

import java.nio.ByteBuffer;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Captured frames on their way from one dataplane thread (the producer) to the control thread,
 * which writes them to a client as pcap. Preallocated; a frame is copied (up to the snap length)
 * straight into the ring, no allocation. When the ring is full the frame is not captured and
 * {@link #lost()} counts it: a slow reader loses capture frames, never router frames.
 *
 * <p>Record: epoch time in ns (8), port (4), direction (1), drop reason + 1 or 0 (2), frame
 * length on the wire (4), then the captured bytes.
 */
public final class CaptureRing {
    public static final int RX = 0;
    public static final int TX = 1;
    /** The frame was dropped (the reason says why). */
    public static final int DROP = 2;

    private static final int MSG = 1;
    private static final int TIME = 0;
    private static final int PORT = 8;
    private static final int DIRECTION = 12;
    private static final int REASON = 13;
    private static final int WIRE_LENGTH = 15;
    static final int HEADER = 19;

    private final OneToOneRingBuffer ring;
    private final int snapLength;
    private long lost;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

    /** Receives one captured frame; {@code reason} is -1 unless the frame was dropped. */
    @FunctionalInterface
    public interface FrameConsumer {
        void frame(long epochNanos, int port, int direction, int reason, int wireLength, DirectBuffer bytes, int offset,
                   int length);
    }

    /**
     * @param capacityBytes ring size (a power of two ≥ 4 KiB)
     * @param snapLength    bytes kept of each frame
     */
    public CaptureRing(int capacityBytes, int snapLength) {
        if (Integer.bitCount(capacityBytes) != 1 || capacityBytes < 4096) {
            throw new IllegalArgumentException("capture ring size must be a power of two >= 4096: " + capacityBytes);
        }
        int largest = capacityBytes / 8 - HEADER - 8; // an Agrona ring takes records up to 1/8 of it (8: its header)
        if (snapLength < 1 || snapLength > largest) {
            throw new IllegalArgumentException("snap length must be 1.." + largest + " for a ring of " + capacityBytes + ": "
                + snapLength);
        }
        ByteBuffer memory = BufferUtil.allocateDirectAligned(capacityBytes + RingBufferDescriptor.TRAILER_LENGTH, 64);
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(memory));
        this.snapLength = snapLength;
    }

    public int snapLength() {
        return snapLength;
    }

    /**
     * Producer: captures {@code length} bytes at {@code offset} (up to the snap length). False if
     * the ring had no room (counted in {@link #lost()}).
     */
    public boolean offer(long epochNanos, int port, int direction, int reason, DirectBuffer frame, int offset, int length) {
        int kept = Math.min(length, snapLength);
        int at = ring.tryClaim(MSG, HEADER + kept);
        if (at <= 0) {
            lost++;
            return false;
        }
        MutableDirectBuffer buffer = ring.buffer();
        buffer.putLong(at + TIME, epochNanos);
        buffer.putInt(at + PORT, port);
        buffer.putByte(at + DIRECTION, (byte) direction);
        buffer.putShort(at + REASON, (short) (reason + 1));
        buffer.putInt(at + WIRE_LENGTH, length);
        buffer.putBytes(at + HEADER, frame, offset, kept);
        ring.commit(at);
        return true;
    }

    /** Frames the producer could not capture because the ring was full (read by the producer's thread or racily). */
    public long lost() {
        return lost;
    }

    /** Consumer: hands up to {@code limit} frames to {@code consumer}; returns how many. */
    public int drain(FrameConsumer consumer, int limit) {
        return ring.read((type, buffer, index, length) -> {
            view.wrap(buffer, index, length);
            consumer.frame(view.getLong(TIME), view.getInt(PORT), view.getByte(DIRECTION), view.getShort(REASON) - 1,
                view.getInt(WIRE_LENGTH), buffer, index + HEADER, length - HEADER);
        }, limit);
    }
}
