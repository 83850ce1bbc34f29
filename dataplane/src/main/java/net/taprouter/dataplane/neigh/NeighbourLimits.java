package net.taprouter.dataplane.neigh;

/**
 * Bounds of a {@link NeighbourTable}, so that no host can take the table or the frame pool:
 *
 * @param capacity            entries in all (the kernel's gc_thresh3)
 * @param queuePerNeighbour   frames that may wait for one neighbour's ARP reply (unres_qlen)
 * @param queuedFrames        frames that may wait for ARP in all (a fraction of the frame pool:
 *                            a dead address holds its frames ~3 s)
 * @param queuedFramesPerPort frames from one ingress port (or originated by the router) that may wait
 * @param incompletePerInterface neighbours being resolved (INCOMPLETE) at once on one egress interface
 * @param entriesPerInterface entries learned on one interface, beyond which its own least recently
 *                            used entry is evicted for a new one (PERMANENT entries not limited)
 */
public record NeighbourLimits(int capacity, int queuePerNeighbour, int queuedFrames, int queuedFramesPerPort,
                              int incompletePerInterface, int entriesPerInterface) {
    public NeighbourLimits {
        if (capacity < 1 || queuePerNeighbour < 1 || queuedFrames < 1 || queuedFramesPerPort < 1
            || incompletePerInterface < 1 || entriesPerInterface < 1) {
            throw new IllegalArgumentException("bad neighbour limits " + capacity + "/" + queuePerNeighbour + "/"
                + queuedFrames + "/" + queuedFramesPerPort + "/" + incompletePerInterface + "/" + entriesPerInterface);
        }
    }

    /**
     * The limits routerd uses for a table of {@code capacity} entries next to a frame pool of
     * {@code frameSlots}: a quarter of the pool may wait for ARP, a quarter of that per ingress
     * port; a sixteenth of the table may be INCOMPLETE per interface, half of it learned on one interface.
     */
    public static NeighbourLimits of(int capacity, int queuePerNeighbour, int frameSlots) {
        int queued = Math.max(queuePerNeighbour, frameSlots / 4);
        return new NeighbourLimits(capacity, queuePerNeighbour, queued, Math.max(queuePerNeighbour, queued / 4),
            Math.max(4, capacity / 16), Math.max(1, capacity / 2));
    }
}
