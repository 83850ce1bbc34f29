package net.taprouter.dataplane.conntrack;

import static net.taprouter.dataplane.conntrack.FlowTable.ORIGINAL;
import static net.taprouter.dataplane.conntrack.FlowTable.REPLY;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The state machine against nf_conntrack's transition table (nf_conntrack_proto_tcp.c,
 * tcp_conntracks[dir][segment][state]), transcribed as the expected result of every cell:
 * columns NONE SYN_SENT SYN_RECV ESTABLISHED FIN_WAIT CLOSE_WAIT LAST_ACK TIME_WAIT CLOSE
 * SYN_SENT2; IV = invalid, IG = ignore.
 */
class TcpStatesTest {
    private static final List<String> ORIGINAL_ROWS = List.of(
        /* syn    */ "SS SS IG IG IG IG IG SS SS S2",
        /* synack */ "IV IV IG IG IG IG IG IG IG SR",
        /* fin    */ "IV IV FW FW LA LA LA TW CL IV",
        /* ack    */ "ES IV ES ES CW CW TW TW CL IV",
        /* rst    */ "IV CL CL CL CL CL CL CL CL CL",
        /* none   */ "IV IV IV IV IV IV IV IV IV IV");
    private static final List<String> REPLY_ROWS = List.of(
        /* syn    */ "IV S2 IV IV IV IV IV IV IV S2",
        /* synack */ "IV SR IG IG IG IG IG IG IG SR",
        /* fin    */ "IV IV FW FW LA LA LA TW CL IV",
        /* ack    */ "IV IG SR ES CW CW TW TW CL IG",
        /* rst    */ "IV CL CL CL CL CL CL CL CL CL",
        /* none   */ "IV IV IV IV IV IV IV IV IV IV");
    private static final List<String> CODES = List.of("NO", "SS", "SR", "ES", "FW", "CW", "LA", "TW", "CL", "S2", "IV", "IG");

    @Test
    void everyCellMatchesTheReferenceTable() {
        for (int dir : new int[] {ORIGINAL, REPLY}) {
            List<String> rows = dir == ORIGINAL ? ORIGINAL_ROWS : REPLY_ROWS;
            for (int kind = 0; kind < 6; kind++) {
                String[] cells = rows.get(kind).split(" ");
                for (int state = 0; state < TcpStates.COUNT; state++) {
                    assertEquals(CODES.indexOf(cells[state]), TcpStates.next(dir, kind, state),
                        "dir " + dir + " kind " + kind + " state " + TcpStates.name(state));
                }
            }
        }
    }

    @Test
    void segmentKindsFollowTheFlagPrecedence() {
        assertEquals(TcpStates.SEG_RST, TcpStates.kind(0x14)); // RST+ACK
        assertEquals(TcpStates.SEG_RST, TcpStates.kind(0x06)); // SYN+RST
        assertEquals(TcpStates.SEG_SYN, TcpStates.kind(0x02));
        assertEquals(TcpStates.SEG_SYNACK, TcpStates.kind(0x12));
        assertEquals(TcpStates.SEG_SYN, TcpStates.kind(0x03)); // SYN+FIN counts as SYN
        assertEquals(TcpStates.SEG_FIN, TcpStates.kind(0x11));
        assertEquals(TcpStates.SEG_ACK, TcpStates.kind(0x18)); // PSH+ACK
        assertEquals(TcpStates.SEG_NONE, TcpStates.kind(0x08));
    }

    @Test
    void aWholeConnectionFromSynToTimeWait() {
        int state = TcpStates.NONE;
        int[][] segments = {
            {ORIGINAL, 0x02, TcpStates.SYN_SENT},
            {REPLY, 0x12, TcpStates.SYN_RECV},
            {ORIGINAL, 0x10, TcpStates.ESTABLISHED},
            {REPLY, 0x18, TcpStates.ESTABLISHED},
            {ORIGINAL, 0x11, TcpStates.FIN_WAIT},
            {REPLY, 0x10, TcpStates.CLOSE_WAIT},
            {REPLY, 0x11, TcpStates.LAST_ACK},
            {ORIGINAL, 0x10, TcpStates.TIME_WAIT},
            {ORIGINAL, 0x02, TcpStates.SYN_SENT}, // reopened
        };
        for (int[] s : segments) {
            state = TcpStates.next(s[0], TcpStates.kind(s[1]), state);
            assertEquals(s[2], state, TcpStates.name(s[2]));
        }
        assertEquals(432_000, TcpStates.defaultTimeout(TcpStates.ESTABLISHED));
        assertEquals(10, TcpStates.defaultTimeout(TcpStates.CLOSE));
    }
}
