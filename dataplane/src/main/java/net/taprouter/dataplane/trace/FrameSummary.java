package net.taprouter.dataplane.trace;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.taprouter.dataplane.wire.Ipv4Address;
import net.taprouter.dataplane.wire.MacAddress;

/**
 * A frame's first bytes in one line, as {@code tcpdump -e -v} would sum them up: MACs, then for
 * IPv4 the addresses (with the ports of TCP and UDP), the protocol (TCP flags, ICMP type and
 * echo id/seq), TTL and IP length; ARP's question or answer. Control side only.
 *
 * <pre>
 * 00:00:5e:00:53:01 &gt; 00:00:5e:00:53:12, IP 192.0.2.1 &gt; 198.51.100.1: ICMP echo request, id 7, seq 1, ttl 64, length 84
 * 00:00:5e:00:53:01 &gt; 00:00:5e:00:53:12, IP 192.0.2.1.40000 &gt; 198.51.100.1.80: TCP [S], ttl 64, length 60
 * 00:00:5e:00:53:01 &gt; ff:ff:ff:ff:ff:ff, ARP, Request who-has 192.0.2.254 tell 192.0.2.1
 * </pre>
 */
public final class FrameSummary {
    private FrameSummary() {
    }

    /** The line for {@code head} (the frame's first bytes) of a frame of {@code wireLength} bytes. */
    public static String describe(byte[] head, int wireLength) {
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.BIG_ENDIAN);
        if (head.length < 14) {
            return "truncated frame, length " + wireLength;
        }
        StringBuilder out = new StringBuilder();
        out.append(MacAddress.format(mac(b, 6))).append(" > ").append(MacAddress.format(mac(b, 0))).append(", ");
        int type = b.getShort(12) & 0xFFFF;
        switch (type) {
            case 0x0800 -> ipv4(out, b, head.length);
            case 0x0806 -> arp(out, b, head.length, wireLength);
            case 0x86DD -> out.append("IP6, length ").append(wireLength);
            default -> out.append(String.format("ethertype 0x%04x, length %d", type, wireLength));
        }
        return out.toString();
    }

    private static void ipv4(StringBuilder out, ByteBuffer b, int available) {
        if (available < 34) {
            out.append("IP truncated");
            return;
        }
        int ihl = (b.get(14) & 0x0F) * 4;
        int proto = b.get(23) & 0xFF;
        int ttl = b.get(22) & 0xFF;
        int length = b.getShort(16) & 0xFFFF;
        int fragment = b.getShort(20) & 0x1FFF;
        String src = Ipv4Address.format(b.getInt(26));
        String dst = Ipv4Address.format(b.getInt(30));
        int l4 = 14 + ihl;
        boolean ports = (proto == 6 || proto == 17) && fragment == 0 && l4 + 4 <= available;
        out.append("IP ").append(src);
        if (ports) {
            out.append('.').append(b.getShort(l4) & 0xFFFF);
        }
        out.append(" > ").append(dst);
        if (ports) {
            out.append('.').append(b.getShort(l4 + 2) & 0xFFFF);
        }
        out.append(": ");
        if (fragment != 0) {
            out.append("fragment offset ").append(fragment * 8).append(", proto ").append(proto);
        } else {
            switch (proto) {
                case 1 -> icmp(out, b, l4, available);
                case 6 -> {
                    out.append("TCP");
                    if (l4 + 14 <= available) {
                        out.append(" [").append(tcpFlags(b.get(l4 + 13) & 0xFF)).append(']');
                    }
                }
                case 17 -> out.append("UDP");
                default -> out.append("proto ").append(proto);
            }
        }
        out.append(", ttl ").append(ttl).append(", length ").append(length);
    }

    private static void icmp(StringBuilder out, ByteBuffer b, int at, int available) {
        if (at + 2 > available) {
            out.append("ICMP");
            return;
        }
        int type = b.get(at) & 0xFF;
        int code = b.get(at + 1) & 0xFF;
        boolean echo = type == 0 || type == 8;
        out.append("ICMP ").append(icmpName(type, code));
        if (echo && at + 8 <= available) {
            out.append(", id ").append(b.getShort(at + 4) & 0xFFFF).append(", seq ").append(b.getShort(at + 6) & 0xFFFF);
        }
    }

    /** ICMP type and code in words (tcpdump's). */
    public static String icmpName(int type, int code) {
        return switch (type) {
            case 0 -> "echo reply";
            case 8 -> "echo request";
            case 11 -> "time exceeded";
            case 3 -> switch (code) {
                case 0 -> "net unreachable";
                case 1 -> "host unreachable";
                case 2 -> "protocol unreachable";
                case 3 -> "port unreachable";
                case 4 -> "fragmentation needed";
                default -> "unreachable code " + code;
            };
            default -> "type " + type + " code " + code;
        };
    }

    private static String tcpFlags(int flags) {
        StringBuilder f = new StringBuilder();
        if ((flags & 0x02) != 0) {
            f.append('S');
        }
        if ((flags & 0x01) != 0) {
            f.append('F');
        }
        if ((flags & 0x04) != 0) {
            f.append('R');
        }
        if ((flags & 0x08) != 0) {
            f.append('P');
        }
        if ((flags & 0x20) != 0) {
            f.append('U');
        }
        if ((flags & 0x10) != 0) {
            f.append('.');
        }
        return f.length() == 0 ? "none" : f.toString();
    }

    private static void arp(StringBuilder out, ByteBuffer b, int available, int wireLength) {
        if (available < 42) {
            out.append("ARP, length ").append(wireLength);
            return;
        }
        int op = b.getShort(20) & 0xFFFF;
        String sender = Ipv4Address.format(b.getInt(28));
        String target = Ipv4Address.format(b.getInt(38));
        if (op == 1) {
            out.append("ARP, Request who-has ").append(target).append(" tell ").append(sender);
        } else if (op == 2) {
            out.append("ARP, Reply ").append(sender).append(" is-at ").append(MacAddress.format(mac(b, 22)));
        } else {
            out.append("ARP, op ").append(op);
        }
    }

    private static long mac(ByteBuffer b, int at) {
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = mac << 8 | (b.get(at + i) & 0xFF);
        }
        return mac;
    }
}
