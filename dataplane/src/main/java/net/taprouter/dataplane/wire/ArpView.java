package net.taprouter.dataplane.wire;

import java.nio.ByteOrder;

import org.agrona.MutableDirectBuffer;

/**
 * View of an ARP packet (RFC 826) for Ethernet and IPv4, 28 bytes; other hardware/protocol
 * combinations can be recognised with {@link #isEthernetIpv4()} but the address accessors assume
 * the 6/4 byte layout.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Hardware type (1)        |     Protocol type (0x0800)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  HW len (6)   | Proto len (4) |          Operation            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Sender hardware address                      |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |   Sender protocol address     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                  Target hardware address                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Target protocol address                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class ArpView {
    public static final int LENGTH = 28;
    public static final int OP_REQUEST = 1;
    public static final int OP_REPLY = 2;
    public static final int HARDWARE_TYPE_ETHERNET = 1;

    private static final int HARDWARE_TYPE = 0;
    private static final int PROTOCOL_TYPE = 2;
    private static final int HARDWARE_LENGTH = 4;
    private static final int PROTOCOL_LENGTH = 5;
    private static final int OPERATION = 6;
    private static final int SENDER_MAC = 8;
    private static final int SENDER_IP = 14;
    private static final int TARGET_MAC = 18;
    private static final int TARGET_IP = 24;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    /**
     * Points this view at the ARP packet at {@code offset} (the Ethernet payload).
     *
     * @return false (view unchanged) if {@code length < 28} or the region is outside the buffer
     */
    public boolean wrap(MutableDirectBuffer buffer, int offset, int length) {
        if (length < LENGTH || offset < 0 || offset > buffer.capacity() - length) {
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

    /** Length of the wrapped region (28 or more, e.g. with Ethernet padding). */
    public int length() {
        return length;
    }

    public int hardwareType() {
        return u16(HARDWARE_TYPE);
    }

    public int protocolType() {
        return u16(PROTOCOL_TYPE);
    }

    public int hardwareLength() {
        return buffer.getByte(offset + HARDWARE_LENGTH) & 0xFF;
    }

    public int protocolLength() {
        return buffer.getByte(offset + PROTOCOL_LENGTH) & 0xFF;
    }

    public int operation() {
        return u16(OPERATION);
    }

    /** True for hardware type Ethernet (1), protocol IPv4 (0x0800), lengths 6 and 4. */
    public boolean isEthernetIpv4() {
        return hardwareType() == HARDWARE_TYPE_ETHERNET
                && protocolType() == EthernetView.ETHERTYPE_IPV4
                && hardwareLength() == MacAddress.LENGTH
                && protocolLength() == 4;
    }

    public long senderMac() {
        return MacAddress.get(buffer, offset + SENDER_MAC);
    }

    public int senderIp() {
        return buffer.getInt(offset + SENDER_IP, ByteOrder.BIG_ENDIAN);
    }

    public long targetMac() {
        return MacAddress.get(buffer, offset + TARGET_MAC);
    }

    public int targetIp() {
        return buffer.getInt(offset + TARGET_IP, ByteOrder.BIG_ENDIAN);
    }

    public void operation(int op) {
        buffer.putShort(offset + OPERATION, (short) op, ByteOrder.BIG_ENDIAN);
    }

    public void senderMac(long m) {
        MacAddress.put(buffer, offset + SENDER_MAC, m);
    }

    public void senderIp(int a) {
        buffer.putInt(offset + SENDER_IP, a, ByteOrder.BIG_ENDIAN);
    }

    public void targetMac(long m) {
        MacAddress.put(buffer, offset + TARGET_MAC, m);
    }

    public void targetIp(int a) {
        buffer.putInt(offset + TARGET_IP, a, ByteOrder.BIG_ENDIAN);
    }

    /** Writes a complete Ethernet/IPv4 ARP packet (all 28 bytes, fixed fields included). */
    public void build(int operation, long senderMac, int senderIp, long targetMac, int targetIp) {
        buffer.putShort(offset + HARDWARE_TYPE, (short) HARDWARE_TYPE_ETHERNET, ByteOrder.BIG_ENDIAN);
        buffer.putShort(offset + PROTOCOL_TYPE, (short) EthernetView.ETHERTYPE_IPV4, ByteOrder.BIG_ENDIAN);
        buffer.putByte(offset + HARDWARE_LENGTH, (byte) MacAddress.LENGTH);
        buffer.putByte(offset + PROTOCOL_LENGTH, (byte) 4);
        operation(operation);
        senderMac(senderMac);
        senderIp(senderIp);
        targetMac(targetMac);
        targetIp(targetIp);
    }

    private int u16(int field) {
        return buffer.getShort(offset + field, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }
}
