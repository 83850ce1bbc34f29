package net.taprouter.dataplane.buffer;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Preallocated frame slots in one off-heap buffer. Frames move between stages as slot indices,
 * never as copies. The buffer is anonymous memory ({@link NativeMemory}): zero-filled, and a
 * page only becomes resident when a slot on it is first used, so the pool costs nothing at
 * start-up and an idle router keeps only the few slots it cycles through (the free lists hand the
 * most recently freed slot out first).
 *
 * <pre>
 *  slot i:  | headroom (HEADROOM bytes) | frame (up to frameCapacity(i) bytes)         |
 *           ^ slotStart(i)              ^ frameOffset(i)
 *
 *  | small 0 | small 1 | ... | small n-1 | large n      | ...          | large n+m-1  |
 * </pre>
 *
 * <p><b>Two slot sizes.</b> Slots {@code 0..n-1} are small ({@code slotSize} bytes: every frame up
 * to the largest port MTU fits); slots {@code n..n+m-1} are large ({@link #LARGE_SLOT_SIZE}: a
 * 64 KiB GSO super-packet fits). One index space, one buffer, one metadata slab, so a slot index
 * means the same everywhere (rings, ARP queues, ownership states) whatever its size; each size
 * has its own free list ({@link #allocate}, {@link #allocateLarge}; {@link #free} knows which
 * from the index). The RX agent reads a port that may deliver GSO frames into large slots and
 * copies every frame that fits a small slot into one at once ({@code agent.RxAgent}: copy-break),
 * so only super-packets hold large slots and small-packet traffic never needs more of them: a
 * pool of 1024 small 16 KiB slots gains 128 large ones (+8 MiB, not the 4x of making every slot
 * 64 KiB).
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
    /** Largest frame a large slot holds: a 65,535-byte IP packet, its Ethernet header and a VLAN tag, rounded up. */
    public static final int LARGE_FRAME_CAPACITY = 65_536 + 64;
    /** Bytes of a large slot, headroom included. */
    public static final int LARGE_SLOT_SIZE = HEADROOM + LARGE_FRAME_CAPACITY;

    private final UnsafeBuffer buffer;
    private final int slotSize;
    /** Small slots (indices 0..smallCount-1). */
    private final int smallCount;
    private final int largeCount;
    /** Where the first large slot starts in the buffer. */
    private final int largeBase;
    private final int[] freeSlots;
    private final int[] freeLarge;
    private final PacketMetadata metadata;
    private int freeCount;
    private int freeLargeCount;

    /** A pool of small slots only. */
    public FramePool(int slotCount, int slotSize) {
        this(slotCount, slotSize, 0);
    }

    /** {@code slotCount} small slots of {@code slotSize} bytes, then {@code largeSlotCount} of {@link #LARGE_SLOT_SIZE}. */
    public FramePool(int slotCount, int slotSize, int largeSlotCount) {
        if (slotCount <= 0 || slotSize <= HEADROOM + 64 || (slotSize & 63) != 0 || slotSize > LARGE_SLOT_SIZE
            || largeSlotCount < 0 || (long) slotCount * slotSize + (long) largeSlotCount * LARGE_SLOT_SIZE > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("bad frame pool geometry: " + slotCount + " x " + slotSize
                + " + " + largeSlotCount + " x " + LARGE_SLOT_SIZE);
        }
        this.largeBase = slotCount * slotSize;
        int length = largeBase + largeSlotCount * LARGE_SLOT_SIZE;
        this.buffer = new UnsafeBuffer(new byte[0]);
        buffer.wrap(NativeMemory.map(length, buffer), length); // unmapped when the buffer is unreachable
        this.slotSize = slotSize;
        this.smallCount = slotCount;
        this.largeCount = largeSlotCount;
        this.freeSlots = new int[slotCount];
        for (int i = 0; i < slotCount; i++) {
            freeSlots[i] = slotCount - 1 - i;
        }
        this.freeCount = slotCount;
        this.freeLarge = new int[largeSlotCount];
        for (int i = 0; i < largeSlotCount; i++) {
            freeLarge[i] = slotCount + largeSlotCount - 1 - i;
        }
        this.freeLargeCount = largeSlotCount;
        this.metadata = new PacketMetadata(slotCount + largeSlotCount);
    }

    /** The per-slot metadata of this pool's slots. */
    public PacketMetadata metadata() {
        return metadata;
    }

    /** The buffer all slots live in; views wrap it at a slot's offsets. */
    public UnsafeBuffer buffer() {
        return buffer;
    }

    /** All slots, small and large (slot indices are {@code 0..slotCount()-1}). */
    public int slotCount() {
        return smallCount + largeCount;
    }

    /** Large slots (indices {@code slotCount() - largeSlotCount()} and up). */
    public int largeSlotCount() {
        return largeCount;
    }

    /** Largest frame a small slot holds. */
    public int frameCapacity() {
        return slotSize - HEADROOM;
    }

    /** Largest frame {@code slot} holds. */
    public int frameCapacity(int slot) {
        return slot < smallCount ? slotSize - HEADROOM : LARGE_FRAME_CAPACITY;
    }

    /** True for a large slot. */
    public boolean isLarge(int slot) {
        return slot >= smallCount;
    }

    /** Index in {@link #buffer()} where the slot (its headroom) starts. */
    public int slotStart(int slot) {
        return slot < smallCount ? slot * slotSize : largeBase + (slot - smallCount) * LARGE_SLOT_SIZE;
    }

    /** Index in {@link #buffer()} where slot's frame starts by default. */
    public int frameOffset(int slot) {
        return slotStart(slot) + HEADROOM;
    }

    /** Native address of a buffer index, for TAP read/write. */
    public long address(int index) {
        return buffer.addressOffset() + index;
    }

    /** Takes a free small slot, or -1 when none is left. Owner thread only. */
    public int allocate() {
        return freeCount == 0 ? -1 : freeSlots[--freeCount];
    }

    /** Takes a free large slot, or -1 when none is left. Owner thread only. */
    public int allocateLarge() {
        return freeLargeCount == 0 ? -1 : freeLarge[--freeLargeCount];
    }

    /** Gives a slot (of either size) back. Owner thread only. */
    public void free(int slot) {
        if (slot < smallCount) {
            freeSlots[freeCount++] = slot;
        } else {
            freeLarge[freeLargeCount++] = slot;
        }
    }

    /** Free slots of both sizes. */
    public int freeCount() {
        return freeCount + freeLargeCount;
    }

    /** Free large slots. */
    public int freeLargeCount() {
        return freeLargeCount;
    }
}
