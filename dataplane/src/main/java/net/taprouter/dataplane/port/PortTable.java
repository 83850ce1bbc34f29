package net.taprouter.dataplane.port;

import java.util.Arrays;

/**
 * All ports by index, published as an immutable snapshot array: the control thread replaces the
 * array (copy on write), dataplane threads read the current one without locks.
 *
 * <p>An index names one port for the whole life of that port, removal included: an unpublished
 * port keeps its index reserved until its removal has finished ({@link #release}: committed, a
 * grace period passed, its neighbour entries gone). So no other port can take the index of a
 * port that is still being removed, and the removal cannot touch the newcomer's slot.
 */
public final class PortTable {
    public static final int MAX_PORTS = 256;

    private volatile Port[] ports = new Port[0];
    /** Control thread: indices of unpublished ports whose removal has not finished. */
    private final boolean[] reserved = new boolean[MAX_PORTS];

    /** Dataplane: the port with this index, or null. */
    public Port get(int index) {
        Port[] snapshot = ports;
        return index >= 0 && index < snapshot.length ? snapshot[index] : null;
    }

    /** The current snapshot (entries may be null). */
    public Port[] snapshot() {
        return ports;
    }

    /** Control thread: the lowest index neither in use nor reserved, or -1 if there is none. */
    public int freeIndex() {
        Port[] snapshot = ports;
        for (int i = 0; i < MAX_PORTS; i++) {
            if ((i >= snapshot.length || snapshot[i] == null) && !reserved[i]) {
                return i;
            }
        }
        return -1;
    }

    /** Control thread: publish a port at its index (again, if it was unpublished: its reservation ends). */
    public void put(Port port) {
        Port[] next = Arrays.copyOf(ports, Math.max(ports.length, port.index() + 1));
        next[port.index()] = port;
        ports = next;
        reserved[port.index()] = false;
    }

    /**
     * Control thread: unpublish {@code port} if it is the one at its index; its index stays
     * reserved until {@link #release}. Returns false if another port (or none) holds the index.
     */
    public boolean unpublish(Port port) {
        int index = port.index();
        if (get(index) != port) {
            return false;
        }
        Port[] next = ports.clone();
        next[index] = null;
        ports = next;
        reserved[index] = true;
        return true;
    }

    /** Control thread: the removal of the port that had {@code index} finished; the index may be reused. */
    public void release(int index) {
        if (get(index) == null) {
            reserved[index] = false;
        }
    }
}
