package net.taprouter.dataplane.wire;

import org.agrona.MutableDirectBuffer;

/**
 * View of an 802.1Q-tagged Ethernet header, and the in-place push and pop of a tag.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Destination MAC, Source MAC (12 bytes) ...           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        TPID 0x8100            | PCP |D|        VLAN id        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     inner EtherType           |   Payload ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-
 * </pre>
 *
 * A tag is pushed into the frame's headroom (the 12 address bytes move 4 bytes towards the front)
 * and popped by moving them back: the payload never moves.
 */
public final class VlanView extends HeaderView {
    /** Tagged header length: addresses, TPID, TCI, inner EtherType. */
    public static final int HEADER_LENGTH = 18;
    /** Bytes a tag adds to a frame. */
    public static final int TAG_LENGTH = 4;
    public static final int TPID = EthernetView.ETHERTYPE_VLAN;
    public static final int MAX_VID = 4094;

    private static final int TPID_FIELD = 12;
    private static final int TCI = 14;
    private static final int INNER_ETHERTYPE = 16;

    /**
     * Points this view at a tagged frame.
     *
     * @return false (view unchanged) if the frame is shorter than {@link #HEADER_LENGTH}, the region
     *     does not lie inside the buffer, or its EtherType is not {@link #TPID}
     */
    public boolean wrap(MutableDirectBuffer buffer, int offset, int length) {
        if (!fits(buffer, offset, length, HEADER_LENGTH)
            || (buffer.getShort(offset + TPID_FIELD, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF) != TPID) {
            return false;
        }
        region(buffer, offset, length);
        return true;
    }

    /** VLAN identifier (0: priority tag only). */
    public int vid() {
        return u16(TCI) & 0x0FFF;
    }

    /** Priority code point (802.1p). */
    public int pcp() {
        return u16(TCI) >>> 13;
    }

    /** Drop eligible indicator. */
    public boolean dei() {
        return (u16(TCI) & 0x1000) != 0;
    }

    public void tci(int pcp, boolean dei, int vid) {
        putU16(TCI, tciOf(pcp, dei, vid));
    }

    public int innerEtherType() {
        return u16(INNER_ETHERTYPE);
    }

    public int length() {
        return length;
    }

    /**
     * Removes the tag of the tagged frame at {@code frameOffset}: the addresses move 4 bytes
     * towards the payload. Returns the new frame offset ({@code frameOffset + 4}); the frame is 4
     * bytes shorter. The caller has checked the frame is tagged (a wrapped {@link VlanView}).
     */
    public static int pop(MutableDirectBuffer buffer, int frameOffset) {
        long first = buffer.getLong(frameOffset);
        int last = buffer.getInt(frameOffset + 8);
        int at = frameOffset + TAG_LENGTH;
        buffer.putLong(at, first);
        buffer.putInt(at + 8, last);
        return at;
    }

    /**
     * Tags the untagged frame at {@code frameOffset} with {@code vid} and {@code pcp}: the
     * addresses move 4 bytes into the headroom, which must have room. Returns the new frame
     * offset ({@code frameOffset - 4}); the frame is 4 bytes longer.
     */
    public static int push(MutableDirectBuffer buffer, int frameOffset, int vid, int pcp) {
        long first = buffer.getLong(frameOffset);
        int last = buffer.getInt(frameOffset + 8);
        int at = frameOffset - TAG_LENGTH;
        buffer.putLong(at, first);
        buffer.putInt(at + 8, last);
        buffer.putShort(at + TPID_FIELD, (short) TPID, java.nio.ByteOrder.BIG_ENDIAN);
        buffer.putShort(at + TCI, (short) tciOf(pcp, false, vid), java.nio.ByteOrder.BIG_ENDIAN);
        return at;
    }

    private static int tciOf(int pcp, boolean dei, int vid) {
        return (pcp & 7) << 13 | (dei ? 0x1000 : 0) | (vid & 0x0FFF);
    }
}
