package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import net.taprouter.dataplane.conntrack.ConntrackEntry;
import net.taprouter.dataplane.conntrack.FlowTable;
import net.taprouter.dataplane.conntrack.TcpStates;
import net.taprouter.dataplane.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

/** conntrack -L lines exactly as conntrack-tools prints the kernel's entries. */
class ConntrackFormatTest {
    /** A parser for conntrack-tools' default output (what scripts use on the kernel's). */
    static final Pattern KERNEL_LINE = Pattern.compile("^(\\w+)\\s+(\\d+) (\\d+) (?:([A-Z_0-9]+) )?"
        + "src=(\\S+) dst=(\\S+) (?:sport=(\\d+) dport=(\\d+) |type=(\\d+) code=(\\d+) id=(\\d+) )?(\\[UNREPLIED\\] )?"
        + "src=(\\S+) dst=(\\S+) (?:sport=(\\d+) dport=(\\d+) |type=(\\d+) code=(\\d+) id=(\\d+) )?(\\[ASSURED\\] )?"
        + "mark=(\\d+) use=(\\d+)(?: id=\\d+)?$");

    private static int ip(String s) {
        return Ipv4Address.parse(s);
    }

    @Test
    void theSpecsTcpExample() {
        ConntrackEntry e = new ConntrackEntry(7, 6, TcpStates.ESTABLISHED, 431999, ip("192.0.2.1"), ip("203.0.113.1"),
            40000 << 16 | 54321, ip("203.0.113.1"), ip("203.0.113.254"), 54321 << 16 | 40000,
            FlowTable.ASSURED | FlowTable.SEEN_REPLY | FlowTable.SRC_NAT, 5, 300, 4, 250);
        String line = ConntrackFormat.line(e, false, false);
        assertEquals("tcp      6 431999 ESTABLISHED src=192.0.2.1 dst=203.0.113.1 sport=40000 dport=54321 src=203.0.113.1"
            + " dst=203.0.113.254 sport=54321 dport=40000 [ASSURED] mark=0 use=1", line);
        assertTrue(KERNEL_LINE.matcher(line).matches());
        assertEquals("ipv4     2 " + line + " id=7", ConntrackFormat.line(e, true, true));
    }

    @Test
    void udpUnrepliedAndIcmp() {
        ConntrackEntry udp = new ConntrackEntry(1, 17, 0, 29, ip("192.0.2.1"), ip("198.51.100.1"), 53000 << 16 | 53,
            ip("198.51.100.1"), ip("198.51.100.254"), 53 << 16 | 53000, 0, 1, 60, 0, 0);
        String line = ConntrackFormat.line(udp, false, false);
        assertEquals("udp      17 29 src=192.0.2.1 dst=198.51.100.1 sport=53000 dport=53 [UNREPLIED] src=198.51.100.1"
            + " dst=198.51.100.254 sport=53 dport=53000 mark=0 use=1", line);
        assertTrue(KERNEL_LINE.matcher(line).matches());
        ConntrackEntry icmp = new ConntrackEntry(2, 1, 0, 30, ip("192.0.2.1"), ip("198.51.100.1"), 77 << 16 | 8 << 8,
            ip("198.51.100.1"), ip("198.51.100.254"), 77 << 16, FlowTable.SEEN_REPLY, 1, 84, 1, 84);
        line = ConntrackFormat.line(icmp, false, false);
        assertEquals("icmp     1 30 src=192.0.2.1 dst=198.51.100.1 type=8 code=0 id=77 src=198.51.100.1 dst=198.51.100.254"
            + " type=0 code=0 id=77 mark=0 use=1", line);
        assertTrue(KERNEL_LINE.matcher(line).matches());
        ConntrackEntry gre = new ConntrackEntry(3, 47, 0, 599, ip("192.0.2.1"), ip("198.51.100.1"), 0, ip("198.51.100.1"),
            ip("192.0.2.1"), 0, FlowTable.SEEN_REPLY, 1, 84, 1, 84);
        assertEquals("unknown  47 599 src=192.0.2.1 dst=198.51.100.1 src=198.51.100.1 dst=192.0.2.1 mark=0 use=1",
            ConntrackFormat.line(gre, false, false));
    }

