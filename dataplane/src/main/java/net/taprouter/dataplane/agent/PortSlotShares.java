package net.taprouter.dataplane.agent;

import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;

/**
 * With dedicated threads, the frame slots each port's reads hold (handed to the forwarding
 * thread and not back yet), per slot size, and how many more a port may take: a dynamic
 * threshold, as switches share one packet buffer among ports (Choudhury and Hahne): a port may
 * hold at most {@value #ALPHA} times the slots of that size still free. One flooding port so
 * holds at most two thirds of them, n flooding ports 2/(2n+1) each, and the pool never runs dry:
 * a port that holds none always finds slots, so one host's flood cannot keep another port's
 * frames waiting in their TAP queue. The RX agent that owns the pool is its only user (the
 * return ring tells it of slots coming back); no allocation after construction.
 */
final class PortSlotShares implements SlotReturnRing.Listener {
    /** A port may hold this many times the free slots of a size. */
    static final int ALPHA = 2;

    private final FramePool pool;
    /** Per slot: the index of the port whose read holds it, + 1 (0: none). */
    private final short[] holder;
    private final int[] heldSmall;
    private final int[] heldLarge;
    /** Per port: it was turned away for its share and waits for {@link #resume} slots of it. */
    private final boolean[] waiting;
    private final int resumeSmall;
    private final int resumeLarge;

    PortSlotShares(FramePool pool, int maxPorts, int readBatch) {
        this.pool = pool;
        this.holder = new short[pool.slotCount()];
        this.heldSmall = new int[maxPorts];
        this.heldLarge = new int[maxPorts];
        this.waiting = new boolean[maxPorts];
        int small = pool.slotCount() - pool.largeSlotCount();
        this.resumeSmall = Math.max(1, Math.min(readBatch, small / 16));
        this.resumeLarge = Math.max(1, Math.min(readBatch, pool.largeSlotCount() / 16));
    }

    /** Slots of the size {@code large} says {@code port} may take now: 0 or more. */
    int quota(int port, boolean large) {
        int free = large ? pool.freeLargeCount() : pool.freeCount() - pool.freeLargeCount();
        int held = large ? heldLarge[port] : heldSmall[port];
        // taking k keeps held + k <= ALPHA * (free - k)
        return Math.max(0, (ALPHA * free - held) / (ALPHA + 1));
    }

    /**
     * The slots {@code port} may read into this round ({@code at most} of them), 0 if it must
     * wait: turned away once, it reads again only when a batch of its share is back (not a frame
     * per read). Returns -1 the first time it is turned away (the caller counts that).
     */
    int take(int port, boolean large, int atMost) {
        int quota = quota(port, large);
        if (waiting[port]) {
            if (quota < (large ? resumeLarge : resumeSmall)) {
                return 0;
            }
            waiting[port] = false;
        }
        if (quota > 0) {
            return Math.min(atMost, quota);
        }
        waiting[port] = true;
        return -1;
    }

    /** May {@code port} read into slots of the size {@code large} says, were it asked now (its wait, if any, is over)? */
    boolean mayRead(int port, boolean large) {
        return returnsUntilRead(port, large) == 0;
    }

    /**
     * Slots that must come back before {@code port}'s wait for slots of that size is over (0: it
     * does not wait): a lower bound, as each slot back raises its quota by one at most (a slot of
     * its own by one, another port's by two thirds).
     */
    int returnsUntilRead(int port, boolean large) {
        if (!waiting[port]) {
            return 0;
        }
        return Math.max(0, (large ? resumeLarge : resumeSmall) - quota(port, large));
    }

    /**
     * Port index {@code port} now names another port (the old one was deleted, a new one took
     * its index): it starts without the old one's wait. The slots the old one's reads hold stay
     * counted under the index until they come back (they do: the return ring names the slot).
     */
    void newPort(int port) {
        waiting[port] = false;
    }

    /** {@code port}'s read put a frame in {@code slot}, handed over. */
    void charge(int slot, int port) {
        holder[slot] = (short) (port + 1);
        if (pool.isLarge(slot)) {
            heldLarge[port]++;
        } else {
            heldSmall[port]++;
        }
    }

    @Override
    public void returned(int slot) {
        int port = holder[slot] - 1;
        if (port < 0) {
            return;
        }
        holder[slot] = 0;
        if (pool.isLarge(slot)) {
            heldLarge[port]--;
        } else {
            heldSmall[port]--;
        }
    }

    /** Slots of either size {@code port}'s reads hold. */
    int held(int port) {
        return heldSmall[port] + heldLarge[port];
    }
}
