package net.taprouter.dataplane.capture;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;

/**
 * The two capture file formats tcpdump and Wireshark read, written in the host's little-endian
 * order: classic pcap with nanosecond timestamps (one link, no annotations), and pcapng (one
 * interface description per port, a comment per packet: how routerd captures drops with their
 * reason). Used by the control thread; the bytes go to the client as they are made.
 */
public final class Pcap {
    /** LINKTYPE_ETHERNET. */
    public static final int ETHERNET = 1;

    private Pcap() {
    }

    /** Classic pcap file header, nanosecond resolution (magic 0xa1b23c4d). */
    public static byte[] fileHeader(int snapLength) {
        ByteBuffer b = le(24);
        b.putInt(0xa1b2_3c4d).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(snapLength).putInt(ETHERNET);
        return b.array();
    }

    /** One classic pcap record. */
    public static byte[] record(long epochNanos, int wireLength, DirectBuffer bytes, int offset, int length) {
        ByteBuffer b = le(16 + length);
        b.putInt((int) (epochNanos / 1_000_000_000L)).putInt((int) (epochNanos % 1_000_000_000L)).putInt(length).putInt(wireLength);
        bytes.getBytes(offset, b, 16, length);
        return b.array();
    }

    /** pcapng section header block. */
    public static byte[] sectionHeader() {
        ByteBuffer b = le(28);
        b.putInt(0x0A0D_0D0A).putInt(28).putInt(0x1A2B_3C4D).putShort((short) 1).putShort((short) 0).putLong(-1L).putInt(28);
        return b.array();
    }

    /** pcapng interface description block (Ethernet, ns timestamps, the port's name). */
    public static byte[] interfaceDescription(String name, int snapLength) {
        ByteArrayOutputStream options = new ByteArrayOutputStream();
        option(options, 2, name.getBytes(StandardCharsets.UTF_8)); // if_name
        option(options, 9, new byte[] {9});                           // if_tsresol: 10^-9
        option(options, 0, new byte[0]);                              // opt_endofopt
        int length = 16 + options.size() + 4;
        ByteBuffer b = le(length);
        b.putInt(1).putInt(length).putShort((short) ETHERNET).putShort((short) 0).putInt(snapLength);
        b.put(options.toByteArray()).putInt(length);
        return b.array();
    }

    /** pcapng enhanced packet block on interface {@code interfaceId}, with an optional comment. */
    public static byte[] enhancedPacket(int interfaceId, long epochNanos, int wireLength, DirectBuffer bytes, int offset,
                                        int length, String comment) {
        ByteArrayOutputStream options = new ByteArrayOutputStream();
        if (comment != null) {
            option(options, 1, comment.getBytes(StandardCharsets.UTF_8)); // opt_comment
            option(options, 0, new byte[0]);
        }
        int padded = (length + 3) & ~3;
        int total = 28 + padded + options.size() + 4;
        ByteBuffer b = le(total);
        b.putInt(6).putInt(total).putInt(interfaceId).putInt((int) (epochNanos >>> 32)).putInt((int) epochNanos)
            .putInt(length).putInt(wireLength);
        bytes.getBytes(offset, b, 28, length);
        b.position(28 + padded);
        b.put(options.toByteArray()).putInt(total);
        return b.array();
    }

    private static void option(ByteArrayOutputStream out, int code, byte[] value) {
        ByteBuffer b = le(4 + ((value.length + 3) & ~3));
        b.putShort((short) code).putShort((short) value.length).put(value);
        out.writeBytes(b.array());
    }

    private static ByteBuffer le(int length) {
        return ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    }
}
