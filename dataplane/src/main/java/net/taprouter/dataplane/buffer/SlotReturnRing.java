package net.taprouter.dataplane.buffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Slots handed back from a forwarding agent to the RX agent that owns the {@link FramePool}.
 * One producer, one consumer; a message is one int (the slot index).
 */
public final class SlotReturnRing {
    private static final int MSG_SLOT = 1;

    private final OneToOneRingBuffer ring;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[4]);
    private final FramePool pool;
    private final MessageHandler freeHandler;
    private Listener listener;
    /** Returns the consumer waits for before it wants a wake-up ({@link #awaitReturns}); 0: it does not wait. */
    private volatile int awaited;
    private static final VarHandle AWAITED;
    /** Bytes of one record in the ring: its header and the slot index, aligned. */
    private static final int RECORD_LENGTH = org.agrona.BitUtil.align(RecordDescriptor.HEADER_LENGTH + 4, RecordDescriptor.ALIGNMENT);

    static {
        try {
            AWAITED = MethodHandles.lookup().findVarHandle(SlotReturnRing.class, "awaited", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Told of each slot as it goes back to the pool (consumer side). */
    @FunctionalInterface
    public interface Listener {
        void returned(int slot);
    }

    public SlotReturnRing(FramePool pool) {
        this.pool = pool;
        // 16 bytes a record (8 header + 4 + padding); twice the room every slot needs, because an
        // Agrona ring of exactly n records holds n - 1.
        int capacity = Integer.highestOneBit(pool.slotCount() * 16 - 1) << 2;
        ByteBuffer memory = BufferUtil.allocateDirectAligned(capacity + RingBufferDescriptor.TRAILER_LENGTH, 64);
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(memory));
        this.freeHandler = this::onSlot;
    }

    /** Producer side: give a slot back. Never fails: the ring holds every slot of the pool. */
    public void release(int slot) {
        scratch.putInt(0, slot);
        if (!ring.write(MSG_SLOT, scratch, 0, 4)) {
            throw new IllegalStateException("slot return ring overflow");
        }
    }

    /** Consumer side (pool owner): put every returned slot back on the free list. */
    public int drain() {
        int total = 0;
        int read;
        while ((read = ring.read(freeHandler)) > 0) { // one read stops at the buffer's end
            total += read;
        }
        return total;
    }

    /** Slots given back and not {@link #drain drained} yet (any thread; a snapshot). */
    public int pending() {
        return ring.size() / RECORD_LENGTH;
    }

    /**
     * Consumer, before it sleeps where the producer cannot see it (in its poller): it wants to be
     * woken once {@code returns} slots are back ({@link #awaitedReturnsBack}). Returns the slots
     * already back: if they are enough, it should not sleep. {@link #stopAwaiting} when awake.
     */
    public int awaitReturns(int returns) {
        awaited = returns;
        VarHandle.fullFence(); // the announcement before the look (the producer fences the other way)
        return pending();
    }

    /** Consumer: awake again, it no longer waits for returns. */
    public void stopAwaiting() {
        awaited = 0;
    }

    /**
     * Producer, after a round that may have given slots back: true (once per wait) if the
     * consumer waits for returns and as many as it wants are back: the caller then wakes it. A
     * full fence on each side keeps a wake-up from being lost between the consumer's look and its
     * sleep (as {@link Wakeup} does).
     */
    public boolean awaitedReturnsBack() {
        VarHandle.fullFence();
        int wanted = awaited;
        return wanted > 0 && pending() >= wanted && AWAITED.compareAndSet(this, wanted, 0);
    }

    /** Consumer side: {@code listener} (or none: null) hears of every slot {@link #drain} gives back. */
    public void listener(Listener listener) {
        this.listener = listener;
    }

    private void onSlot(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
        int slot = buffer.getInt(index);
        pool.free(slot);
        if (listener != null) {
            listener.returned(slot);
        }
    }
}
