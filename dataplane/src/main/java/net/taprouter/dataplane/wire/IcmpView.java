package net.taprouter.dataplane.wire;

import org.agrona.MutableDirectBuffer;

/**
 * View of an ICMP message (RFC 792); the wrapped length is the whole message, header and body,
 * because the checksum covers both.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Rest of header                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Body: echo data, or the offending IP header + 8 bytes ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-
 *
 * Rest of header by type:
 *   echo request/reply   |          Identifier           |        Sequence Number        |
 *   dest. unreachable    |            unused (0)         |  Next-Hop MTU (code 4, 1191)  |
 *   time exceeded        |                         unused (0)                            |
 *   parameter problem    |    Pointer    |                  unused (0)                   |
 * </pre>
 */
public final class IcmpView extends HeaderView {
    public static final int HEADER_LENGTH = 8;

    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DEST_UNREACHABLE = 3;
    public static final int TYPE_SOURCE_QUENCH = 4;
    public static final int TYPE_REDIRECT = 5;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;
    public static final int TYPE_PARAMETER_PROBLEM = 12;

    public static final int CODE_NET_UNREACHABLE = 0;
    public static final int CODE_HOST_UNREACHABLE = 1;
    public static final int CODE_PROTOCOL_UNREACHABLE = 2;
    public static final int CODE_PORT_UNREACHABLE = 3;
    public static final int CODE_FRAGMENTATION_NEEDED = 4;
    public static final int CODE_TTL_EXCEEDED = 0;

    private static final int TYPE = 0;
    private static final int CODE = 1;
    private static final int CHECKSUM = 2;
    private static final int REST_OF_HEADER = 4;
    private static final int IDENTIFIER = 4;
    private static final int SEQUENCE = 6;
    private static final int NEXT_HOP_MTU = 6;
    private static final int POINTER = 4;

    /**
     * True for ICMP error messages (destination unreachable, source quench, redirect, time
     * exceeded, parameter problem), which must never be answered with another ICMP error.
     */
    public static boolean isError(int type) {
        return type == TYPE_DEST_UNREACHABLE || type == TYPE_SOURCE_QUENCH || type == TYPE_REDIRECT
                || type == TYPE_TIME_EXCEEDED || type == TYPE_PARAMETER_PROBLEM;
    }

    /**
     * Points this view at the ICMP message of {@code length} bytes (header and body) at
     * {@code offset}.
     *
     * @return false (view unchanged) if {@code length < 8} or the region is outside the buffer
     */
    public boolean wrap(MutableDirectBuffer buffer, int offset, int length) {
        return wrapRegion(buffer, offset, length, HEADER_LENGTH);
    }

    /** Length of the whole message, header and body. */
    public int length() {
        return length;
    }

    public int type() {
        return u8(TYPE);
    }

    public int code() {
        return u8(CODE);
    }

    public int checksum() {
        return u16(CHECKSUM);
    }

    /** Echo identifier (bytes 4-5). */
    public int identifier() {
        return u16(IDENTIFIER);
    }

    /** Echo sequence number (bytes 6-7). */
    public int sequence() {
        return u16(SEQUENCE);
    }

    /** Next-hop MTU of a "fragmentation needed" message (bytes 6-7, RFC 1191). */
    public int nextHopMtu() {
        return u16(NEXT_HOP_MTU);
    }

    /** Parameter problem pointer (byte 4): offset of the offending octet. */
    public int pointer() {
        return u8(POINTER);
    }

    /** The raw 32 bits of bytes 4-7. */
    public int restOfHeader() {
        return u32(REST_OF_HEADER);
    }

    public void type(int t) {
        putU8(TYPE, t);
    }

    public void code(int c) {
        putU8(CODE, c);
    }

    public void checksum(int c) {
        putU16(CHECKSUM, c);
    }

    public void identifier(int id) {
        putU16(IDENTIFIER, id);
    }

    public void sequence(int seq) {
        putU16(SEQUENCE, seq);
    }

    /** Writes {@code pointer} to byte 4 and zeroes bytes 5-7. */
    public void pointer(int pointer) {
        restOfHeader((pointer & 0xFF) << 24);
    }

    public void restOfHeader(int v) {
        putU32(REST_OF_HEADER, v);
    }

    /** Writes {@code mtu} to bytes 6-7 and zeroes the unused bytes 4-5. */
    public void nextHopMtu(int mtu) {
        restOfHeader(mtu & 0xFFFF);
    }

    /** Absolute buffer index of the body ({@code offset() + 8}). */
    public int payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    /** Body length, {@code length() - 8}. */
    public int payloadLength() {
        return length - HEADER_LENGTH;
    }

    /** The checksum over all {@link #length()} bytes with the checksum field taken as 0. */
    public int computeChecksum() {
        return Checksum.finish(sumWithoutChecksum(CHECKSUM, length, 0));
    }

    /** Writes {@link #computeChecksum()} into the checksum field. */
    public void updateChecksum() {
        checksum(computeChecksum());
    }

    /** True if the message, checksum field included, sums to 0xFFFF. */
    public boolean isChecksumValid() {
        return Checksum.compute(buffer, offset, length) == 0;
    }
}
