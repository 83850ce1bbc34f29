package net.taprouter.dataplane.wire;

import org.agrona.MutableDirectBuffer;

/**
 * View of a UDP header (RFC 768). Note that {@link #length()} is the header's Length field; the
 * size of the wrapped region is {@link #wrappedLength()}.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Length             |           Checksum            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Data ...
 * +-+-+-+-+-+-+-+-+-
 * </pre>
 */
public final class UdpView extends HeaderView {
    public static final int HEADER_LENGTH = 8;

    private static final int SOURCE_PORT = 0;
    private static final int DESTINATION_PORT = 2;
    private static final int LENGTH = 4;
    private static final int CHECKSUM = 6;

    /**
     * Points this view at the UDP datagram at {@code offset}. For the checksum methods wrap
     * exactly the datagram (IPv4 total length minus IPv4 header length).
     *
     * @return false (view unchanged) if {@code length < 8} or the region is outside the buffer
     */
    public boolean wrap(MutableDirectBuffer buffer, int offset, int length) {
        return wrapRegion(buffer, offset, length, HEADER_LENGTH);
    }

    /** Size of the wrapped region (compare {@link #length()}, the header field). */
    public int wrappedLength() {
        return length; // the region, HeaderView's field; length() below is the header field
    }

    public int sourcePort() {
        return u16(SOURCE_PORT);
    }

    public int destinationPort() {
        return u16(DESTINATION_PORT);
    }

    /** The Length field: header plus data in bytes. */
    public int length() {
        return u16(LENGTH);
    }

    /** The Checksum field; 0 means the sender did not compute one. */
    public int checksum() {
        return u16(CHECKSUM);
    }

    public void sourcePort(int port) {
        putU16(SOURCE_PORT, port);
    }

    public void destinationPort(int port) {
        putU16(DESTINATION_PORT, port);
    }

    public void length(int v) {
        putU16(LENGTH, v);
    }

    public void checksum(int v) {
        putU16(CHECKSUM, v);
    }

    /** Absolute buffer index of the first data byte ({@code offset() + 8}). */
    public int payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    /**
     * The checksum over the pseudo-header and the {@link #wrappedLength()} bytes, checksum field
     * taken as 0; a result of 0 is returned as 0xFFFF, since 0 on the wire means "no checksum".
     */
    public int computeChecksum(int sourceAddress, int destinationAddress) {
        int sum = Checksum.pseudoHeaderSum(sourceAddress, destinationAddress, Ipv4View.PROTO_UDP, length);
        int checksum = Checksum.finish(sumWithoutChecksum(CHECKSUM, length, sum));
        return checksum == 0 ? 0xFFFF : checksum;
    }

    /** Writes {@link #computeChecksum(int, int)} into the checksum field. */
    public void updateChecksum(int sourceAddress, int destinationAddress) {
        checksum(computeChecksum(sourceAddress, destinationAddress));
    }

    /** True if the checksum field is 0 (none) or the pseudo-header and datagram sum to 0xFFFF. */
    public boolean isChecksumValid(int sourceAddress, int destinationAddress) {
        if (checksum() == 0) {
            return true;
        }
        int sum = Checksum.pseudoHeaderSum(sourceAddress, destinationAddress, Ipv4View.PROTO_UDP, length);
        return Checksum.finish(Checksum.sum(buffer, offset, length, sum)) == 0;
    }
}
