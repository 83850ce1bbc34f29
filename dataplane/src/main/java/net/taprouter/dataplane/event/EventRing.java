package net.taprouter.dataplane.event;

import java.nio.ByteBuffer;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Events (conntrack NEW/UPDATE/DESTROY, FDB learn/move/age) on their way from one forwarding
 * worker (the producer, single writer) to the control thread (the consumer), which prints them to
 * a client. Preallocated, fixed size; a record is a type (the event kind, {@code >= 1}) and a
 * few primitive words the producer puts straight into the ring ({@link #claim}, {@link #buffer},
 * {@link #commit}): no allocation. When the ring is full the event is not written and
 * {@link #lost()} counts it: a slow reader loses events (as conntrack's netlink socket does:
 * ENOBUFS), never slows forwarding.
 */
public final class EventRing {
    private final OneToOneRingBuffer ring;
    private volatile long lost;

    /** @param capacityBytes ring size (a power of two, at least 4 KiB) */
    public EventRing(int capacityBytes) {
        if (Integer.bitCount(capacityBytes) != 1 || capacityBytes < 4096) {
            throw new IllegalArgumentException("event ring size must be a power of two >= 4096: " + capacityBytes);
        }
        ByteBuffer memory = BufferUtil.allocateDirectAligned(capacityBytes + RingBufferDescriptor.TRAILER_LENGTH, 64);
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(memory));
    }

    /**
     * Producer: room for a record of {@code type} and {@code length} bytes; returns where to write
     * it in {@link #buffer()} (then {@link #commit}), or -1 if the ring is full (counted as lost).
     */
    public int claim(int type, int length) {
        int at = ring.tryClaim(type, length);
        if (at <= 0) {
            lost++; // single writer: the producer thread
            return -1;
        }
        return at;
    }

    /**
     * Producer: writes a record of {@code type} copied from {@code source} ({@code length} bytes at
     * {@code offset}); false if the ring is full (counted as lost).
     */
    public boolean write(int type, DirectBuffer source, int offset, int length) {
        if (!ring.write(type, source, offset, length)) {
            lost++; // single writer: the producer thread
            return false;
        }
        return true;
    }

    /** The buffer a claimed record is written into. */
    /** Nothing to drain? (Either side; a snapshot.) */
    public boolean isEmpty() {
        return ring.size() == 0;
    }

    public MutableDirectBuffer buffer() {
        return ring.buffer();
    }

    /** Producer: publishes a claimed record. */
    public void commit(int at) {
        ring.commit(at);
    }

    /** Events not written because the ring was full (any thread may read it). */
    public long lost() {
        return lost;
    }

    /** Consumer: hands up to {@code limit} records to {@code handler} (type, buffer, offset, length); returns how many. */
    public int drain(MessageHandler handler, int limit) {
        return ring.read(handler, limit);
    }
}
