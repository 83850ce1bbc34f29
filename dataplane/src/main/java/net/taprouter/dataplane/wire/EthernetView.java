package net.taprouter.dataplane.wire;

import java.nio.ByteOrder;

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
public final class EthernetView {
    public static final int HEADER_LENGTH = 14;
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;
    public static final int ETHERTYPE_VLAN = 0x8100;

    private static final int DESTINATION = 0;
    private static final int SOURCE = 6;
    private static final int ETHERTYPE = 12;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    /**
     * Points this view at the frame of {@code length} bytes at {@code offset}.
     *
     * @return false (view unchanged) if the frame is shorter than {@link #HEADER_LENGTH} or the
     *     region does not lie inside the buffer
     */
    public boolean wrap(MutableDirectBuffer buffer, int offset, int length) {
        if (length < HEADER_LENGTH || offset < 0 || offset > buffer.capacity() - length) {
            return false;
        }
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return true;
    }

    public MutableDirectBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    /** Length of the whole wrapped frame, header included. */
    public int length() {
        return length;
    }

    public long destination() {
        return MacAddress.get(buffer, offset + DESTINATION);
    }

    public void destination(long mac) {
        MacAddress.put(buffer, offset + DESTINATION, mac);
    }

    public long source() {
        return MacAddress.get(buffer, offset + SOURCE);
    }

    public void source(long mac) {
        MacAddress.put(buffer, offset + SOURCE, mac);
    }

    public int etherType() {
        return buffer.getShort(offset + ETHERTYPE, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public void etherType(int type) {
        buffer.putShort(offset + ETHERTYPE, (short) type, ByteOrder.BIG_ENDIAN);
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
