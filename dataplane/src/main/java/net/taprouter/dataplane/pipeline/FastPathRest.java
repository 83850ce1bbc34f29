package net.taprouter.dataplane.pipeline;

/**
 * When a fast path's table stops paying, it rests: traffic with more keys than a direct-mapped
 * table holds (a scan, a random-destination flood, a million flows) would only miss in it, and
 * remembering every packet's decision would push the slow path's own data out of the caches. After
 * {@link #WINDOW} lookups of which fewer than half were taken, the fast path neither looks nor
 * remembers for the next {@link #REST} packets that would have looked, then tries again. One per
 * table and worker (its single writer); no allocation.
 */
final class FastPathRest {
    /** Lookups per judgement window. */
    static final int WINDOW = 1024;
    /** Packets the fast path sits out after a window in which fewer than half its lookups were taken. */
    static final int REST = 1 << 16;

    private int lookups;
    private int taken;
    private int resting;

    /** A packet that would look: true if the fast path rests now (the packet is counted against the rest). */
    boolean skip() {
        if (resting > 0) {
            resting--;
            return true;
        }
        return false;
    }

    /** True while the fast path rests: nothing is remembered. */
    boolean resting() {
        return resting > 0;
    }

    /** A lookup's outcome; returns {@code wasTaken}. */
    boolean judge(boolean wasTaken) {
        taken += wasTaken ? 1 : 0;
        if (++lookups == WINDOW) {
            resting = taken * 2 < WINDOW ? REST : 0;
            lookups = 0;
            taken = 0;
        }
        return wasTaken;
    }
}
