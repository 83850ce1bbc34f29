package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import net.taprouter.dataplane.conntrack.ConntrackEntry;
import net.taprouter.dataplane.conntrack.ConntrackFilter;
import net.taprouter.dataplane.conntrack.ConntrackHooks;
import net.taprouter.dataplane.conntrack.ConntrackTable;
import net.taprouter.dataplane.conntrack.NatRule;
import net.taprouter.dataplane.conntrack.NatRuleSet;
import net.taprouter.dataplane.conntrack.TcpStates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TCP window tracking (nf_conntrack's tcp_in_window) in the real graph, through MASQUERADE
 * ({@code 192.0.2.0/24 out port1}): host A 192.0.2.1:40000 talks to B 198.51.100.1:80, seen
 * outside as 198.51.100.254:40000. The segments are those of a Linux handshake (SYN with MSS,
 * SACK permitted, timestamps, window scale 7; SYN-ACK likewise) and its data: in-window data,
 * retransmissions and a scaled window pass; a segment far beyond the receiver's window, an ACK of
 * data never sent and an ACK far behind are INVALID (dropped, counted); a flow picked up
 * mid-stream is tracked liberally.
 */
class TcpWindowGraphTest {
    static final long A_MAC = GraphFixture.HOST_A_MAC;
    static final long B_MAC = GraphFixture.HOST_B_MAC;
    static final long P0 = GraphFixture.PORT0_MAC;
    static final long P1 = GraphFixture.PORT1_MAC;
    static final String A = "192.0.2.1";
    static final String B = "198.51.100.1";
    static final String OUTSIDE = "198.51.100.254";
    static final int SYN = Flows.SYN;
    static final int ACK = Flows.ACK;
    static final int PSH = Flows.PSH;
    /** MSS 1460, SACK permitted, timestamps, NOP, window scale 7: what Linux puts in a SYN (20 bytes). */
    static final byte[] SYN_OPTIONS = {2, 4, 0x05, (byte) 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
    /** NOP, NOP, timestamps: what Linux puts in every later segment (12 bytes). */
    static final byte[] TS_OPTIONS = {1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1};
    static final long ISN_A = 0xFFFF_F000L; // wraps around 2^32 during the test
    static final long ISN_B = 5000;

    GraphFixture fx;
    ConntrackTable table;

    @BeforeEach
    void setUp() {
        fx = new GraphFixture(ConntrackHooks.all());
        fx.worker.startConntrack(); // as the first NAT rule does
        table = fx.context.conntrack;
        table.config().rules(new NatRuleSet(List.of(NatRule.masquerade(1, Wire.ip("192.0.2.0"), 24, 1))));
        fx.resolve(0, GraphFixture.HOST_A, A_MAC);
        fx.resolve(1, GraphFixture.HOST_B, B_MAC);
        fx.markCounters();
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    void fromA(int flags, long seq, long ack, int window, byte[] options, int data) {
        fx.receive(0, Flows.tcp(A, 40000, B, 80, flags, seq, ack, window, options, data, P0, A_MAC));
    }

    void fromB(int flags, long seq, long ack, int window, byte[] options, int data) {
        fx.receive(1, Flows.tcp(B, 80, OUTSIDE, 40000, flags, seq, ack, window, options, data, P1, B_MAC));
    }

    ConntrackEntry flow() {
        List<ConntrackEntry> all = table.slice(ConntrackFilter.ALL, 0, 100, false, table.seconds(fx.context.nowNanos)).entries();
        assertEquals(1, all.size());
        return all.get(0);
    }

    /** SYN, SYN-ACK, ACK with window scale 7 on both sides; A's next sequence number is ISN_A + 1. */
    void handshake() {
        fromA(SYN, ISN_A, 0, 64240, SYN_OPTIONS, 0);
        only(fx.tap1);
        fromB(SYN | ACK, ISN_B, ISN_A + 1, 65160, SYN_OPTIONS, 0);
        only(fx.tap0);
        fromA(ACK, ISN_A + 1, ISN_B + 1, 502, TS_OPTIONS, 0); // 502 << 7 = 64256 bytes
        only(fx.tap1);
        assertEquals(TcpStates.ESTABLISHED, flow().state());
        fx.markCounters();
    }

    @Test
    void handshakeDataRetransmissionsAndAScaledWindowPass() {
        handshake();
        long seq = ISN_A + 1;
        // 40 full segments unacknowledged: 57,920 bytes, within B's scaled window (65160 unscaled
        // in its SYN-ACK; 509 << 7 = 65152 later) but far beyond an unscaled 509
        fromB(ACK, ISN_B + 1, seq, 509, TS_OPTIONS, 0);
        only(fx.tap0);
        for (int i = 0; i < 40; i++) {
            fromA(ACK | PSH, seq + 1448L * i, ISN_B + 1, 502, TS_OPTIONS, 1448);
            only(fx.tap1);
        }
        fromA(ACK | PSH, seq, ISN_B + 1, 502, TS_OPTIONS, 1448); // a retransmission of the first
        only(fx.tap1);
        fromB(ACK, ISN_B + 1, seq + 1448L * 40, 509, TS_OPTIONS, 0); // B acknowledges it all
        only(fx.tap0);
        fromB(ACK | PSH, ISN_B + 1, seq + 1448L * 40, 509, TS_OPTIONS, 100); // B answers with data
        only(fx.tap0);
        fromA(ACK, seq + 1448L * 40, ISN_B + 101, 502, TS_OPTIONS, 0);
        only(fx.tap1);
        assertEquals(3 + 45, fx.counter("event.forwarded"), "the handshake and every segment since");
        assertEquals(0, fx.counter("drop.conntrack_invalid"));
        assertEquals(0, table.statistics().invalid());
        assertEquals(true, flow().assured());
        fx.assertNoLeak();
    }

    @Test
    void aSegmentFarBeyondTheWindowIsInvalid() {
        handshake();
        fromA(ACK | PSH, ISN_A + 1 + 10_000_000, ISN_B + 1, 502, TS_OPTIONS, 100);
        fx.assertNothingWritten();
        fx.assertCounters("drop.conntrack_invalid", 1, "port.tap0.rx_drops", 1);
        assertEquals(1, table.statistics().invalid());
        assertEquals(TcpStates.ESTABLISHED, flow().state(), "the flow is left as it was");
        fromA(ACK | PSH, ISN_A + 1, ISN_B + 1, 502, TS_OPTIONS, 100); // the flow goes on
        only(fx.tap1);
        fx.assertNoLeak();
    }

    @Test
    void aFinFarBeyondTheWindowDoesNotCloseTheFlow() {
        handshake();
        fromB(ACK | Flows.FIN, ISN_B + 1 + 5_000_000, ISN_A + 1, 509, TS_OPTIONS, 0);
        fx.assertNothingWritten(); // dropped as forwarded (translated to A): the router does not answer it with a reset
        fx.assertCounters("drop.conntrack_invalid", 1, "port.tap1.rx_drops", 1);
        assertEquals(TcpStates.ESTABLISHED, flow().state());
        assertEquals(1, table.statistics().invalid());
        fx.assertNoLeak();
    }

    @Test
    void anOldAckFarBehindIsInvalid() {
        handshake();
        fromA(ACK, ISN_A + 1, ISN_B + 1 - 100_000, 502, TS_OPTIONS, 0);
        fx.assertNothingWritten();
        fx.assertCounters("drop.conntrack_invalid", 1, "port.tap0.rx_drops", 1);
        assertEquals(1, table.statistics().invalid());
        fx.assertNoLeak();
    }

    @Test
    void anAckOfDataNeverSentIsInvalid() {
        handshake();
        fromA(ACK, ISN_A + 1, ISN_B + 1 + 1_000, 502, TS_OPTIONS, 0);
        fx.assertNothingWritten();
        assertEquals(1, table.statistics().invalid());
        fx.assertNoLeak();
    }

    @Test
    void sackBlocksCountAsTheAck() {
        handshake();
        fromB(ACK | PSH, ISN_B + 1, ISN_A + 1, 509, TS_OPTIONS, 1000);
        only(fx.tap0);
        // A SACKs B's data beyond what B sent: over the upper bound, INVALID (the plain ACK alone would pass)
        byte[] sack = {1, 1, 5, 10, 0, 0, 0, 0, 0, 0, 0, 0};
        Wire.put32(sack, 4, (int) (ISN_B + 1 + 1000));
        Wire.put32(sack, 8, (int) (ISN_B + 1 + 5000));
        fromA(ACK, ISN_A + 1, ISN_B + 1, 502, sack, 0);
        fx.assertNothingWritten();
        assertEquals(1, table.statistics().invalid());
        Wire.put32(sack, 8, (int) (ISN_B + 1 + 1000)); // a SACK block within what B sent passes
        Wire.put32(sack, 4, (int) (ISN_B + 1 + 500));
        fromA(ACK, ISN_A + 1, ISN_B + 1, 502, sack, 0);
        only(fx.tap1);
        fx.assertNoLeak();
    }

    @Test
    void aFlowPickedUpMidStreamIsTrackedLiberally() {
        fromA(ACK | PSH, 123_456, 777, 502, TS_OPTIONS, 1000);
        only(fx.tap1);
        assertEquals(TcpStates.ESTABLISHED, flow().state());
        fromB(ACK, 777, 123_456 + 1000, 509, TS_OPTIONS, 0);
        only(fx.tap0);
        // its window scale is unknown: a segment beyond the unscaled window passes (as the kernel's BE_LIBERAL)
        fromA(ACK | PSH, 123_456 + 1000 + 200_000, 777, 502, TS_OPTIONS, 1000);
        only(fx.tap1);
        assertEquals(0, table.statistics().invalid());
        fx.assertNoLeak();
    }
}
