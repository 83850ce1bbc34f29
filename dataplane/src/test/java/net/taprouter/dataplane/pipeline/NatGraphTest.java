package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.conntrack.ConntrackEntry;
import net.taprouter.dataplane.conntrack.ConntrackFilter;
import net.taprouter.dataplane.conntrack.ConntrackHooks;
import net.taprouter.dataplane.conntrack.ConntrackTable;
import net.taprouter.dataplane.conntrack.NatRule;
import net.taprouter.dataplane.conntrack.NatRuleSet;
import net.taprouter.dataplane.iface.InterfaceAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * NAT in the real graph: port 0 is the inside (192.0.2.0/24: hosts A 192.0.2.1 and C
 * 192.0.2.2), port 1 the outside (198.51.100.254/24, host B 198.51.100.1; gateway 198.51.100.2
 * for 203.0.113.0/24), with {@code masquerade src 192.0.2.0/24 out port1} and
 * {@code dnat proto tcp dst 198.51.100.254 dport 8080 to 192.0.2.1:80}. Every translated packet's
 * checksums are checked against a full recompute.
 */
class NatGraphTest {
    static final long A_MAC = GraphFixture.HOST_A_MAC;
    static final long B_MAC = GraphFixture.HOST_B_MAC;
    static final long C_MAC = Wire.mac("00:00:5e:00:53:04");
    static final long GW_MAC = GraphFixture.GATEWAY_MAC;
    static final long P0 = GraphFixture.PORT0_MAC;
    static final long P1 = GraphFixture.PORT1_MAC;
    static final int A = GraphFixture.HOST_A;
    static final int B = GraphFixture.HOST_B;
    static final int C = Wire.ip("192.0.2.2");
    static final int OUTSIDE = GraphFixture.ROUTER1;
    static final long SECOND = GraphFixture.SECOND;

    GraphFixture fx;
    ConntrackTable table;

    @BeforeEach
    void setUp() {
        fx = new GraphFixture(ConntrackHooks.all());
        fx.worker.startConntrack();
        table = fx.context.conntrack;
        table.config().rules(new NatRuleSet(List.of(
            NatRule.masquerade(1, Wire.ip("192.0.2.0"), 24, 1),
            NatRule.dnat(2, 6, OUTSIDE, 8080, A, 80))));
        fx.resolve(0, A, A_MAC);
        fx.resolve(0, C, C_MAC);
        fx.resolve(1, B, B_MAC);
        fx.resolve(1, GraphFixture.GATEWAY, GW_MAC);
        fx.markCounters();
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    List<String> described() {
        List<String> list = new ArrayList<>();
        for (ConntrackEntry e : table.slice(ConntrackFilter.ALL, 0, 10_000, false, table.seconds(fx.context.nowNanos)).entries()) {
            list.add(Flows.describe(e));
        }
        return list;
    }

    @Test
    void masqueradeKeepsTheSourcePortAndRepliesFindTheInsideHost() {
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 30, P0, A_MAC));
        byte[] out = only(fx.tap1);
        assertEquals(OUTSIDE, Flows.src(out), "the outside port's address");
        assertEquals(40000, Flows.sport(out), "port kept: it was free");
        Flows.assertChecksums(out);
        assertEquals(List.of("udp 192.0.2.1:40000>198.51.100.1:9 | 198.51.100.1:9>198.51.100.254:40000 UNREPLIED"), described());

