package net.taprouter.dataplane.wire;

import org.agrona.MutableDirectBuffer;

/**
 * View of an Ethernet II frame header (no FCS; TAP devices neither deliver nor expect it).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   Destination MAC address                     |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                     Source MAC address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          EtherType            |   Payload ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-
 * </pre>
 */
public final class EthernetView extends HeaderView {
    public static final int HEADER_LENGTH = 14;
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;
    public static final int ETHERTYPE_VLAN = 0x8100;
    public static final int ETHERTYPE_IPV6 = 0x86DD;

    private static final int DESTINATION = 0;
    private static final int SOURCE = 6;
    private static final int ETHERTYPE = 12;

    /**
     * Points this view at the frame of {@code length} bytes at {@code offset}.
     *
     * @return false (view unchanged) if the frame is shorter than {@link #HEADER_LENGTH} or the
     *     region does not lie inside the buffer
     */
    public boolean wrap(MutableDirectBuffer buffer, int offset, int length) {
        return wrapRegion(buffer, offset, length, HEADER_LENGTH);
    }

    /** Length of the whole wrapped frame, header included. */
    public int length() {
        return length;
    }

    public long destination() {
        return mac(DESTINATION);
    }

    public void destination(long mac) {
        putMac(DESTINATION, mac);
    }

    public long source() {
        return mac(SOURCE);
    }

    public void source(long mac) {
        putMac(SOURCE, mac);
    }

    public int etherType() {
        return u16(ETHERTYPE);
    }

    public void etherType(int type) {
        putU16(ETHERTYPE, type);
    }

    /** Absolute buffer index of the first payload byte ({@code offset() + 14}). */
    public int payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    /** Bytes after the header (may include Ethernet minimum-size padding). */
    public int payloadLength() {
        return length - HEADER_LENGTH;
    }
}
