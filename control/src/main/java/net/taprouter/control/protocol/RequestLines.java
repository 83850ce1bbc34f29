package net.taprouter.control.protocol;

import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * A request's lines over its bytes, split at '\n' (as {@code split("\n", -1)} of the decoded
 * text): a line is decoded (UTF-8) only when {@link #get asked for}, and {@link #bytes},
 * {@link #start} and {@link #end} let a reader parse it in place. A full-table batch (~36 MB,
 * ~900,000 lines) is then one byte array and one int array, not a String per line. Read-only.
 */
public final class RequestLines extends AbstractList<String> implements RandomAccess {
    private final byte[] bytes;
    /** starts[i]: first byte of line i; starts[n]: end of the last line + 1 (n = all lines). */
    private final int[] starts;
    private final int first;
    private final int count;

    private RequestLines(byte[] bytes, int[] starts, int first, int count) {
        this.bytes = bytes;
        this.starts = starts;
        this.first = first;
        this.count = count;
    }

    /** The lines of {@code bytes[0, length)}. */
    public static RequestLines of(byte[] bytes, int length) {
        int n = 1;
        for (int i = 0; i < length; i++) {
            if (bytes[i] == '\n') {
                n++;
            }
        }
        int[] starts = new int[n + 1];
        int line = 1;
        for (int i = 0; i < length; i++) {
            if (bytes[i] == '\n') {
                starts[line++] = i + 1;
            }
        }
        starts[n] = length + 1;
        return new RequestLines(bytes, starts, 0, n);
    }

    @Override
    public String get(int index) {
        int from = start(index);
        return new String(bytes, from, end(index) - from, StandardCharsets.UTF_8);
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public RequestLines subList(int fromIndex, int toIndex) {
        if (fromIndex < 0 || toIndex > count || fromIndex > toIndex) {
            throw new IndexOutOfBoundsException(fromIndex + ".." + toIndex + " of " + count);
        }
        return new RequestLines(bytes, starts, first + fromIndex, toIndex - fromIndex);
    }

    /** The bytes all lines are in. */
    public byte[] bytes() {
        return bytes;
    }

    /** First byte of line {@code index} in {@link #bytes()}. */
    public int start(int index) {
        return starts[first + check(index)];
    }

    /** End (exclusive, the '\n' or the end of the request) of line {@code index} in {@link #bytes()}. */
    public int end(int index) {
        return starts[first + check(index) + 1] - 1;
    }

    private int check(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException(index + " of " + count);
        }
        return index;
    }
}
