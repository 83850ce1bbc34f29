package net.taprouter.dataplane.wire;

import org.agrona.MutableDirectBuffer;

/**
 * View of an IPv4 header (RFC 791), options included.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (IHL > 5)                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   Flags: bit 0 reserved, bit 1 DF (don't fragment), bit 2 MF (more fragments)
 * </pre>
 *
 * <p>The header length is taken from IHL when the view is wrapped (or set with
 * {@link #versionAndIhl}); it is always between 20 and the wrapped length, so header checksum
 * computation stays inside the wrapped region.
 */
public final class Ipv4View extends HeaderView {
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_HEADER_LENGTH = 60;
    public static final int VERSION_4 = 4;
    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    /** Don't Fragment bit in {@link #flagsFragment()}. */
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    /** More Fragments bit in {@link #flagsFragment()}. */
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    /** Fragment offset (in 8-byte units) bits of {@link #flagsFragment()}. */
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    private static final int VERSION_IHL = 0;
    private static final int TOS = 1;
    private static final int TOTAL_LENGTH = 2;
    private static final int IDENTIFICATION = 4;
    private static final int FLAGS_FRAGMENT = 6;
    private static final int TTL = 8;
    private static final int PROTOCOL = 9;
    private static final int CHECKSUM = 10;
    private static final int SOURCE = 12;
    private static final int DESTINATION = 16;

    private int headerLength;

    /**
     * Points this view at the IPv4 packet at {@code offset}. Checks only that the header fits:
     * {@code length >= 20} and {@code 20 <= IHL*4 <= length}. Version, total length and checksum
     * are left to the caller.
     *
     * @return false (view unchanged) if the header does not fit or the region is outside the buffer
     */
    public boolean wrap(MutableDirectBuffer buffer, int offset, int length) {
        if (!fits(buffer, offset, length, MIN_HEADER_LENGTH)) {
            return false;
        }
        int ihlBytes = (buffer.getByte(offset + VERSION_IHL) & 0x0F) * 4;
        if (ihlBytes < MIN_HEADER_LENGTH || ihlBytes > length) {
            return false;
        }
        region(buffer, offset, length);
        headerLength = ihlBytes;
        return true;
    }

    /**
     * Points this view at a region where a new header is to be built: zeroes the 20-byte fixed
     * header and writes version 4, IHL 5.
     *
     * @return false (nothing written) if {@code length < 20} or the region is outside the buffer
     */
    public boolean wrapNew(MutableDirectBuffer buffer, int offset, int length) {
        if (!wrapZeroed(buffer, offset, length, MIN_HEADER_LENGTH)) {
            return false;
        }
        putU8(VERSION_IHL, (VERSION_4 << 4) | (MIN_HEADER_LENGTH / 4));
        headerLength = MIN_HEADER_LENGTH;
        return true;
    }

    /** Length of the wrapped region (not the Total Length field). */
    public int length() {
        return length;
    }

    public int version() {
        return u8(VERSION_IHL) >>> 4;
    }

    /** Internet Header Length in 32-bit words. */
    public int ihl() {
        return u8(VERSION_IHL) & 0x0F;
    }

    /** Header length in bytes, {@code ihl() * 4}. */
    public int headerLength() {
        return headerLength;
    }

    public int tos() {
        return u8(TOS);
    }

    public int totalLength() {
        return u16(TOTAL_LENGTH);
    }

    public int identification() {
        return u16(IDENTIFICATION);
    }

    /** The raw 16 bits of flags and fragment offset. */
    public int flagsFragment() {
        return u16(FLAGS_FRAGMENT);
    }

    public boolean dontFragment() {
        return (flagsFragment() & FLAG_DONT_FRAGMENT) != 0;
    }

    public boolean moreFragments() {
        return (flagsFragment() & FLAG_MORE_FRAGMENTS) != 0;
    }

    /** Fragment offset in 8-byte units. */
    public int fragmentOffset() {
        return flagsFragment() & FRAGMENT_OFFSET_MASK;
    }

    /** True if this packet is a fragment: MF set or a non-zero fragment offset. */
    public boolean isFragment() {
        return (flagsFragment() & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public int ttl() {
        return u8(TTL);
    }

    public int protocol() {
        return u8(PROTOCOL);
    }

    public int headerChecksum() {
        return u16(CHECKSUM);
    }

    public int source() {
        return u32(SOURCE);
    }

    public int destination() {
        return u32(DESTINATION);
    }

    /**
     * Writes version and IHL (in 32-bit words) and makes {@code ihl * 4} the header length.
     *
     * @throws IllegalArgumentException if {@code ihl * 4} is below 20 or beyond the wrapped length
     */
    public void versionAndIhl(int version, int ihl) {
        int ihlBytes = ihl * 4;
        if (ihl < 0 || ihlBytes < MIN_HEADER_LENGTH || ihlBytes > Math.min(length, MAX_HEADER_LENGTH)) {
            throw new IllegalArgumentException("IHL " + ihl + " does not fit a region of " + length + " bytes");
        }
        putU8(VERSION_IHL, ((version & 0x0F) << 4) | ihl);
        headerLength = ihlBytes;
    }

    public void tos(int v) {
        putU8(TOS, v);
    }

    public void totalLength(int v) {
        putU16(TOTAL_LENGTH, v);
    }

    public void identification(int v) {
        putU16(IDENTIFICATION, v);
    }

    public void flagsFragment(int v) {
        putU16(FLAGS_FRAGMENT, v);
    }

    public void ttl(int v) {
        putU8(TTL, v);
    }

    public void protocol(int v) {
        putU8(PROTOCOL, v);
    }

    public void headerChecksum(int v) {
        putU16(CHECKSUM, v);
    }

    public void source(int a) {
        putU32(SOURCE, a);
    }

    public void destination(int a) {
        putU32(DESTINATION, a);
    }

    /** The header checksum over {@link #headerLength()} bytes with the checksum field taken as 0. */
    public int computeHeaderChecksum() {
        return Checksum.finish(sumWithoutChecksum(CHECKSUM, headerLength, 0));
    }

    /** Writes {@link #computeHeaderChecksum()} into the checksum field. */
    public void updateHeaderChecksum() {
        headerChecksum(computeHeaderChecksum());
    }

    /** True if the header, checksum field included, sums to 0xFFFF (RFC 1071 verification). */
    public boolean isHeaderChecksumValid() {
        return Checksum.verifies(buffer, offset, headerLength);
    }

    /**
     * Decrements TTL by one and patches the checksum incrementally (RFC 1624 eqn. 3). A header
     * whose checksum was wrong stays wrong. Does nothing when TTL is already 0; a forwarder checks
     * {@code ttl() <= 1} first and answers with Time Exceeded.
     */
    public void decrementTtl() {
        // TTL, protocol and header checksum are one 32-bit word: read once, written once
        int word = u32(TTL);
        int oldWord = word >>> 16;
        if (oldWord < 0x100) {
            return;
        }
        int newWord = oldWord - 0x100;
        putU32(TTL, newWord << 16 | Checksum.update16(word & 0xFFFF, oldWord, newWord));
    }

    /** Absolute buffer index of the first byte after the header ({@code offset() + headerLength()}). */
    public int payloadOffset() {
        return offset + headerLength;
    }
}
