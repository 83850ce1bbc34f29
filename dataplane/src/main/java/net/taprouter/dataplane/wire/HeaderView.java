package net.taprouter.dataplane.wire;

import java.nio.ByteOrder;

import org.agrona.MutableDirectBuffer;

/**
 * What every header view shares: the wrapped region ({@code buffer}, {@code offset},
 * {@code length}), the region check done by {@code wrap}, and big-endian field access relative
 * to {@code offset}.
 *
 * <p>Field helpers take the field's byte position inside the header and are {@code final}, so
 * they bind statically and inline; they do no bounds checking of their own (the region was
 * checked at {@code wrap}). Each view keeps its own {@code wrap} rules, its own {@code length()}
 * accessor ({@link UdpView} calls the region length {@code wrappedLength()}, since its
 * {@code length()} is the header's Length field) and its own header layout.
 */
public abstract sealed class HeaderView
        permits EthernetView, VlanView, ArpView, Ipv4View, IcmpView, UdpView, TcpView, VirtioNetHeaderView {
    MutableDirectBuffer buffer;
    int offset;
    /** Length of the wrapped region, header included. */
    int length;

    HeaderView() {
    }

    public final MutableDirectBuffer buffer() {
        return buffer;
    }

    public final int offset() {
        return offset;
    }

    /**
     * True if {@code [offset, offset + length)} lies inside {@code buffer} and holds at least
     * {@code minLength} bytes.
     */
    static boolean fits(MutableDirectBuffer buffer, int offset, int length, int minLength) {
        return length >= minLength && offset >= 0 && offset <= buffer.capacity() - length;
    }

    /**
     * Sets the region. The buffer reference is stored only when it changes (a worker's views wrap
     * its one frame buffer again and again): a reference store costs a collector's write barrier
     * (G1's post barrier has a StoreLoad fence when the view and the buffer sit in different heap
     * regions), an int store does not.
     */
    final void region(MutableDirectBuffer buffer, int offset, int length) {
        if (this.buffer != buffer) {
            this.buffer = buffer;
        }
        this.offset = offset;
        this.length = length;
    }

    /** Wraps the region if {@link #fits} it; otherwise returns false and leaves the view unchanged. */
    final boolean wrapRegion(MutableDirectBuffer buffer, int offset, int length, int minLength) {
        if (!fits(buffer, offset, length, minLength)) {
            return false;
        }
        region(buffer, offset, length);
        return true;
    }

    /**
     * Wraps the region as {@link #wrapRegion} does and zeroes its first {@code headerLength}
     * bytes; writes nothing if the region does not fit.
     */
    final boolean wrapZeroed(MutableDirectBuffer buffer, int offset, int length, int headerLength) {
        if (!wrapRegion(buffer, offset, length, headerLength)) {
            return false;
        }
        zero(buffer, offset, headerLength);
        return true;
    }

    /**
     * Zeroes {@code length} bytes at {@code offset} with plain stores: a header is a few words,
     * and Agrona's {@code setMemory} is a call into the VM per use on JDK 17 (Unsafe.setMemory is
     * not an intrinsic there).
     */
    static void zero(MutableDirectBuffer buffer, int offset, int length) {
        int at = offset;
        int end = offset + length;
        for (; at + 8 <= end; at += 8) {
            buffer.putLong(at, 0L);
        }
        if (end - at >= 4) {
            buffer.putInt(at, 0);
            at += 4;
        }
        if (end - at >= 2) {
            buffer.putShort(at, (short) 0);
            at += 2;
        }
        if (at < end) {
            buffer.putByte(at, (byte) 0);
        }
    }

    protected final int u8(int field) {
        return buffer.getByte(offset + field) & 0xFF;
    }

    protected final int u16(int field) {
        return buffer.getShort(offset + field, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** The 32 bits at {@code field} as an {@code int} (mask with 0xFFFF_FFFFL for the unsigned value). */
    protected final int u32(int field) {
        return buffer.getInt(offset + field, ByteOrder.BIG_ENDIAN);
    }

    protected final void putU8(int field, int value) {
        buffer.putByte(offset + field, (byte) value);
    }

    protected final void putU16(int field, int value) {
        buffer.putShort(offset + field, (short) value, ByteOrder.BIG_ENDIAN);
    }

    protected final void putU32(int field, int value) {
        buffer.putInt(offset + field, value, ByteOrder.BIG_ENDIAN);
    }

    /** The 48-bit MAC address at {@code field} (see {@link MacAddress}). */
    protected final long mac(int field) {
        return MacAddress.get(buffer, offset + field);
    }

    protected final void putMac(int field, long mac) {
        MacAddress.put(buffer, offset + field, mac);
    }

    /**
     * The unfolded {@link Checksum#sum} of the first {@code count} bytes of the region with the
     * 16-bit checksum field at {@code checksumField} (an even position) taken as zero.
     */
    protected final int sumWithoutChecksum(int checksumField, int count, int initial) {
        int sum = Checksum.sum(buffer, offset, checksumField, initial);
        return Checksum.sum(buffer, offset + checksumField + 2, count - checksumField - 2, sum);
    }
}
