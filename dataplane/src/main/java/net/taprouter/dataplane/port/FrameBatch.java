package net.taprouter.dataplane.port;

/**
 * The frames of one batched {@link FrameIo} call, as parallel arrays: per entry a native address
 * (of the frame's first byte; the device's {@link FrameIo#headroom()} lies in front of it), a
 * length (the capacity on read, the frame length on write), the caller's tag (e.g. the pool slot)
 * and the device's result (a length or a status). Preallocated and reused: no allocation per
 * call. One thread uses a batch at a time.
 */
public final class FrameBatch {
    private final long[] addresses;
    private final int[] lengths;
    private final int[] tags;
    private final int[] results;
    private int count;
    private int status;

    public FrameBatch(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("batch capacity must be positive: " + capacity);
        }
        addresses = new long[capacity];
        lengths = new int[capacity];
        tags = new int[capacity];
        results = new int[capacity];
    }

    public int capacity() {
        return addresses.length;
    }

    /** Empties the batch. */
    public void clear() {
        count = 0;
        status = 0;
    }

    /** True if no more entries fit. */
    public boolean isFull() {
        return count == addresses.length;
    }

    /** Appends an entry; returns its index. Throws if the batch is full. */
    public int add(long address, int length, int tag) {
        int i = count;
        if (i == addresses.length) {
            throw new IllegalStateException("frame batch full (" + i + " entries)");
        }
        addresses[i] = address;
        lengths[i] = length;
        tags[i] = tag;
        results[i] = 0;
        count = i + 1;
        return i;
    }

    public int count() {
        return count;
    }

    public long address(int i) {
        return addresses[i];
    }

    public int length(int i) {
        return lengths[i];
    }

    public int tag(int i) {
        return tags[i];
    }

    /** The device's result for entry i: a length, or a {@link FrameIo} status. */
    public int result(int i) {
        return results[i];
    }

    /** Device side: the result of entry i. */
    public void result(int i, int result) {
        results[i] = result;
    }

    /** Device side: entries i and j change places (a device that completes entries out of order). */
    public void swap(int i, int j) {
        long a = addresses[i];
        addresses[i] = addresses[j];
        addresses[j] = a;
        int t = lengths[i];
        lengths[i] = lengths[j];
        lengths[j] = t;
        t = tags[i];
        tags[i] = tags[j];
        tags[j] = t;
        t = results[i];
        results[i] = results[j];
        results[j] = t;
    }

    /** Why the last call stopped short: a {@link FrameIo} status, or 0. */
    public int status() {
        return status;
    }

    /** Device side: see {@link #status()}. */
    public void status(int status) {
        this.status = status;
    }
}