    /** conntrack -E's lines, as conntrack-tools prints ctnetlink's events (a DESTROY has no timeout and no state). */
    static final Pattern EVENT_LINE = Pattern.compile("^ *\\[(NEW|UPDATE|DESTROY)\\] (\\w+)\\s+(\\d+) (?:(\\d+) )?(?:([A-Z_0-9]+) )?"
        + "src=(\\S+) dst=(\\S+) (?:sport=(\\d+) dport=(\\d+) |type=(\\d+) code=(\\d+) id=(\\d+) )?(\\[UNREPLIED\\] )?"
        + "src=(\\S+) dst=(\\S+) (?:sport=(\\d+) dport=(\\d+)|type=(\\d+) code=(\\d+) id=(\\d+))?(?: ?\\[ASSURED\\])?$");

    @Test
    void eventLines() {
        ConntrackEntry syn = new ConntrackEntry(9, 6, TcpStates.SYN_SENT, 120, ip("192.0.2.1"), ip("203.0.113.1"),
            40000 << 16 | 80, ip("203.0.113.1"), ip("203.0.113.254"), 80 << 16 | 40000, FlowTable.SRC_NAT, 1, 60, 0, 0);
        String line = ConntrackFormat.event(net.taprouter.dataplane.conntrack.ConntrackEvents.NEW, syn, false, false);
        assertEquals("    [NEW] tcp      6 120 SYN_SENT src=192.0.2.1 dst=203.0.113.1 sport=40000 dport=80 [UNREPLIED]"
            + " src=203.0.113.1 dst=203.0.113.254 sport=80 dport=40000", line);
        assertTrue(EVENT_LINE.matcher(line).matches(), line);
        ConntrackEntry done = new ConntrackEntry(9, 6, TcpStates.TIME_WAIT, 0, ip("192.0.2.1"), ip("203.0.113.1"),
            40000 << 16 | 80, ip("203.0.113.1"), ip("203.0.113.254"), 80 << 16 | 40000,
            FlowTable.SRC_NAT | FlowTable.SEEN_REPLY | FlowTable.ASSURED, 9, 600, 7, 500);
        line = ConntrackFormat.event(net.taprouter.dataplane.conntrack.ConntrackEvents.DESTROY, done, false, false);
        assertEquals("[DESTROY] tcp      6 src=192.0.2.1 dst=203.0.113.1 sport=40000 dport=80 src=203.0.113.1 dst=203.0.113.254"
            + " sport=80 dport=40000 [ASSURED]", line);
        assertTrue(EVENT_LINE.matcher(line).matches(), line);
        line = ConntrackFormat.event(net.taprouter.dataplane.conntrack.ConntrackEvents.UPDATE, done, true, true);
        assertEquals(" [UPDATE] ipv4     2 tcp      6 0 TIME_WAIT src=192.0.2.1 dst=203.0.113.1 sport=40000 dport=80 src=203.0.113.1"
            + " dst=203.0.113.254 sport=80 dport=40000 [ASSURED] id=9", line);
    }

    @Test
    void json() {
        ConntrackEntry e = new ConntrackEntry(7, 6, TcpStates.SYN_SENT, 119, ip("192.0.2.1"), ip("203.0.113.1"), 40000 << 16 | 80,
            ip("203.0.113.1"), ip("203.0.113.254"), 80 << 16 | 40000, FlowTable.SRC_NAT, 1, 60, 0, 0);
        Map<String, Object> row = new LinkedHashMap<>();
        ConntrackFormat.json(e, row);
        StringBuilder b = new StringBuilder();
        Json.write(b, row);
        assertEquals("{\"proto\":\"tcp\",\"protonum\":6,\"timeout\":119,\"state\":\"SYN_SENT\","
            + "\"original\":{\"src\":\"192.0.2.1\",\"dst\":\"203.0.113.1\",\"sport\":40000,\"dport\":80,\"packets\":1,\"bytes\":60},"
            + "\"reply\":{\"src\":\"203.0.113.1\",\"dst\":\"203.0.113.254\",\"sport\":80,\"dport\":40000,\"packets\":0,\"bytes\":0},"
            + "\"unreplied\":true,\"assured\":false,\"snat\":true,\"dnat\":false,\"mark\":0,\"use\":1,\"id\":7}", b.toString());
    }
}