        fx.receive(1, Flows.udp("198.51.100.1", 9, "198.51.100.254", 40000, 30, P1, B_MAC));
        byte[] back = only(fx.tap0);
        assertEquals(A, Flows.dst(back));
        assertEquals(40000, Flows.dport(back));
        assertEquals(B, Flows.src(back));
        Flows.assertChecksums(back);
        fx.assertCounters("event.forwarded", 2, "port.tap1.tx_packets", 1, "port.tap1.tx_bytes", out.length,
            "port.tap0.tx_packets", 1, "port.tap0.tx_bytes", back.length);
        fx.assertNoLeak();
    }

    @Test
    void tcpThroughMasqueradeIsTranslatedBothWays() {
        fx.receive(0, Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 80, Flows.SYN, 1000, 0, 0, P0, A_MAC));
        byte[] syn = only(fx.tap1);
        Flows.assertChecksums(syn);
        assertEquals(OUTSIDE, Flows.src(syn));
        fx.receive(1, Flows.tcp("198.51.100.1", 80, "198.51.100.254", 40000, Flows.SYN | Flows.ACK, 5, 1001, 0, P1, B_MAC));
        byte[] synAck = only(fx.tap0);
        Flows.assertChecksums(synAck);
        assertEquals(A, Flows.dst(synAck));
        fx.receive(0, Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 80, Flows.ACK | Flows.PSH, 1001, 6, 100, P0, A_MAC));
        Flows.assertChecksums(only(fx.tap1));
        assertEquals(List.of("tcp 192.0.2.1:40000>198.51.100.1:80 | 198.51.100.1:80>198.51.100.254:40000 ASSURED"), described());
        fx.assertNoLeak();
    }

    @Test
    void twoInsideHostsWithOnePortGetTwoOutsidePortsOfItsClass() {
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, P0, A_MAC));
        byte[] first = only(fx.tap1);
        fx.receive(0, Flows.udp("192.0.2.2", 40000, "198.51.100.1", 9, 8, C_MAC == 0 ? 0 : P0, C_MAC));
        byte[] second = only(fx.tap1);
        assertEquals(40000, Flows.sport(first));
        assertNotEquals(40000, Flows.sport(second), "the port is taken on the outside address");
        assertTrue(Flows.sport(second) >= 1024, "same class as 40000: 1024-65535");
        Flows.assertChecksums(second);
        // each reply finds its host
        fx.receive(1, Flows.udp("198.51.100.1", 9, "198.51.100.254", Flows.sport(second), 8, P1, B_MAC));
        byte[] toC = only(fx.tap0);
        assertEquals(C, Flows.dst(toC));
        assertEquals(40000, Flows.dport(toC));
        assertEquals(C_MAC, Wire.getMac(toC, 0));
        fx.receive(0, Flows.udp("192.0.2.2", 600, "198.51.100.1", 9, 8, P0, C_MAC));
        fx.receive(0, Flows.udp("192.0.2.1", 600, "198.51.100.1", 9, 8, P0, A_MAC));
        List<byte[]> low = fx.tap1.take();
        assertEquals(600, Flows.sport(low.get(0)));
        int other = Flows.sport(low.get(1));
        assertTrue(other >= 600 && other <= 1023 && other != 600, "512-1023 maps into 600-1023: " + other);
        fx.assertNoLeak();
    }

    @Test
    void oneInsideEndpointKeepsOneOutsidePortForEveryDestination() {
        // C takes 40000 on the outside first, so A's 40000 is mapped elsewhere — and stays there
        fx.receive(0, Flows.udp("192.0.2.2", 40000, "198.51.100.1", 9, 8, P0, C_MAC));
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, P0, A_MAC));
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "203.0.113.9", 53, 8, P0, A_MAC));
        List<byte[]> out = fx.tap1.take();
        assertEquals(3, out.size());
        assertNotEquals(40000, Flows.sport(out.get(1)));
        assertEquals(Flows.sport(out.get(1)), Flows.sport(out.get(2)), "endpoint-independent mapping (RFC 4787 REQ-1)");
        assertEquals(GW_MAC, Wire.getMac(out.get(2), 0));
        fx.assertNoLeak();
    }

    @Test
    void icmpEchoIdentifiersAreMappedLikePorts() {
        fx.receive(0, Flows.echo("192.0.2.1", "198.51.100.1", 8, 77, 1, P0, A_MAC));
        fx.receive(0, Flows.echo("192.0.2.2", "198.51.100.1", 8, 77, 1, P0, C_MAC));
        List<byte[]> out = fx.tap1.take();
        assertEquals(77, Flows.icmpId(out.get(0)));
        int id2 = Flows.icmpId(out.get(1));
        assertNotEquals(77, id2);
        Flows.assertChecksums(out.get(0));
        Flows.assertChecksums(out.get(1));
        fx.receive(1, Flows.echo("198.51.100.1", "198.51.100.254", 0, id2, 1, P1, B_MAC));
        byte[] reply = only(fx.tap0);
        assertEquals(C, Flows.dst(reply));
        assertEquals(77, Flows.icmpId(reply));
        Flows.assertChecksums(reply);
        fx.assertNoLeak();
    }

    @Test
    void dnatForwardsAPortAndTheServerSeesTheClient() {
        fx.receive(1, Flows.tcp("198.51.100.1", 50000, "198.51.100.254", 8080, Flows.SYN, 1, 0, 0, P1, B_MAC));
        byte[] in = only(fx.tap0);
        assertEquals(A, Flows.dst(in));
        assertEquals(80, Flows.dport(in));
        assertEquals(B, Flows.src(in), "the server sees the client's real address");
        assertEquals(50000, Flows.sport(in));
        Flows.assertChecksums(in);
        fx.receive(0, Flows.tcp("192.0.2.1", 80, "198.51.100.1", 50000, Flows.SYN | Flows.ACK, 9, 2, 0, P0, A_MAC));
        byte[] back = only(fx.tap1);
        assertEquals(OUTSIDE, Flows.src(back), "the reply comes from the address the client used");
        assertEquals(8080, Flows.sport(back));
        Flows.assertChecksums(back);
        assertEquals(List.of("tcp 198.51.100.1:50000>198.51.100.254:8080 | 192.0.2.1:80>198.51.100.1:50000"), described());
        fx.assertNoLeak();
    }

    @Test
    void hairpinningReachesAForwardedServiceFromInside() {
        fx.receive(0, Flows.tcp("192.0.2.2", 45000, "198.51.100.254", 8080, Flows.SYN, 1, 0, 0, P0, C_MAC));
        byte[] toServer = only(fx.tap0);
        assertEquals(A_MAC, Wire.getMac(toServer, 0));
        assertEquals(A, Flows.dst(toServer));
        assertEquals(80, Flows.dport(toServer));
        assertEquals(OUTSIDE, Flows.src(toServer), "source NATed too, so the reply comes back through the router");
        int port = Flows.sport(toServer);
        Flows.assertChecksums(toServer);
        fx.receive(0, Flows.tcp("192.0.2.1", 80, "198.51.100.254", port, Flows.SYN | Flows.ACK, 9, 2, 0, P0, A_MAC));
        byte[] toClient = only(fx.tap0);
        assertEquals(C_MAC, Wire.getMac(toClient, 0));
        assertEquals(C, Flows.dst(toClient));
        assertEquals(45000, Flows.dport(toClient));
        assertEquals(OUTSIDE, Flows.src(toClient), "from the address C connected to");
        assertEquals(8080, Flows.sport(toClient));
        Flows.assertChecksums(toClient);
        fx.assertNoLeak();
    }

    @Test
    void unsolicitedInboundIsDroppedAndNeverAnswered() {
        fx.receive(1, Flows.tcp("198.51.100.1", 50000, "198.51.100.254", 22, Flows.SYN, 1, 0, 0, P1, B_MAC));
        fx.receive(1, Flows.udp("198.51.100.1", 50000, "198.51.100.254", 53, 8, P1, B_MAC));
        fx.assertNothingWritten();
        fx.assertCounters("drop.nat_unsolicited", 2, "port.tap1.rx_drops", 2);
        // pings to the router's address are still answered; from inside, TCP to it still gets a reset
        fx.receive(1, Flows.echo("198.51.100.1", "198.51.100.254", 8, 5, 1, P1, B_MAC));
        only(fx.tap1);
        fx.receive(0, Flows.tcp("192.0.2.1", 50000, "198.51.100.254", 22, Flows.SYN, 1, 0, 0, P0, A_MAC));
        assertEquals(Flows.RST | Flows.ACK, Wire.u8(only(fx.tap0), 14 + 20 + 13));
        assertEquals(List.of(), described());
        fx.assertNoLeak();
    }

    @Test
    void flowsOfAnAddressThatWentAreFlushedAndNewOnesUseTheNewAddress() {
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, P0, A_MAC));
        only(fx.tap1);
        fx.receive(0, Flows.tcp("192.0.2.1", 40000, "203.0.113.1", 80, Flows.SYN, 1, 0, 0, P0, A_MAC));
        only(fx.tap1);
        assertEquals(2, table.size());
        fx.iface1.addresses(new InterfaceAddress[] {new InterfaceAddress(Wire.ip("198.51.100.253"), 24)});
        fx.timer(50_000_000L);
        assertEquals(0, table.size(), "MASQUERADE flows of the old address flushed");
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, P0, A_MAC));
        assertEquals(Wire.ip("198.51.100.253"), Flows.src(only(fx.tap1)));
        fx.assertNoLeak();
    }

    /** The IPv4 packet of a frame (no Ethernet header). */
    static byte[] ipOf(byte[] frame) {
        return Wire.slice(frame, 14, frame.length - 14);
    }

    /** Checks the quote of an ICMP error frame: its header checksum and (when quoted whole) its L4 checksum. */
    static void assertQuoteChecksums(byte[] error) {
        byte[] quote = Wire.slice(error, 14 + 20 + 8, error.length - 14 - 28);
        assertEquals(Wire.ipHeaderChecksum(quote, 0), Wire.u16(quote, 10), "quoted IP header checksum");
        Flows.assertChecksums(Wire.concat(new byte[14], quote));
    }

    @Test
    void anIcmpErrorFromBeyondIsTranslatedBackToTheInsideHost() {
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "203.0.113.9", 33434, 12, P0, A_MAC));
        byte[] probe = only(fx.tap1);
        assertEquals(OUTSIDE, Flows.src(probe));
        // the gateway answers it with Time Exceeded, quoting it as it saw it
        byte[] error = Wire.ipv4("198.51.100.2", "198.51.100.254").icmp(11, 0, 0, ipOf(probe)).frame(P1, GW_MAC);
        fx.receive(1, error);
        byte[] back = only(fx.tap0);
        assertEquals(A, Flows.dst(back), "the error goes to the inside host");
        assertEquals(Wire.ip("198.51.100.2"), Flows.src(back), "from the router that sent it");
        Flows.assertChecksums(back);
        byte[] quote = Wire.slice(back, 14 + 28, back.length - 14 - 28);
        assertEquals(A, Wire.u32(quote, 12), "quoted source: the inside host");
        assertEquals(Wire.ip("203.0.113.9"), Wire.u32(quote, 16));
        assertEquals(40000, Wire.u16(quote, 20), "quoted source port as the host sent it");
        assertQuoteChecksums(back);
        assertEquals(List.of("udp 192.0.2.1:40000>203.0.113.9:33434 | 203.0.113.9:33434>198.51.100.254:40000 UNREPLIED"), described(),
            "a RELATED error does not count as a reply");
        fx.assertNoLeak();
    }

    @Test
    void anIcmpErrorAboutAnEchoIsTranslatedWithItsIdentifier() {
        fx.receive(0, Flows.echo("192.0.2.2", "203.0.113.9", 8, 77, 1, P0, C_MAC));
        fx.receive(0, Flows.echo("192.0.2.1", "203.0.113.9", 8, 77, 1, P0, A_MAC));
        byte[] second = fx.tap1.take().get(1);
        int id = Flows.icmpId(second);
        assertNotEquals(77, id);
        fx.receive(1, Wire.ipv4("198.51.100.2", "198.51.100.254").icmp(11, 0, 0, ipOf(second)).frame(P1, GW_MAC));
        byte[] back = only(fx.tap0);
        assertEquals(A, Flows.dst(back));
        Flows.assertChecksums(back);
        byte[] quote = Wire.slice(back, 14 + 28, back.length - 14 - 28);
        assertEquals(A, Wire.u32(quote, 12));
        assertEquals(77, Wire.u16(quote, 20 + 4), "quoted echo identifier as the host sent it");
        assertEquals(0, Wire.checksum(quote, 20, quote.length - 20), "quoted ICMP checksum");
        fx.assertNoLeak();
    }

    @Test
    void anErrorForAForwardedPortShowsTheClientTheAddressItUsed() {
        fx.receive(1, Flows.udp("198.51.100.1", 50000, "198.51.100.254", 5353, 8, P1, B_MAC));
        fx.assertNothingWritten(); // no DNAT for 5353: unsolicited
        table.config().rules(new NatRuleSet(List.of(NatRule.masquerade(1, Wire.ip("192.0.2.0"), 24, 1),
            NatRule.dnat(2, 17, OUTSIDE, 5353, A, 53))));
        fx.receive(1, Flows.udp("198.51.100.1", 50000, "198.51.100.254", 5353, 8, P1, B_MAC));
        byte[] in = only(fx.tap0);
        // the server has nothing on 53: port unreachable, quoting the packet as it got it
        fx.receive(0, Wire.ipv4("192.0.2.1", "198.51.100.1").icmp(3, 3, 0, ipOf(in)).frame(P0, A_MAC));
        byte[] back = only(fx.tap1);
        assertEquals(B, Flows.dst(back));
        assertEquals(OUTSIDE, Flows.src(back), "from the address the client sent to (the server is hidden)");
        Flows.assertChecksums(back);
        byte[] quote = Wire.slice(back, 14 + 28, back.length - 14 - 28);
        assertEquals(OUTSIDE, Wire.u32(quote, 16));
        assertEquals(5353, Wire.u16(quote, 22));
        assertQuoteChecksums(back);
        fx.assertNoLeak();
    }

    @Test
    void theRoutersOwnErrorsQuoteThePacketAsReceived() {
        // fragmentation needed after MASQUERADE rewrote the source
        fx.iface1.mtu(576);
        fx.receive(0, Wire.ipv4("192.0.2.1", "198.51.100.1").flagsFragment(Wire.DF).udp(40000, 9, Wire.pattern(1000, 1))
            .frame(P0, A_MAC));
        byte[] fragNeeded = only(fx.tap0);
        assertEquals(A, Flows.dst(fragNeeded), "to the inside host, not to the NAT address");
        assertEquals(3, Wire.u8(fragNeeded, 14 + 20));
        assertEquals(4, Wire.u8(fragNeeded, 14 + 21));
        assertEquals(A, Wire.u32(fragNeeded, 14 + 28 + 12), "quoted source as sent");
        assertEquals(40000, Wire.u16(fragNeeded, 14 + 28 + 20));
        assertEquals(Wire.ipHeaderChecksum(fragNeeded, 14 + 28), Wire.u16(fragNeeded, 14 + 28 + 10));
        fx.iface1.mtu(1500);
        // time exceeded after DNAT rewrote the destination
        fx.receive(1, Wire.ipv4("198.51.100.1", "198.51.100.254").ttl(1)
            .payload(Wire.PROTO_TCP, Wire.slice(Flows.tcp("198.51.100.1", 50000, "198.51.100.254", 8080, Flows.SYN, 1, 0, 0, P1, B_MAC),
                34, 20)).frame(P1, B_MAC));
        byte[] timeExceeded = only(fx.tap1);
        assertEquals(B, Flows.dst(timeExceeded));
        assertEquals(11, Wire.u8(timeExceeded, 14 + 20));
        assertEquals(OUTSIDE, Wire.u32(timeExceeded, 14 + 28 + 16), "quoted destination as the client sent it");
        assertEquals(8080, Wire.u16(timeExceeded, 14 + 28 + 22));
        fx.assertNoLeak();
    }

    @Test
    void laterFragmentsFollowTheirFirstFragmentsFlow() {
        byte[] datagram = Wire.udp(40000, 9, Wire.pattern(1200, 9));
        Wire.put16(datagram, 6, Flows.l4Checksum(A, B, Wire.PROTO_UDP, datagram, true));
        byte[] first = Wire.slice(datagram, 0, 800);
        byte[] rest = Wire.slice(datagram, 800, datagram.length - 800);
        fx.receive(0, Wire.ipv4("192.0.2.1", "198.51.100.1").id(0x4242).flagsFragment(Wire.MF).payload(Wire.PROTO_UDP, first)
            .frame(P0, A_MAC));
        fx.receive(0, Wire.ipv4("192.0.2.1", "198.51.100.1").id(0x4242).flagsFragment(800 / 8).payload(Wire.PROTO_UDP, rest)
            .frame(P0, A_MAC));
        List<byte[]> out = fx.tap1.take();
        assertEquals(2, out.size());
        assertEquals(OUTSIDE, Flows.src(out.get(0)));
        assertEquals(OUTSIDE, Flows.src(out.get(1)), "the later fragment is translated too");
        byte[] whole = Wire.concat(ipOf(out.get(0)), Wire.slice(ipOf(out.get(1)), 20, rest.length));
        Wire.put16(whole, 2, whole.length);
        Wire.put16(whole, 6, 0);
        Wire.put16(whole, 10, Wire.ipHeaderChecksum(whole, 0));
        Flows.assertChecksums(Wire.concat(new byte[14], whole));
        // the reply, fragmented too, goes back to A whole
        byte[] reply = Wire.udp(9, 40000, Wire.pattern(1200, 10));
        Wire.put16(reply, 6, Flows.l4Checksum(B, OUTSIDE, Wire.PROTO_UDP, reply, true));
        fx.receive(1, Wire.ipv4("198.51.100.1", "198.51.100.254").id(0x777).flagsFragment(Wire.MF)
            .payload(Wire.PROTO_UDP, Wire.slice(reply, 0, 800)).frame(P1, B_MAC));
        fx.receive(1, Wire.ipv4("198.51.100.1", "198.51.100.254").id(0x777).flagsFragment(100)
            .payload(Wire.PROTO_UDP, Wire.slice(reply, 800, reply.length - 800)).frame(P1, B_MAC));
        List<byte[]> back = fx.tap0.take();
        assertEquals(2, back.size());
        assertEquals(A, Flows.dst(back.get(0)));
        assertEquals(A, Flows.dst(back.get(1)));
        // a later fragment whose first was never seen is not forwarded while NAT rules are in force
        fx.markCounters();
        fx.receive(0, Wire.ipv4("192.0.2.1", "198.51.100.1").id(0x9999).flagsFragment(100).payload(Wire.PROTO_UDP, rest)
            .frame(P0, A_MAC));
        fx.assertNothingWritten();
        fx.assertCounters("drop.conntrack_invalid", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void flowsExportedAndRestoredKeepTheirOutsidePortsAndTimeLeft() {
        fx.receive(0, Flows.udp("192.0.2.2", 40000, "198.51.100.1", 9, 8, P0, C_MAC));
        fx.receive(0, Flows.tcp("192.0.2.1", 40000, "198.51.100.1", 80, Flows.SYN, 1, 0, 0, P0, A_MAC));
        fx.tap1.take();
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, P0, A_MAC));
        int outside = Flows.sport(only(fx.tap1));
        assertNotEquals(40000, outside);
        fx.timer(10 * SECOND);
        int now = table.seconds(fx.context.nowNanos);
        net.taprouter.dataplane.conntrack.ConntrackState state = table.export(0, 100, now);
        assertEquals(3, state.count());
        List<String> before = described();

        try (GraphFixture other = new GraphFixture(ConntrackHooks.all())) {
            other.worker.startConntrack();
            ConntrackTable restored = other.context.conntrack;
            restored.config().rules(table.config().rules());
            other.resolve(0, A, A_MAC);
            other.resolve(1, B, B_MAC);
            other.context.nowNanos = GraphFixture.START + 500 * SECOND; // another clock
            int later = restored.seconds(other.context.nowNanos);
            assertEquals(3, restored.restore(state, later));
            List<String> after = new ArrayList<>();
            for (ConntrackEntry e : restored.slice(ConntrackFilter.ALL, 0, 100, false, later).entries()) {
                after.add(Flows.describe(e));
                assertEquals(e.protocol() == 17 ? 20 : 110, e.timeout(), "time left continued: " + Flows.describe(e));
            }
            assertEquals(before, after);
            // A's reply still finds A through the outside port the first table chose
            other.receive(1, Flows.udp("198.51.100.1", 9, "198.51.100.254", outside, 8, P1, B_MAC));
            byte[] toA = only(other.tap0);
            assertEquals(A, Flows.dst(toA));
            assertEquals(40000, Flows.dport(toA));
            // and the outside ports are held again: a new host with 40000 gets neither
            other.resolve(0, Wire.ip("192.0.2.3"), Wire.mac("00:00:5e:00:53:05"));
            other.receive(0, Flows.udp("192.0.2.3", 40000, "198.51.100.1", 9, 8, P0, Wire.mac("00:00:5e:00:53:05")));
            int third = Flows.sport(only(other.tap1));
            assertNotEquals(40000, third);
            assertNotEquals(outside, third);
            // what was made since the start gives way: A's UDP 40000 picked up with another port
            restored.restore(new net.taprouter.dataplane.conntrack.ConntrackState(new int[0], 0, -1), later);
            assertEquals(3, restored.restore(state, later), "the same flows again: the state file wins");
            assertEquals(4, restored.size());
            other.assertNoLeak();
        }
        fx.assertNoLeak();
    }

    @Test
    void whileTheStateFileIsReadBackNoNewFlowIsMade() {
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, P0, A_MAC));
        only(fx.tap1);
        table.holdNewFlows(true);
        // a known flow goes on; a segment that would start one (a mid-stream pickup) is dropped, leaving nothing
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, P0, A_MAC));
        assertEquals(40000, Flows.sport(only(fx.tap1)));
        fx.receive(0, Flows.tcp("192.0.2.2", 40300, "198.51.100.1", 5560, Flows.ACK | Flows.PSH, 1001, 6, 100, P0, C_MAC));
        fx.assertNothingWritten();
        assertEquals(1, table.size());
        fx.assertCounters("event.forwarded", 2, "port.tap1.tx_packets", 2, "port.tap1.tx_bytes", 100,
            "drop.conntrack_restoring", 1, "port.tap0.rx_drops", 1, "event.flow_fast_path", 1); // the known flow's second packet
        // nor does a server's segment to the outside address get a reset (its flow may be in the file), before the
        // configuration has its NAT rule (routerd applies it while forwarding) as after
        NatRuleSet rules = table.config().rules();
        table.config().rules(new NatRuleSet(List.of()));
        fx.markCounters();
        byte[] fromServer = Flows.tcp("198.51.100.1", 5560, "198.51.100.254", 40300, Flows.ACK | Flows.PSH, 6, 1101, 10, P1, B_MAC);
        fx.receive(1, fromServer);
        fx.assertNothingWritten();
        fx.assertCounters("drop.conntrack_restoring", 1, "port.tap1.rx_drops", 1);
        table.holdNewFlows(false);
        fx.receive(1, fromServer);
        assertEquals(1, fx.tap1.take().size(), "a reset once the restore is over");
        table.config().rules(rules);
        fx.receive(0, Flows.tcp("192.0.2.2", 40300, "198.51.100.1", 5560, Flows.ACK | Flows.PSH, 1001, 6, 100, P0, C_MAC));
        Flows.assertChecksums(only(fx.tap1));
        assertEquals(2, table.size());
        fx.assertNoLeak();
    }

    @Test
    void mappingsAreReleasedWithTheirFlows() {
        fx.receive(0, Flows.udp("192.0.2.2", 40000, "198.51.100.1", 9, 8, P0, C_MAC));
        only(fx.tap1);
        fx.timer(31 * SECOND);
        for (int tick = 1; tick < 80 && table.size() > 0; tick++) {
            fx.timer(31 * SECOND + tick * 50_000_000L);
        }
        assertEquals(0, table.size());
        fx.receive(0, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, P0, A_MAC));
        assertEquals(40000, Flows.sport(only(fx.tap1)), "40000 is free again on the outside address");
        fx.assertNoLeak();
    }
}
