package net.taprouter.control.command;

import java.util.LinkedHashMap;
import java.util.Map;
import net.taprouter.dataplane.conntrack.ConntrackEntry;
import net.taprouter.dataplane.conntrack.ConntrackEvents;
import net.taprouter.dataplane.conntrack.TcpStates;
import net.taprouter.dataplane.wire.Ipv4Address;

/**
 * A conntrack entry as conntrack-tools prints it (libnetfilter_conntrack's default output):
 *
 * <pre>
 * tcp      6 431999 ESTABLISHED src=192.0.2.1 dst=203.0.113.1 sport=40000 dport=54321 src=203.0.113.1 dst=203.0.113.254 sport=54321 dport=40000 [ASSURED] mark=0 use=1
 * icmp     1 29 src=192.0.2.1 dst=203.0.113.1 type=8 code=0 id=7 src=203.0.113.1 dst=203.0.113.254 type=0 code=0 id=7 mark=0 use=1
 * </pre>
 *
 * protocol name padded to 8 and number, seconds left, the TCP state, the original tuple,
 * {@code [UNREPLIED]} while no reply was seen, the reply tuple, {@code [ASSURED]}, mark and use;
 * {@code -o extended} puts {@code ipv4     2 } in front, {@code -o id} adds {@code id=N}. The
 * packet and byte counters (which the kernel shows only with nf_conntrack_acct=1) are in the JSON form.
 */
final class ConntrackFormat {
    /** The conntrack-tools release whose output this follows (stderr trailers). */
    static final String VERSION = "conntrack v1.4.7 (taprouter)";

    private ConntrackFormat() {
    }

    static String protocolName(int protocol) {
        return switch (protocol) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 1 -> "icmp";
            default -> "unknown";
        };
    }

    /** The -L line of {@code e}. */
    static String line(ConntrackEntry e, boolean extended, boolean withId) {
        StringBuilder b = new StringBuilder(192);
        if (extended) {
            b.append("ipv4     2 ");
        }
        String name = protocolName(e.protocol());
        b.append(name);
        for (int i = name.length(); i < 8; i++) {
            b.append(' ');
        }
        b.append(' ').append(e.protocol()).append(' ').append(e.timeout()).append(' ');
        if (e.protocol() == 6) {
            b.append(TcpStates.name(e.state())).append(' ');
        }
        tuple(b, e.protocol(), e.origSource(), e.origDestination(), e.origPorts());
        if (e.unreplied()) {
            b.append("[UNREPLIED] ");
        }
        tuple(b, e.protocol(), e.replySource(), e.replyDestination(), e.replyPorts());
        if (e.assured()) {
            b.append("[ASSURED] ");
        }
        b.append("mark=0 use=1");
        if (withId) {
            b.append(" id=").append(e.id() & 0xFFFF_FFFFL);
        }
        return b.toString();
    }

    /**
     * The {@code conntrack -E} line of an event of {@code kind} ({@code ConntrackEvents.NEW},
     * {@code UPDATE}, {@code DESTROY}) about {@code e}, as conntrack-tools prints what ctnetlink
     * sends: the tag right-aligned in 9 columns, then the -L fields except that a DESTROY has no
     * timeout and no TCP state, and no event carries mark or use:
     * <pre>
     *     [NEW] tcp      6 120 SYN_SENT src=192.0.2.1 dst=203.0.113.1 sport=40000 dport=80 [UNREPLIED] src=203.0.113.1 dst=203.0.113.254 sport=80 dport=40000
     * [DESTROY] tcp      6 src=192.0.2.1 dst=203.0.113.1 sport=40000 dport=80 src=203.0.113.1 dst=203.0.113.254 sport=80 dport=40000 [ASSURED]
     * </pre>
     */
    static String event(int kind, ConntrackEntry e, boolean extended, boolean withId) {
        StringBuilder b = new StringBuilder(200);
        String tag = "[" + ConntrackEvents.name(kind) + "]";
        for (int i = tag.length(); i < 9; i++) {
            b.append(' ');
        }
        b.append(tag).append(' ');
        if (extended) {
            b.append("ipv4     2 ");
        }
        String name = protocolName(e.protocol());
        b.append(name);
        for (int i = name.length(); i < 8; i++) {
            b.append(' ');
        }
        b.append(' ').append(e.protocol()).append(' ');
        if (kind != ConntrackEvents.DESTROY) {
            b.append(e.timeout()).append(' ');
            if (e.protocol() == 6) {
                b.append(TcpStates.name(e.state())).append(' ');
            }
        }
        tuple(b, e.protocol(), e.origSource(), e.origDestination(), e.origPorts());
        if (e.unreplied()) {
            b.append("[UNREPLIED] ");
        }
        tuple(b, e.protocol(), e.replySource(), e.replyDestination(), e.replyPorts());
        if (e.assured()) {
            b.append("[ASSURED] ");
        }
        if (withId) {
            b.append("id=").append(e.id() & 0xFFFF_FFFFL).append(' ');
        }
        b.setLength(b.length() - 1);
        return b.toString();
    }

    private static void tuple(StringBuilder b, int protocol, int src, int dst, int ports) {
        b.append("src=").append(Ipv4Address.format(src)).append(" dst=").append(Ipv4Address.format(dst)).append(' ');
        if (protocol == 6 || protocol == 17) {
            b.append("sport=").append(ports >>> 16).append(" dport=").append(ports & 0xFFFF).append(' ');
        } else if (protocol == 1) {
            b.append("type=").append((ports >>> 8) & 0xFF).append(" code=").append(ports & 0xFF).append(" id=").append(ports >>> 16)
                .append(' ');
        }
    }

    /** The JSON fields of {@code e} into {@code row}. */
    static void json(ConntrackEntry e, Map<String, Object> row) {
        row.put("proto", protocolName(e.protocol()));
        row.put("protonum", e.protocol());
        row.put("timeout", e.timeout());
        if (e.protocol() == 6) {
            row.put("state", TcpStates.name(e.state()));
        }
        row.put("original", tupleJson(e.protocol(), e.origSource(), e.origDestination(), e.origPorts(), e.origPackets(), e.origBytes()));
        row.put("reply", tupleJson(e.protocol(), e.replySource(), e.replyDestination(), e.replyPorts(), e.replyPackets(),
            e.replyBytes()));
        row.put("unreplied", e.unreplied());
        row.put("assured", e.assured());
        row.put("snat", e.sourceNat());
        row.put("dnat", e.destinationNat());
        row.put("mark", 0);
        row.put("use", 1);
        row.put("id", e.id() & 0xFFFF_FFFFL);
    }

    private static Map<String, Object> tupleJson(int protocol, int src, int dst, int ports, long packets, long bytes) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("src", Ipv4Address.format(src));
        t.put("dst", Ipv4Address.format(dst));
        if (protocol == 6 || protocol == 17) {
            t.put("sport", ports >>> 16);
            t.put("dport", ports & 0xFFFF);
        } else if (protocol == 1) {
            t.put("type", (ports >>> 8) & 0xFF);
            t.put("code", ports & 0xFF);
            t.put("id", ports >>> 16);
        }
        t.put("packets", packets);
        t.put("bytes", bytes);
        return t;
    }
}
