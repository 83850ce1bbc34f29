package net.taprouter.dataplane.wire;

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
public final class ArpView extends HeaderView {
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

    /**
     * Points this view at the ARP packet at {@code offset} (the Ethernet payload).
     *
     * @return false (view unchanged) if {@code length < 28} or the region is outside the buffer
     */
    public boolean wrap(MutableDirectBuffer buffer, int offset, int length) {
        return wrapRegion(buffer, offset, length, LENGTH);
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
        return u8(HARDWARE_LENGTH);
    }

    public int protocolLength() {
        return u8(PROTOCOL_LENGTH);
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
        return mac(SENDER_MAC);
    }

    public int senderIp() {
        return u32(SENDER_IP);
    }

    public long targetMac() {
        return mac(TARGET_MAC);
    }

    public int targetIp() {
        return u32(TARGET_IP);
    }

    public void operation(int op) {
        putU16(OPERATION, op);
    }

    public void senderMac(long m) {
        putMac(SENDER_MAC, m);
    }

    public void senderIp(int a) {
        putU32(SENDER_IP, a);
    }

    public void targetMac(long m) {
        putMac(TARGET_MAC, m);
    }

    public void targetIp(int a) {
        putU32(TARGET_IP, a);
    }

    /** Writes a complete Ethernet/IPv4 ARP packet (all 28 bytes, fixed fields included). */
    public void build(int operation, long senderMac, int senderIp, long targetMac, int targetIp) {
        putU16(HARDWARE_TYPE, HARDWARE_TYPE_ETHERNET);
        putU16(PROTOCOL_TYPE, EthernetView.ETHERTYPE_IPV4);
        putU8(HARDWARE_LENGTH, MacAddress.LENGTH);
        putU8(PROTOCOL_LENGTH, 4);
        operation(operation);
        senderMac(senderMac);
        senderIp(senderIp);
        targetMac(targetMac);
        targetIp(targetIp);
    }
}
