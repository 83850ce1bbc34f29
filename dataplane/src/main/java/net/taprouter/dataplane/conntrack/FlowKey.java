package net.taprouter.dataplane.conntrack;

import java.nio.ByteOrder;
import net.taprouter.dataplane.wire.Ipv4View;
import org.agrona.DirectBuffer;

/**
 * The conntrack tuple of one IPv4 packet, read from its headers ({@link #extract}): addresses,
 * protocol and the two ports in one int ({@link FlowTable#packPorts}). For ICMP queries (echo,
 * timestamp, information, address mask) the "ports" are {@code id << 16 | type << 8 | code}, so a
 * request and its reply are the two tuples of one flow ({@link #reversePorts} maps the type to the
 * reply's) and a request in the other direction with the same id is a flow of its own, as the
 * kernel keys them. Other protocols: ports 0. One instance per stage, reused per packet.
 */
public final class FlowKey {
    /** Not tracked: a later fragment, an ICMP message that is neither a query nor an error. */
    public static final int UNTRACKED = 0;
    /** A tuple was read. */
    public static final int TRACKED = 1;
    /** Too short for its protocol's header: conntrack's INVALID. */
    public static final int MALFORMED = 2;
    /** An ICMP error (destination unreachable, source quench, redirect, time exceeded, parameter problem). */
    public static final int ICMP_ERROR = 3;

    public int protocol;
    public int source;
    public int destination;
    public int ports;
    /** Offset of the L4 header in the buffer. */
    public int l4;
    /** TCP: the flag byte. */
    public int tcpFlags;
    /** May this packet start a flow? (ICMP: only queries, not their replies.) */
    public boolean creates;

    /** Reads the tuple of the packet {@code ip} is wrapped over (its header already checked). */
    public int extract(DirectBuffer buffer, Ipv4View ip) {
        protocol = ip.protocol();
        source = ip.source();
        destination = ip.destination();
        ports = 0;
        tcpFlags = 0;
        creates = true;
        if (ip.fragmentOffset() != 0) {
            return UNTRACKED;
        }
        l4 = ip.payloadOffset();
        int length = ip.totalLength() - ip.headerLength();
        switch (protocol) {
            case NatRewrite.PROTO_TCP -> {
                if (length < 20) {
                    return MALFORMED;
                }
                ports = buffer.getInt(l4, ByteOrder.BIG_ENDIAN);
                tcpFlags = buffer.getByte(l4 + 13) & 0xFF;
                return TRACKED;
            }
            case NatRewrite.PROTO_UDP -> {
                if (length < 8) {
                    return MALFORMED;
                }
                ports = buffer.getInt(l4, ByteOrder.BIG_ENDIAN);
                return TRACKED;
            }
            case NatRewrite.PROTO_ICMP -> {
                if (length < 8) {
                    return MALFORMED;
                }
                int type = buffer.getByte(l4) & 0xFF;
                int code = buffer.getByte(l4 + 1) & 0xFF;
                if (isError(type)) {
                    return ICMP_ERROR;
                }
                int reply = replyType(type);
                if (reply < 0) {
                    return UNTRACKED;
                }
                creates = isRequest(type);
                ports = (buffer.getShort(l4 + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF) << 16 | type << 8 | code;
                return TRACKED;
            }
            default -> {
                return TRACKED;
            }
        }
    }

    /** ICMP error types the kernel relates to a flow. */
    public static boolean isError(int type) {
        return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    }

    /** A query type that starts a flow: echo, timestamp, information, address mask request. */
    static boolean isRequest(int type) {
        return type == 8 || type == 13 || type == 15 || type == 17;
    }

    /** The query type answering {@code type} (and the other way round), or -1 if it is no query. */
    static int replyType(int type) {
        return switch (type) {
            case 8 -> 0;
            case 0 -> 8;
            case 13 -> 14;
            case 14 -> 13;
            case 15 -> 16;
            case 16 -> 15;
            case 17 -> 18;
            case 18 -> 17;
            default -> -1;
        };
    }

    /** The ports of the tuple that answers one with {@code ports}: swapped (ICMP: the reply's type). */
    public static int reversePorts(int protocol, int ports) {
        return switch (protocol) {
            case NatRewrite.PROTO_TCP, NatRewrite.PROTO_UDP -> ports << 16 | ports >>> 16;
            case NatRewrite.PROTO_ICMP -> (ports & 0xFFFF_00FF) | (replyType((ports >>> 8) & 0xFF) & 0xFF) << 8;
            default -> 0;
        };
    }

    /** The source port of a tuple's ports (ICMP: the identifier). */
    public static int sourcePort(int ports) {
        return ports >>> 16;
    }

    /** The destination port of a tuple's ports (ICMP: the identifier). */
    public static int destinationPort(int protocol, int ports) {
        return protocol == NatRewrite.PROTO_ICMP ? ports >>> 16 : ports & 0xFFFF;
    }

    /** A tuple's ports with the source port (ICMP: identifier) replaced. */
    public static int withSourcePort(int ports, int port) {
        return port << 16 | (ports & 0xFFFF);
    }

    /** Does NAT of {@code protocol} rewrite ports (else only addresses)? */
    public static boolean hasPorts(int protocol) {
        return protocol == NatRewrite.PROTO_TCP || protocol == NatRewrite.PROTO_UDP || protocol == NatRewrite.PROTO_ICMP;
    }
}
