package net.taprouter.dataplane.pipeline;

/**
 * When a fast path's table stops paying, it rests: traffic with more keys than a direct-mapped
 * table holds (a scan, a random-destination flood, a million flows) would only find other keys'
 * decisions in it, and remembering every packet's decision would push the slow path's own data
 * out of the caches. Lookups are judged when they tell something about that: a packet that took
 * the fast path, or one whose entry held another key's decision (displaced). A packet whose entry
 * is empty or holds its own key's outdated decision (a route changed, TTL 1, a packet to the
 * router itself: those never fill one) is not judged, so traffic the fast path is not for cannot
 * make it rest. After {@link #WINDOW} judged lookups of which fewer than half were taken, the fast
 * path neither looks nor remembers for the next {@link #REST} packets that would have looked, then
 * tries again. One per table and worker (its single writer); no allocation.
 */
final class FastPathRest {
    /** Judged lookups per window. */
    static final int WINDOW = 1024;
    /** Packets the fast path sits out after a window in which fewer than half its judged lookups were taken. */
    static final int REST = 1 << 16;

    private int judged;
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

    /** A packet took the fast path. */
    void taken() {
        taken++;
        judge();
    }

    /** A packet found its entry holding another key's decision. */
    void displaced() {
        judge();
    }

    private void judge() {
        if (++judged == WINDOW) {
            resting = taken * 2 < WINDOW ? REST : 0;
            judged = 0;
            taken = 0;
        }
    }
}
