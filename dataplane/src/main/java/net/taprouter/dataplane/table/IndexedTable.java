package net.taprouter.dataplane.table;

import java.util.Arrays;

/**
 * Objects by a small index, published as an immutable snapshot array: the control thread replaces
 * the array (copy on write), dataplane threads read the current one without locks. The base of
 * {@code port.PortTable} (L2 ports) and {@code iface.InterfaceTable} (L3 interfaces).
 *
 * <p>An index names one object for the whole life of that object, removal included: an
 * unpublished object keeps its index reserved until its removal has finished ({@link #release}:
 * committed, a grace period passed, whatever the dataplane kept under its index gone). So no other
 * object can take the index of one that is still being removed, and the removal cannot touch the
 * newcomer's state.
 *
 * @param <T> what the table holds; {@link Indexed#index()} is its place
 */
public class IndexedTable<T extends IndexedTable.Indexed> {
    /** Something with a fixed index in its table. */
    public interface Indexed {
        int index();
    }

    private final int capacity;
    private volatile T[] items;
    /** Control thread: indices of unpublished objects whose removal has not finished. */
    private final boolean[] reserved;

    /** @param empty a zero-length array of the element type (the snapshots' type) */
    protected IndexedTable(T[] empty, int capacity) {
        this.items = Arrays.copyOf(empty, 0);
        this.capacity = capacity;
        this.reserved = new boolean[capacity];
    }

    /** Largest index + 1. */
    public final int capacity() {
        return capacity;
    }

    /** Dataplane: the object with this index, or null. */
    public final T get(int index) {
        T[] snapshot = items;
        return index >= 0 && index < snapshot.length ? snapshot[index] : null;
    }

    /** The current snapshot (entries may be null). */
    public final T[] snapshot() {
        return items;
    }

    /** Control thread: the lowest index neither in use nor reserved, or -1 if there is none. */
    public final int freeIndex() {
        T[] snapshot = items;
        for (int i = 0; i < capacity; i++) {
            if ((i >= snapshot.length || snapshot[i] == null) && !reserved[i]) {
                return i;
            }
        }
        return -1;
    }

    /** Control thread: publish an object at its index (again, if it was unpublished: its reservation ends). */
    public final void put(T item) {
        int index = item.index();
        if (index < 0 || index >= capacity) {
            throw new IllegalArgumentException("index " + index + " out of 0.." + (capacity - 1));
        }
        T[] next = Arrays.copyOf(items, Math.max(items.length, index + 1));
        next[index] = item;
        items = next;
        reserved[index] = false;
        ForwardingVersion.changed();
    }

    /**
     * Control thread: unpublish {@code item} if it is the one at its index; its index stays
     * reserved until {@link #release}. Returns false if another object (or none) holds the index.
     */
    public final boolean unpublish(T item) {
        int index = item.index();
        if (get(index) != item) {
            return false;
        }
        T[] next = items.clone();
        next[index] = null;
        items = next;
        reserved[index] = true;
        ForwardingVersion.changed();
        return true;
    }

    /** Control thread: the removal of the object that had {@code index} finished; the index may be reused. */
    public final void release(int index) {
        if (get(index) == null) {
            reserved[index] = false;
        }
    }
}
