package net.taprouter.dataplane.buffer;

/**
 * Per-slot packet metadata of one {@link FramePool}: a slab of {@link #WORDS_PER_SLOT} ints per
 * slot (128 bytes: two cache lines per slot), allocated once with the pool. It holds what a packet
 * carries between stages (ports, next hop, flags...) while its slot is <em>not</em> on the
 * run-to-completion path: parked in an ARP queue (later: a flood, a reassembly or a TX batch), so
 * such a queue holds nothing but slot indices and a packet resumes with exactly its metadata.
 *
 * <p>Why a slab and not a flyweight the stages read directly: a stage reads and writes the
 * pipeline's {@code Packet} register (plain fields of one object per agent, which the JIT keeps in
 * registers or L1), so the forwarding path pays nothing for this class; only a packet that leaves
 * the path pays one {@code save} (8 int stores in one cache line) and one {@code load}. The layout
 * of the words (which field is which) belongs to {@code Packet}, the one place a new field is
 * added; this class only stores them.
 *
 * <p>Threads: a slot's words are written and read by whoever owns the slot (the RX agent while it
 * reads a frame into it, then the worker it was handed to); the descriptor ring that hands a slot
 * over orders the writes before the reads, as it does for the frame bytes.
 */
public final class PacketMetadata {
    /**
     * Ints of metadata per slot: 32 = 128 bytes. Interfaces, conntrack and offload fields together
     * need 18 words; a packet saves only the words it uses.
     */
    public static final int WORDS_PER_SLOT = 32;

    private final int[] words;

    public PacketMetadata(int slotCount) {
        this.words = new int[slotCount * WORDS_PER_SLOT];
    }

    /** The slab: slot s's words are at {@code [base(s), base(s) + WORDS_PER_SLOT)}. */
    public int[] words() {
        return words;
    }

    /** Index in {@link #words()} of slot s's first word. */
    public static int base(int slot) {
        return slot * WORDS_PER_SLOT;
    }
}
