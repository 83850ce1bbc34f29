package net.taprouter.dataplane.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Golden frames for the view tests, Ethernet header first.
 *
 * <p>ARP, ICMP echo, TCP SYN and UDP were captured with tcpdump on a veth pair in a throwaway
 * network namespace (host 192.0.2.1, 00:00:5e:00:53:01; gateway 192.0.2.254,
 * 00:00:5e:00:53:fe; route 198.51.100.0/24 via the gateway). veth transmit checksum offload left
 * the TCP and UDP checksum fields holding only the folded pseudo-header sum (0xec64 and 0xec58);
 * they were replaced by the full checksums (0x63ad, 0xfdfa), cross-checked with scapy. The ICMP
 * errors and the IPv4-with-options frame were built with scapy and its checksums.
 */
final class Frames {
    /** Captured: ARP who-has 192.0.2.254 tell 192.0.2.1 (42 bytes, unpadded). */
    static final String ARP_REQUEST = "ffffffffffff" + "00005e005301" + "0806"
            + "0001" + "0800" + "06" + "04" + "0001"
            + "00005e005301" + "c0000201"
            + "000000000000" + "c00002fe";

    /** Captured: ICMP echo request 192.0.2.1 -> 198.51.100.1, id 0x1310 seq 1, 24 data bytes. */
    static final String ICMP_ECHO_REQUEST = "00005e0053fe" + "00005e005301" + "0800"
            + "4500" + "0034" + "93cd" + "4000" + "40" + "01" + "bac5" + "c0000201" + "c6336401"
            + "08" + "00" + "9c2c" + "1310" + "0001"
            + "ca47026b00000000" + "a967090000000000" + "7461707274617072";

    /** Captured (checksum fixed up): TCP SYN 192.0.2.1:34394 -> 198.51.100.1:80, MSS/SACK/TS/WS. */
    static final String TCP_SYN = "00005e0053fe" + "00005e005301" + "0800"
            + "4500" + "003c" + "3c88" + "4000" + "40" + "06" + "11fe" + "c0000201" + "c6336401"
            + "865a" + "0050" + "c1a053df" + "00000000" + "a002" + "faf0" + "63ad" + "0000"
            + "020405b4" + "0402" + "080ae94e77af00000000" + "01" + "03030a";

    /** Captured (checksum fixed up): UDP 192.0.2.1:50690 -> 198.51.100.1:5353, "taprouter". */
    static final String UDP_DATAGRAM = "00005e0053fe" + "00005e005301" + "0800"
            + "4500" + "0025" + "2c72" + "4000" + "40" + "11" + "2220" + "c0000201" + "c6336401"
            + "c602" + "14e9" + "0011" + "fdfa" + "746170726f75746572";

    /** The IPv4 header and first 8 bytes of {@link #UDP_DATAGRAM}, as quoted by ICMP errors. */
    static final String UDP_QUOTE = UDP_DATAGRAM.substring(28, 28 + 2 * 28);

    /** scapy: 192.0.2.254 -> 192.0.2.1 destination unreachable, fragmentation needed, MTU 1400. */
    static final String ICMP_FRAG_NEEDED = "00005e005301" + "00005e0053fe" + "0800"
            + "4500" + "0038" + "0001" + "0000" + "40" + "01" + "f5c4" + "c00002fe" + "c0000201"
            + "03" + "04" + "1e8c" + "0000" + "0578" + UDP_QUOTE;

    /** scapy: 192.0.2.254 -> 192.0.2.1 time exceeded in transit. */
    static final String ICMP_TIME_EXCEEDED = "00005e005301" + "00005e0053fe" + "0800"
            + "4500" + "0038" + "0002" + "0000" + "40" + "01" + "f5c3" + "c00002fe" + "c0000201"
            + "0b" + "00" + "1c08" + "00000000" + UDP_QUOTE;

    /** scapy: IHL 6 (Router Alert option) UDP 192.0.2.1:7 -> 224.0.0.22:9, TTL 1, TOS 0xc0. */
    static final String IPV4_WITH_OPTIONS = "01005e000016" + "00005e005301" + "0800"
            + "46" + "c0" + "0024" + "1234" + "0000" + "01" + "11" + "6fb9" + "c0000201" + "e0000016"
            + "94040000"
            + "0007" + "0009" + "000c" + "79ca" + "6f707473";

    /** scapy: Ether()/Dot1Q(prio=5, vlan=10)/IP(192.0.2.1 -> 198.51.100.1, id 1)/ICMP(id 7, seq 1)/"taprouter". */
    static final String VLAN10_ECHO_REQUEST = "00005e0053fe" + "00005e005301" + "8100" + "a00a" + "0800"
            + "4500" + "0025" + "0001" + "0000" + "40" + "01" + "8ea1" + "c0000201" + "c6336401"
            + "08" + "00" + "bd48" + "0007" + "0001" + "746170726f75746572";

    /** {@link #VLAN10_ECHO_REQUEST} without its tag (scapy, same packet). */
    static final String UNTAGGED_ECHO_REQUEST = "00005e0053fe" + "00005e005301" + "0800"
            + VLAN10_ECHO_REQUEST.substring(36);

    /** Byte offset of the IPv4 header in the frames above. */
    static final int IP = EthernetView.HEADER_LENGTH;

    private Frames() {
    }

    static byte[] bytes(String hex) {
        if (hex.length() % 2 != 0) {
            throw new IllegalArgumentException("odd hex length " + hex.length());
        }
        byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    /** A buffer holding exactly the frame. */
    static UnsafeBuffer buffer(String hex) {
        return new UnsafeBuffer(bytes(hex));
    }

    /**
     * A buffer with the frame at {@code offset}, surrounded by {@code 0xA5} filler before it and
     * {@code trailing} filler bytes after it.
     */
    static UnsafeBuffer buffer(String hex, int offset, int trailing) {
        byte[] frame = bytes(hex);
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + frame.length + trailing]);
        buffer.setMemory(0, buffer.capacity(), (byte) 0xA5);
        buffer.putBytes(offset, frame);
        return buffer;
    }

    /** A zeroed buffer the size of the frame. */
    static UnsafeBuffer zeroed(String hex) {
        return new UnsafeBuffer(new byte[hex.length() / 2]);
    }

    static String hex(DirectBuffer buffer, int index, int length) {
        StringBuilder text = new StringBuilder(2 * length);
        for (int i = 0; i < length; i++) {
            text.append(String.format("%02x", buffer.getByte(index + i) & 0xFF));
        }
        return text.toString();
    }

    static String hex(DirectBuffer buffer) {
        return hex(buffer, 0, buffer.capacity());
    }

    /** Copies {@code length} bytes from {@code source} at {@code index} into {@code target}. */
    static void copy(DirectBuffer source, MutableDirectBuffer target, int index, int length) {
        target.putBytes(index, source, index, length);
    }
}
