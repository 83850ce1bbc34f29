package net.taprouter.dataplane.wire;

import java.nio.ByteOrder;
import org.agrona.MutableDirectBuffer;

/**
 * View of the virtio-net header ({@code struct virtio_net_hdr}, 10 bytes) a TAP opened with
 * {@code IFF_VNET_HDR} puts in front of every frame it hands over and expects in front of every
 * frame written to it. Unlike every other view its fields are <b>little-endian</b> (the TAP's
 * native order on x86 and arm64; a TAP opened with offloads is set to little-endian explicitly).
 *
 * <pre>
 *  byte 0  flags        bit 0 NEEDS_CSUM: the L4 checksum field holds only the folded pseudo-header
 *                       sum (CHECKSUM_PARTIAL); complete it from csum_start to the end of the packet
 *                       and store it at csum_start + csum_offset. bit 1 DATA_VALID (kernel to reader)
 *  byte 1  gso_type     0 NONE, 1 TCPV4, 3 UDP (UFO), 4 TCPV6, 5 UDP_L4 (USO); | 0x80 ECN
 *  2..3    hdr_len      length of the headers (a hint; the kernel sets the linear length on read)
 *  4..5    gso_size     bytes of L4 payload per segment (the MSS)
 *  6..7    csum_start   where checksumming starts, from the first byte of the Ethernet header
 *  8..9    csum_offset  where the checksum field is, from csum_start (TCP 16, UDP 6)
 * </pre>
 *
 * A 12-byte header ({@code virtio_net_hdr_v1}, with {@code num_buffers}) starts the same way; routerd
 * uses the 10-byte one ({@code TUNSETVNETHDRSZ 10}), see {@code tap.TapDevice}.
 */
public final class VirtioNetHeaderView extends HeaderView {
    /** Bytes of the header routerd uses. */
    public static final int LENGTH = 10;
    public static final int FLAG_NEEDS_CSUM = 0x01;
    public static final int FLAG_DATA_VALID = 0x02;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_UDP_L4 = 5;
    /** Bit of {@link #gsoType()}: the TCP super-packet carries CWR (set on the first segment only). */
    public static final int GSO_ECN = 0x80;

    private static final int FLAGS = 0;
    private static final int GSO_TYPE = 1;
    private static final int HDR_LEN = 2;
    private static final int GSO_SIZE = 4;
    private static final int CSUM_START = 6;
    private static final int CSUM_OFFSET = 8;

    /**
     * Points this view at the header at {@code offset} (in front of a frame: the frame starts at
     * {@code offset + length}).
     *
     * @return false (view unchanged) if {@code length < 10} or the region is outside the buffer
     */
    public boolean wrap(MutableDirectBuffer buffer, int offset, int length) {
        return wrapRegion(buffer, offset, length, LENGTH);
    }

    /** Points the view at a header to be written and zeroes its 10 bytes (no offload: a plain frame). */
    public boolean wrapNew(MutableDirectBuffer buffer, int offset, int length) {
        return wrapZeroed(buffer, offset, length, LENGTH);
    }

    public int flags() {
        return u8(FLAGS);
    }

    public boolean needsChecksum() {
        return (u8(FLAGS) & FLAG_NEEDS_CSUM) != 0;
    }

    /** The GSO type with its ECN bit. */
    public int gsoType() {
        return u8(GSO_TYPE);
    }

    public int headerLength() {
        return le16(HDR_LEN);
    }

    public int gsoSize() {
        return le16(GSO_SIZE);
    }

    public int checksumStart() {
        return le16(CSUM_START);
    }

    public int checksumOffset() {
        return le16(CSUM_OFFSET);
    }

    public void flags(int flags) {
        putU8(FLAGS, flags);
    }

    public void gsoType(int type) {
        putU8(GSO_TYPE, type);
    }

    public void headerLength(int length) {
        putLe16(HDR_LEN, length);
    }

    public void gsoSize(int size) {
        putLe16(GSO_SIZE, size);
    }

    public void checksumStart(int start) {
        putLe16(CSUM_START, start);
    }

    public void checksumOffset(int offset) {
        putLe16(CSUM_OFFSET, offset);
    }

    /** Writes all six fields at once. */
    public void set(int flags, int gsoType, int headerLength, int gsoSize, int checksumStart, int checksumOffset) {
        putU8(FLAGS, flags);
        putU8(GSO_TYPE, gsoType);
        putLe16(HDR_LEN, headerLength);
        putLe16(GSO_SIZE, gsoSize);
        putLe16(CSUM_START, checksumStart);
        putLe16(CSUM_OFFSET, checksumOffset);
    }

    private int le16(int field) {
        return buffer.getShort(offset + field, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    private void putLe16(int field, int value) {
        buffer.putShort(offset + field, (short) value, ByteOrder.LITTLE_ENDIAN);
    }
}
