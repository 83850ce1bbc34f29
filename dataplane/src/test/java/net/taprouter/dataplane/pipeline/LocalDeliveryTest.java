package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Packets addressed to the router: echo, UDP, TCP, other protocols. */
class LocalDeliveryTest extends GraphTestBase {
    private static final byte[] ECHO_DATA = "taprouter echo payload 0123456789".getBytes(StandardCharsets.US_ASCII);

    @BeforeEach
    void hosts() {
        resolveHosts();
    }

    @Test
    void theBuilderMakesTheGoldenEchoRequest() {
        byte[] built = Wire.ipv4("192.0.2.1", "192.0.2.254").id(0x1234).flagsFragment(Wire.DF).ttl(57)
            .icmp(8, 0, 0x4242_0007, ECHO_DATA).frame(P0_MAC, A_MAC);
        assertEquals(Golden.ECHO_REQUEST, Wire.hex(built));
    }

    @Test
    void echoRequestGetsAnEchoReply() {
        fx.receive(0, Golden.ECHO_REQUEST);

        byte[] reply = only(fx.tap0);
        assertEquals(Golden.ECHO_REPLY, Wire.hex(reply));
        fx.assertNothingWritten();
        // the same, field by field
        assertEquals(A_MAC, Wire.getMac(reply, 0));
        assertEquals(P0_MAC, Wire.getMac(reply, 6));
        assertEquals(R0, Wire.u32(reply, 14 + 12), "source");
        assertEquals(A, Wire.u32(reply, 14 + 16), "destination");
        assertEquals(64, Wire.u8(reply, 14 + 8), "TTL");
        assertEquals(Wire.ipHeaderChecksum(reply, 14), Wire.u16(reply, 14 + 10), "IP checksum");
        assertEquals(0, Wire.u8(reply, 34), "ICMP type");
        assertEquals(0, Wire.checksum(reply, 34, reply.length - 34), "ICMP checksum");
        byte[] request = Wire.unhex(Golden.ECHO_REQUEST);
        assertArrayEquals(Wire.slice(request, 38, request.length - 38), Wire.slice(reply, 38, reply.length - 38),
            "identifier, sequence and data");
        fx.assertCounters("event.icmp_echo_replies_sent", 1, "event.local_delivered", 1, "origin.sent", 1,
            "port.tap0.tx_bytes", 75, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void echoToTheOtherPortsAddressIsAnsweredFromThatAddress() {
        fx.receive(0, Golden.ECHO_REQUEST_R1);

        assertEquals(Golden.ECHO_REPLY_R1, Wire.hex(only(fx.tap0)));
        fx.assertNothingWritten();
        fx.assertCounters("event.icmp_echo_replies_sent", 1, "event.local_delivered", 1, "origin.sent", 1,
            "port.tap0.tx_bytes", 75, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void paddedEchoRequestGetsAnUnpaddedReply() {
        byte[] small = Wire.ipv4("192.0.2.1", "192.0.2.254").id(7).icmp(8, 0, 0x0001_0001, new byte[0]).frame(P0_MAC, A_MAC);
        byte[] padded = new byte[60];
        System.arraycopy(small, 0, padded, 0, small.length);

        fx.receive(0, padded);

        byte[] expected = Wire.ipv4("192.0.2.254", "192.0.2.1").id(7).icmp(0, 0, 0x0001_0001, new byte[0]).frame(A_MAC, P0_MAC);
        assertEquals(Wire.hex(expected), Wire.hex(only(fx.tap0)));
        fx.assertCounters("event.icmp_echo_replies_sent", 1, "event.local_delivered", 1, "origin.sent", 1,
            "port.tap0.tx_bytes", 42, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void echoToTheSubnetBroadcastIsDropped() {
        byte[] echo = Wire.ipv4("192.0.2.1", "192.0.2.255").icmp(8, 0, 0x4242_0001, ECHO_DATA).frame(BROADCAST_MAC, A_MAC);

        fx.receive(0, echo);

        fx.assertNothingWritten();
        fx.assertCounters("drop.ip_broadcast", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void echoToTheSubnetBroadcastInAUnicastFrameIsDropped() {
        byte[] echo = Wire.ipv4("192.0.2.1", "192.0.2.255").icmp(8, 0, 0x4242_0001, ECHO_DATA).frame(P0_MAC, A_MAC);

        fx.receive(0, echo);

        fx.assertNothingWritten();
        fx.assertCounters("drop.ip_broadcast", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void echoToTheLimitedBroadcastIsDropped() {
        byte[] echo = Wire.ipv4("192.0.2.1", "255.255.255.255").icmp(8, 0, 0x4242_0001, ECHO_DATA).frame(BROADCAST_MAC, A_MAC);

        fx.receive(0, echo);

        fx.assertNothingWritten();
        fx.assertCounters("drop.ip_broadcast", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void echoWithABadIcmpChecksumIsDropped() {
        byte[] echo = Wire.unhex(Golden.ECHO_REQUEST);
        echo[34 + 3] ^= 0x01;

        fx.receive(0, echo);

        fx.assertNothingWritten();
        fx.assertCounters("drop.ip_bad_checksum", 1, "port.tap0.rx_drops", 1, "port.tap0.rx_errors", 1);
        fx.assertNoLeak();
    }

    @Test
    void otherIcmpToTheRouterIsDropped() {
        byte[] reply = Wire.ipv4("192.0.2.1", "192.0.2.254").icmp(0, 0, 0x4242_0001, ECHO_DATA).frame(P0_MAC, A_MAC);

        fx.receive(0, reply);

        fx.assertNothingWritten();
        fx.assertCounters("drop.local_icmp_other", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void fragmentToTheRouterIsDropped() {
        byte[] fragment = Wire.ipv4("192.0.2.1", "192.0.2.254").flagsFragment(Wire.MF)
            .icmp(8, 0, 0x4242_0001, ECHO_DATA).frame(P0_MAC, A_MAC);

        fx.receive(0, fragment);

        fx.assertNothingWritten();
        fx.assertCounters("drop.local_fragment", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void udpToTheRouterGetsPortUnreachable() {
        fx.receive(0, Golden.UDP_TO_ROUTER);

        byte[] error = only(fx.tap0);
        assertEquals(Golden.PORT_UNREACHABLE, Wire.hex(error));
        fx.assertNothingWritten();
        assertEquals(3, Wire.u8(error, 34), "type");
        assertEquals(3, Wire.u8(error, 35), "code");
        fx.assertCounters("drop.local_no_listener", 1, "event.icmp_errors_sent", 1, "origin.sent", 1,
            "port.tap0.rx_drops", 1, "port.tap0.tx_bytes", 106, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    /** A TCP segment 192.0.2.1:40000 to 192.0.2.254:22 with a correct checksum. */
    private static byte[] tcpToRouter(int flags, int ack) {
        byte[] tcp = Wire.tcpSyn(40000, 22);
        tcp[13] = (byte) flags;
        Wire.put32(tcp, 8, ack);
        byte[] pseudo = new byte[12 + tcp.length];
        Wire.put32(pseudo, 0, Wire.ip("192.0.2.1"));
        Wire.put32(pseudo, 4, Wire.ip("192.0.2.254"));
        pseudo[9] = (byte) Wire.PROTO_TCP;
        Wire.put16(pseudo, 10, tcp.length);
        System.arraycopy(tcp, 0, pseudo, 12, tcp.length);
        Wire.put16(tcp, 16, Wire.checksum(pseudo, 0, pseudo.length));
        return Wire.ipv4("192.0.2.1", "192.0.2.254").payload(Wire.PROTO_TCP, tcp).frame(P0_MAC, A_MAC);
    }

    @Test
    void tcpSynToTheRouterGetsResetAck() {
        fx.receive(0, tcpToRouter(0x02, 0));

        byte[] reset = only(fx.tap0);
        assertEquals(54, reset.length);
        assertEquals(Wire.ip("192.0.2.254"), Wire.u32(reset, 26), "source");
        assertEquals(Wire.ip("192.0.2.1"), Wire.u32(reset, 30), "destination");
        assertEquals(Wire.PROTO_TCP, Wire.u8(reset, 23));
        assertEquals(40, Wire.u16(reset, 16), "total length");
        assertEquals(0, Wire.checksum(reset, 14, 20), "IP checksum");
        assertEquals(22, Wire.u16(reset, 34), "source port");
        assertEquals(40000, Wire.u16(reset, 36), "destination port");
        assertEquals(0, Wire.u32(reset, 38), "seq");
        assertEquals(0x01020305, Wire.u32(reset, 42), "ack = SYN's seq + 1");
        assertEquals(0x14, Wire.u8(reset, 47), "RST|ACK");
        byte[] pseudo = new byte[12 + 20];
        System.arraycopy(reset, 26, pseudo, 0, 8);
        pseudo[9] = (byte) Wire.PROTO_TCP;
        Wire.put16(pseudo, 10, 20);
        System.arraycopy(reset, 34, pseudo, 12, 20);
        assertEquals(0, Wire.checksum(pseudo, 0, pseudo.length), "TCP checksum");
        fx.assertCounters("drop.local_no_listener", 1, "event.tcp_resets_sent", 1, "origin.sent", 1,
            "port.tap0.rx_drops", 1, "port.tap0.tx_bytes", 54, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }

    @Test
    void tcpAckToTheRouterGetsResetWithItsAckAsSequence() {
        fx.receive(0, tcpToRouter(0x10, 0x0a0b0c0d));

        byte[] reset = only(fx.tap0);
        assertEquals(0x0a0b0c0d, Wire.u32(reset, 38), "seq = SEG.ACK");
        assertEquals(0x04, Wire.u8(reset, 47), "RST only");
        fx.assertNoLeak();
    }

    @Test
    void tcpResetOrBadChecksumToTheRouterIsDroppedSilently() {
        fx.receive(0, tcpToRouter(0x04, 0));
        byte[] bad = tcpToRouter(0x02, 0);
        bad[bad.length - 4] ^= 0x55; // corrupt the TCP checksum
        fx.receive(0, bad);

        fx.assertNothingWritten();
        fx.assertCounters("drop.local_no_listener", 2, "port.tap0.rx_drops", 2);
        fx.assertNoLeak();
    }

    @Test
    void otherProtocolToTheRouterGetsProtocolUnreachable() {
        byte[] gre = Wire.ipv4("192.0.2.1", "192.0.2.254").id(0x0abc).payload(47, Wire.pattern(24, 5)).build();

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, gre));

        byte[] expected = Wire.ipv4("192.0.2.254", "192.0.2.1").tos(0xc0).id(0).icmp(3, 2, 0, gre).frame(A_MAC, P0_MAC);
        assertEquals(Wire.hex(expected), Wire.hex(only(fx.tap0)));
        fx.assertCounters("drop.local_no_listener", 1, "event.icmp_errors_sent", 1, "origin.sent", 1,
            "port.tap0.rx_drops", 1, "port.tap0.tx_bytes", 86, "port.tap0.tx_packets", 1);
        fx.assertNoLeak();
    }
}
