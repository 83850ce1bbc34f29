package net.taprouter.dataplane.buffer;

import java.nio.ByteBuffer;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Received frames on their way from the RX agent to a forwarding agent: a frame descriptor
 * (slot, ingress port, frame length, receive time) per message, never the frame itself.
 */
public final class DescriptorRing {
    private static final int MSG_FRAME = 1;
    private static final int DESCRIPTOR_LENGTH = 24;
    /** A descriptor's record in the ring: Agrona's 8-byte header and the descriptor, aligned to 8. */
    private static final int RECORD_LENGTH = 32;

    /** Receives one descriptor. */
    @FunctionalInterface
    public interface FrameHandler {
        void onFrame(int slot, int port, int length, long rxNanos);
    }

    private final OneToOneRingBuffer ring;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[DESCRIPTOR_LENGTH]);
    private final MessageHandler adapter;
    private FrameHandler handler;

    public DescriptorRing(int descriptors) {
        // 32 bytes a record; room for every descriptor (an Agrona ring of exactly n records holds n - 1)
        int capacity = Integer.highestOneBit(Math.max(64, descriptors) * 32 - 1) << 2;
        ByteBuffer memory = BufferUtil.allocateDirectAligned(capacity + RingBufferDescriptor.TRAILER_LENGTH, 64);
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(memory));
        this.adapter = this::onMessage;
    }

    /** Producer side. False when the ring is full (the caller drops and counts). */
    public boolean offer(int slot, int port, int length, long rxNanos) {
        scratch.putInt(0, slot);
        scratch.putInt(4, port);
        scratch.putInt(8, length);
        scratch.putLong(16, rxNanos);
        return ring.write(MSG_FRAME, scratch, 0, DESCRIPTOR_LENGTH);
    }

    /** Descriptors waiting (either side; a snapshot). */
    public int size() {
        return ring.size() / RECORD_LENGTH;
    }

    /** Are descriptors waiting? (Either side; a snapshot.) */
    public boolean isEmpty() {
        return ring.size() == 0;
    }

    /** Consumer side: hand up to {@code limit} descriptors to {@code frameHandler}. */
    public int poll(FrameHandler frameHandler, int limit) {
        this.handler = frameHandler;
        return ring.read(adapter, limit);
    }

    private void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
        handler.onFrame(buffer.getInt(index), buffer.getInt(index + 4), buffer.getInt(index + 8), buffer.getLong(index + 16));
    }
}
