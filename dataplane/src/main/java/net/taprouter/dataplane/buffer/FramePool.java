package net.taprouter.dataplane.buffer;

import java.nio.ByteBuffer;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Preallocated frame slots in one direct buffer. Frames move between stages as slot indices,
 * never as copies.
 *
 * <pre>
 *  slot i:  | headroom (HEADROOM bytes) | frame (up to frameCapacity() bytes)          |
 *           ^ i * slotSize              ^ frameOffset(i)
 * </pre>
 *
 * The headroom lets a stage prepend headers in place (an ICMP error wraps the offending packet
 * without copying it: 28 bytes in front of the frame; later a VLAN tag) and leaves room for the
 * device's own per-frame header in front of that ({@code FrameIo.headroom()}: a virtio-net header,
 * at most {@link #MAX_DEVICE_HEADROOM} bytes). The free list belongs to one
 * thread (the RX agent): other threads give slots back through a {@link SlotReturnRing}. Each slot also has
 * {@link PacketMetadata} words (what a packet waiting off the graph carries between stages).
 */
public final class FramePool {
    /** Bytes in front of each frame for headers prepended in place. */
    public static final int HEADROOM = 128;
    /**
     * Most bytes a port's device may need in front of a frame ({@code FrameIo.headroom()}; a
     * virtio-net header takes 10 or 12): the other {@code HEADROOM - MAX_DEVICE_HEADROOM} bytes are
     * for stages that prepend in place. A buffer a frame is sent from outside the pool keeps this
     * much room in front of the frame too.
     */
    public static final int MAX_DEVICE_HEADROOM = 64;

    private final UnsafeBuffer buffer;
    private final int slotSize;
    private final int slotCount;
    private final int[] freeSlots;
    private final PacketMetadata metadata;
    private int freeCount;

    public FramePool(int slotCount, int slotSize) {
        if (slotCount <= 0 || slotSize <= HEADROOM + 64 || (slotSize & 63) != 0) {
            throw new IllegalArgumentException("bad frame pool geometry: " + slotCount + " x " + slotSize);
        }
        ByteBuffer memory = BufferUtil.allocateDirectAligned(slotCount * slotSize, 64);
        this.buffer = new UnsafeBuffer(memory);
        this.slotSize = slotSize;
        this.slotCount = slotCount;
        this.freeSlots = new int[slotCount];
        for (int i = 0; i < slotCount; i++) {
            freeSlots[i] = slotCount - 1 - i;
        }
        this.freeCount = slotCount;
        this.metadata = new PacketMetadata(slotCount);
    }

    /** The per-slot metadata of this pool's slots. */
    public PacketMetadata metadata() {
        return metadata;
    }

    /** The buffer all slots live in; views wrap it at a slot's offsets. */
    public UnsafeBuffer buffer() {
        return buffer;
    }

    public int slotCount() {
        return slotCount;
    }

    /** Largest frame a slot holds. */
    public int frameCapacity() {
        return slotSize - HEADROOM;
    }

    /** Index in {@link #buffer()} where slot's frame starts by default. */
    public int frameOffset(int slot) {
        return slot * slotSize + HEADROOM;
    }

    /** Native address of a buffer index, for TAP read/write. */
    public long address(int index) {
        return buffer.addressOffset() + index;
    }

    /** Takes a free slot, or -1 when none is left. Owner thread only. */
    public int allocate() {
        return freeCount == 0 ? -1 : freeSlots[--freeCount];
    }

    /** Gives a slot back. Owner thread only. */
    public void free(int slot) {
        freeSlots[freeCount++] = slot;
    }

    public int freeCount() {
        return freeCount;
    }
}
