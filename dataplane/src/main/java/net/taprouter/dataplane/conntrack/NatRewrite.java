package net.taprouter.dataplane.conntrack;

import java.nio.ByteOrder;
import net.taprouter.dataplane.wire.Checksum;
import org.agrona.MutableDirectBuffer;

/**
 * Rewrites the source or destination of an IPv4 packet in place, as NAT does, with every checksum
 * updated incrementally (RFC 1624): the IPv4 header checksum for the address; for TCP and UDP the
 * L4 checksum for the address (it is in the pseudo-header) and the port; for ICMP queries (echo,
 * timestamp, ...) the identifier, which plays the port, and the ICMP checksum (no pseudo-header).
 *
 * <p>UDP: a checksum of 0 means "none" and stays 0; an updated checksum that comes out 0 is sent
 * as 0xFFFF (RFC 768). Non-first fragments carry no L4 header: only the address changes.
 *
 * <p>{@code partial}: the L4 checksum field holds the folded, uncomplemented pseudo-header sum the
 * device will complete (virtio-net NEEDS_CSUM, the kernel's CHECKSUM_PARTIAL). Then an address
 * change is added to it uncomplemented, and a port change does not touch it (the port is not in
 * the pseudo-header; the device sums it later).
 *
 * <p>Input: the buffer and the offset of a checked IPv4 header (its length and the L4 header
 * within the packet were checked by the caller). No allocation.
 */
public final class NatRewrite {
    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;

    private static final int IP_TTL = 8;
    private static final int IP_CHECKSUM = 10;
    private static final int IP_SOURCE = 12;
    private static final int IP_DESTINATION = 16;

    private NatRewrite() {
    }

    /** Rewrites the source address and source port (ICMP query: identifier). */
    public static void source(MutableDirectBuffer buffer, int ip, int address, int port, boolean partial) {
        rewrite(buffer, ip, IP_SOURCE, 0, address, port, partial);
    }

    /**
     * A forwarded packet's TTL decremented and its source rewritten in one pass (the flow fast
     * path): the same bytes as {@code Ipv4View.decrementTtl} followed by {@link #source}, with the
     * header checksum read and written once. The caller checked that the packet is not a fragment
     * and that its TTL is above 1; {@code headerLength} is its IPv4 header's length in bytes.
     */
    public static void forwardSource(MutableDirectBuffer buffer, int ip, int headerLength, int address, int port,
                                     boolean partial) {
        int ttlWord = get16(buffer, ip + IP_TTL); // TTL and protocol
        int newTtlWord = ttlWord - 0x100;
        put16(buffer, ip + IP_TTL, newTtlWord);
        int oldAddress = buffer.getInt(ip + IP_SOURCE, ByteOrder.BIG_ENDIAN);
        buffer.putInt(ip + IP_SOURCE, address, ByteOrder.BIG_ENDIAN);
        int checksum = Checksum.update16(get16(buffer, ip + IP_CHECKSUM), ttlWord, newTtlWord);
        put16(buffer, ip + IP_CHECKSUM, Checksum.update32(checksum, oldAddress, address));
        transport(buffer, ip + headerLength, ttlWord & 0xFF, 0, oldAddress, address, port, partial);
    }

    /** Rewrites the destination address and destination port (ICMP query: identifier). */
    public static void destination(MutableDirectBuffer buffer, int ip, int address, int port, boolean partial) {
        rewrite(buffer, ip, IP_DESTINATION, 2, address, port, partial);
    }

    private static void rewrite(MutableDirectBuffer buffer, int ip, int addressField, int portField, int address, int port,
                                boolean partial) {
        int oldAddress = buffer.getInt(ip + addressField, ByteOrder.BIG_ENDIAN);
        buffer.putInt(ip + addressField, address, ByteOrder.BIG_ENDIAN);
        put16(buffer, ip + IP_CHECKSUM, Checksum.update32(get16(buffer, ip + IP_CHECKSUM), oldAddress, address));

        boolean firstFragment = (get16(buffer, ip + 6) & 0x1FFF) == 0;
        if (!firstFragment) {
            return;
        }
        transport(buffer, ip + (buffer.getByte(ip) & 0x0F) * 4, buffer.getByte(ip + 9) & 0xFF, portField, oldAddress, address,
            port, partial);
    }

    /** The L4 header at {@code l4} after its packet's address changed: the port (ICMP query: identifier) and checksum. */
    private static void transport(MutableDirectBuffer buffer, int l4, int protocol, int portField, int oldAddress, int address,
                                  int port, boolean partial) {
        switch (protocol) {
            case PROTO_TCP -> l4(buffer, l4, l4 + 16, portField, oldAddress, address, port, partial, false);
            case PROTO_UDP -> l4(buffer, l4, l4 + 6, portField, oldAddress, address, port, partial, true);
            case PROTO_ICMP -> {
                int oldId = get16(buffer, l4 + 4);
                if (oldId != port) {
                    put16(buffer, l4 + 4, port);
                    put16(buffer, l4 + 2, Checksum.update16(get16(buffer, l4 + 2), oldId, port));
                }
            }
            default -> {
            }
        }
    }

    private static void l4(MutableDirectBuffer buffer, int l4, int checksumAt, int portField, int oldAddress, int address,
                           int port, boolean partial, boolean udp) {
        int oldPort = get16(buffer, l4 + portField);
        put16(buffer, l4 + portField, port);
        int checksum = get16(buffer, checksumAt);
        if (partial) {
            int sum = checksum + (~oldAddress >>> 16) + (~oldAddress & 0xFFFF) + (address >>> 16) + (address & 0xFFFF);
            put16(buffer, checksumAt, Checksum.fold(sum));
            return;
        }
        if (udp && checksum == 0) {
            return;
        }
        checksum = Checksum.update32(checksum, oldAddress, address);
        checksum = Checksum.update16(checksum, oldPort, port);
        put16(buffer, checksumAt, udp && checksum == 0 ? 0xFFFF : checksum);
    }

    private static int get16(MutableDirectBuffer buffer, int at) {
        return buffer.getShort(at, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    private static void put16(MutableDirectBuffer buffer, int at, int value) {
        buffer.putShort(at, (short) value, ByteOrder.BIG_ENDIAN);
    }
}
