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
    /** TCP (window tracking, {@link TcpWindow}): sequence and acknowledgment numbers, the raw window. */
    public int seq;
    public int ack;
    public int window;
    /** TCP: the sequence number after the segment (seq + payload + SYN + FIN). */
    public int end;
    /** TCP: the highest right edge of the SACK blocks, or {@link #ack} without them. */
    public int sack;
    /** TCP SYN: the window scale option (capped at 14), or -1 without one. */
    public int windowScale;
    /** TCP SYN: the SACK-permitted option was present. */
    public boolean sackPermitted;
    /** May this packet start a flow? (ICMP: only queries, not their replies.) */
    public boolean creates;

    /**
     * Reads the tuple of the packet {@code ip} is wrapped over (its header already checked). Kept
     * small (UDP and the dispatch here, TCP and ICMP in their own methods) so that it inlines.
     */
    public int extract(DirectBuffer buffer, Ipv4View ip) {
        int protocol = ip.protocol();
        this.protocol = protocol;
        source = ip.source();
        destination = ip.destination();
        ports = 0;
        tcpFlags = 0;
        creates = true;
        if (ip.fragmentOffset() != 0) {
            return UNTRACKED;
        }
        int l4 = ip.payloadOffset();
        this.l4 = l4;
        int length = ip.totalLength() - ip.headerLength();
        if (protocol == NatRewrite.PROTO_UDP) {
            if (length < 8) {
                return MALFORMED;
            }
            ports = buffer.getInt(l4, ByteOrder.BIG_ENDIAN);
            return TRACKED;
        }
        if (protocol == NatRewrite.PROTO_TCP) {
            return tcp(buffer, l4, length);
        }
        if (protocol == NatRewrite.PROTO_ICMP) {
            return icmp(buffer, l4, length);
        }
        return TRACKED;
    }

    private int tcp(DirectBuffer buffer, int l4, int length) {
        if (length < 20) {
            return MALFORMED;
        }
        int offset = (buffer.getByte(l4 + 12) & 0xF0) >>> 2;
        if (offset < 20 || offset > length) {
            return MALFORMED; // as the kernel's tcp_error: a truncated header
        }
        ports = buffer.getInt(l4, ByteOrder.BIG_ENDIAN);
        tcpFlags = buffer.getByte(l4 + 13) & 0xFF;
        seq = buffer.getInt(l4 + 4, ByteOrder.BIG_ENDIAN);
        ack = buffer.getInt(l4 + 8, ByteOrder.BIG_ENDIAN);
        window = buffer.getShort(l4 + 14, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        end = seq + length - offset + (tcpFlags & 0x02) / 0x02 + (tcpFlags & 0x01);
        sack = ack;
        windowScale = -1;
        sackPermitted = false;
        if (offset > 20) {
            options(buffer, l4 + 20, l4 + offset);
        }
        return TRACKED;
    }

    private int icmp(DirectBuffer buffer, int l4, int length) {
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

    /** TCP options (as the kernel's tcp_options and tcp_sack read them): window scale, SACK permitted, SACK blocks. */
    private void options(DirectBuffer buffer, int at, int limit) {
        boolean syn = (tcpFlags & 0x02) != 0;
        while (at < limit) {
            int kind = buffer.getByte(at) & 0xFF;
            if (kind == 0) {
                return;
            }
            if (kind == 1) {
                at++;
                continue;
            }
            if (at + 1 >= limit) {
                return;
            }
            int size = buffer.getByte(at + 1) & 0xFF;
            if (size < 2 || at + size > limit) {
                return; // "silly options"
            }
            if (syn && kind == 3 && size == 3) {
                windowScale = Math.min(14, buffer.getByte(at + 2) & 0xFF);
            } else if (syn && kind == 4 && size == 2) {
                sackPermitted = true;
            } else if (kind == 5 && size >= 10 && (size - 2) % 8 == 0) {
                for (int block = at + 2; block < at + size; block += 8) {
                    int right = buffer.getInt(block + 4, ByteOrder.BIG_ENDIAN);
                    if (sack - right < 0) {
                        sack = right;
                    }
                }
            }
            at += size;
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
