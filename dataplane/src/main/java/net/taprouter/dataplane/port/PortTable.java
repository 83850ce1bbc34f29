package net.taprouter.dataplane.port;

import java.util.Arrays;

/**
 * All ports by index, published as an immutable snapshot array: the control thread replaces the
 * array (copy on write), dataplane threads read the current one without locks.
 */
public final class PortTable {
    public static final int MAX_PORTS = 256;

    private volatile Port[] ports = new Port[0];

    /** Dataplane: the port with this index, or null. */
    public Port get(int index) {
        Port[] snapshot = ports;
        return index >= 0 && index < snapshot.length ? snapshot[index] : null;
    }

    /** The current snapshot (entries may be null). */
    public Port[] snapshot() {
        return ports;
    }

    /** Control thread: the lowest free index, or -1 if the table is full. */
    public int freeIndex() {
        Port[] snapshot = ports;
        for (int i = 0; i < snapshot.length; i++) {
            if (snapshot[i] == null) {
                return i;
            }
        }
        return snapshot.length < MAX_PORTS ? snapshot.length : -1;
    }

    /** Control thread: publish a port at its index. */
    public void put(Port port) {
        Port[] next = Arrays.copyOf(ports, Math.max(ports.length, port.index() + 1));
        next[port.index()] = port;
        ports = next;
    }

    /** Control thread: unpublish the port at index. */
    public void remove(int index) {
        Port[] next = ports.clone();
        next[index] = null;
        ports = next;
    }
}
