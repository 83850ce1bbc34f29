package net.taprouter.dataplane.wire;

import org.agrona.MutableDirectBuffer;

/**
 * View of a TCP header (RFC 9293), options included.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |     |N|C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsv |S|W|C|R|C|S|S|Y|I|            Window             |
 * |       |     | |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (Data Offset > 5)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>The header length is taken from Data Offset when the view is wrapped (or set with
 * {@link #dataOffset(int)}); it is always between 20 and the wrapped length.
 */
public final class TcpView extends HeaderView {
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_HEADER_LENGTH = 60;

    public static final int FIN = 0x001;
    public static final int SYN = 0x002;
    public static final int RST = 0x004;
    public static final int PSH = 0x008;
    public static final int ACK = 0x010;
    public static final int URG = 0x020;
    public static final int ECE = 0x040;
    public static final int CWR = 0x080;
    public static final int NS = 0x100;

    private static final int SOURCE_PORT = 0;
    private static final int DESTINATION_PORT = 2;
    private static final int SEQUENCE = 4;
    private static final int ACKNOWLEDGEMENT = 8;
    private static final int DATA_OFFSET_FLAGS = 12;
    private static final int WINDOW = 14;
    private static final int CHECKSUM = 16;
    private static final int URGENT_POINTER = 18;
    private static final int FLAGS_MASK = 0x1FF;

    private int headerLength;

    /**
     * Points this view at the TCP segment at {@code offset}. For the checksum methods wrap exactly
     * the segment (IPv4 total length minus IPv4 header length).
     *
     * @return false (view unchanged) if {@code length < 20}, Data Offset * 4 is below 20 or beyond
     *     {@code length}, or the region is outside the buffer
     */
    public boolean wrap(MutableDirectBuffer buffer, int offset, int length) {
        if (!fits(buffer, offset, length, MIN_HEADER_LENGTH)) {
            return false;
        }
        int dataOffsetBytes = ((buffer.getByte(offset + DATA_OFFSET_FLAGS) & 0xF0) >>> 4) * 4;
        if (dataOffsetBytes < MIN_HEADER_LENGTH || dataOffsetBytes > length) {
            return false;
        }
        region(buffer, offset, length);
        headerLength = dataOffsetBytes;
        return true;
    }

    /**
     * Points this view at a region where a new header is to be built: zeroes the 20-byte fixed
     * header and writes Data Offset 5.
     *
     * @return false (nothing written) if {@code length < 20} or the region is outside the buffer
     */
    public boolean wrapNew(MutableDirectBuffer buffer, int offset, int length) {
        if (!wrapZeroed(buffer, offset, length, MIN_HEADER_LENGTH)) {
            return false;
        }
        putU8(DATA_OFFSET_FLAGS, (MIN_HEADER_LENGTH / 4) << 4);
        headerLength = MIN_HEADER_LENGTH;
        return true;
    }

    /** Length of the wrapped region: the segment, header and data. */
    public int length() {
        return length;
    }

    public int sourcePort() {
        return u16(SOURCE_PORT);
    }

    public int destinationPort() {
        return u16(DESTINATION_PORT);
    }

    /** Sequence number, unsigned 32 bits. */
    public long sequenceNumber() {
        return u32(SEQUENCE) & 0xFFFF_FFFFL;
    }

    /** Acknowledgement number, unsigned 32 bits. */
    public long acknowledgementNumber() {
        return u32(ACKNOWLEDGEMENT) & 0xFFFF_FFFFL;
    }

    /** Data Offset field: header length in 32-bit words. */
    public int dataOffset() {
        return u8(DATA_OFFSET_FLAGS) >>> 4;
    }

    /** Header length in bytes, {@code dataOffset() * 4}. */
    public int headerLength() {
        return headerLength;
    }

    /** The 9 flag bits, NS (0x100) to FIN (0x001). */
    public int flags() {
        return u16(DATA_OFFSET_FLAGS) & FLAGS_MASK;
    }

    public int window() {
        return u16(WINDOW);
    }

    public int checksum() {
        return u16(CHECKSUM);
    }

    public int urgentPointer() {
        return u16(URGENT_POINTER);
    }

    public void sourcePort(int port) {
        putU16(SOURCE_PORT, port);
    }

    public void destinationPort(int port) {
        putU16(DESTINATION_PORT, port);
    }

    public void sequenceNumber(long v) {
        putU32(SEQUENCE, (int) v);
    }

    public void acknowledgementNumber(long v) {
        putU32(ACKNOWLEDGEMENT, (int) v);
    }

    /**
     * Writes Data Offset (in 32-bit words, reserved bits and flags kept) and makes
     * {@code dataOffset * 4} the header length.
     *
     * @throws IllegalArgumentException if {@code dataOffset * 4} is below 20 or beyond the wrapped
     *     length
     */
    public void dataOffset(int dataOffset) {
        int bytes = dataOffset * 4;
        if (dataOffset < 0 || bytes < MIN_HEADER_LENGTH || bytes > Math.min(length, MAX_HEADER_LENGTH)) {
            throw new IllegalArgumentException("data offset " + dataOffset + " does not fit a region of "
                    + length + " bytes");
        }
        putU8(DATA_OFFSET_FLAGS, (dataOffset << 4) | (u8(DATA_OFFSET_FLAGS) & 0x0F));
        headerLength = bytes;
    }

    /** Writes the 9 flag bits (data offset and reserved bits kept). */
    public void flags(int flags) {
        int word = (u16(DATA_OFFSET_FLAGS) & ~FLAGS_MASK) | (flags & FLAGS_MASK);
        putU16(DATA_OFFSET_FLAGS, word);
    }

    public void window(int v) {
        putU16(WINDOW, v);
    }

    public void checksum(int v) {
        putU16(CHECKSUM, v);
    }

    public void urgentPointer(int v) {
        putU16(URGENT_POINTER, v);
    }

    /** Absolute buffer index of the first data byte ({@code offset() + headerLength()}). */
    public int payloadOffset() {
        return offset + headerLength;
    }

    /** The checksum over the pseudo-header and all {@link #length()} bytes, checksum field as 0. */
    public int computeChecksum(int sourceAddress, int destinationAddress) {
        int sum = Checksum.pseudoHeaderSum(sourceAddress, destinationAddress, Ipv4View.PROTO_TCP, length);
        return Checksum.finish(sumWithoutChecksum(CHECKSUM, length, sum));
    }

    /** Writes {@link #computeChecksum(int, int)} into the checksum field. */
    public void updateChecksum(int sourceAddress, int destinationAddress) {
        checksum(computeChecksum(sourceAddress, destinationAddress));
    }

    /** True if the pseudo-header and the segment, checksum field included, sum to 0xFFFF. */
    public boolean isChecksumValid(int sourceAddress, int destinationAddress) {
        int sum = Checksum.pseudoHeaderSum(sourceAddress, destinationAddress, Ipv4View.PROTO_TCP, length);
        return Checksum.finish(Checksum.sum(buffer, offset, length, sum)) == 0;
    }
}
