package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Ethernet input: which frames are accepted. */
class EthernetInputTest extends GraphTestBase {

    @BeforeEach
    void hosts() {
        resolveHosts();
    }

    @Test
    void frameToAnotherUnicastMacIsNotForUs() {
        byte[] frame = Wire.unhex(Golden.UDP_A_TO_B);
        Wire.putMac(frame, 0, Wire.mac("00:00:5e:00:53:99"));

        fx.receive(0, frame);

        fx.assertNothingWritten();
        fx.assertCounters("drop.ether_not_for_us", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void frameToTheOtherPortsMacIsNotForUs() {
        byte[] frame = Wire.unhex(Golden.UDP_A_TO_B);
        Wire.putMac(frame, 0, P1_MAC);

        fx.receive(0, frame);

        fx.assertNothingWritten();
        fx.assertCounters("drop.ether_not_for_us", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void runtIsTooShort() {
        byte[] frame = Wire.slice(Wire.unhex(Golden.UDP_A_TO_B), 0, 10);

        fx.receive(0, frame);

        fx.assertNothingWritten();
        fx.assertCounters("drop.frame_too_short", 1, "port.tap0.rx_drops", 1, "port.tap0.rx_errors", 1);
        fx.assertNoLeak();
    }

    @Test
    void headerOnlyIpv4FrameIsATruncatedPacket() {
        byte[] frame = Wire.slice(Wire.unhex(Golden.UDP_A_TO_B), 0, 14);

        fx.receive(0, frame);

        fx.assertNothingWritten();
        fx.assertCounters("drop.ip_truncated", 1, "port.tap0.rx_drops", 1, "port.tap0.rx_errors", 1);
        fx.assertNoLeak();
    }

    @Test
    void ipv6IsCountedApartFromUnknownEtherTypes() {
        byte[] frame = Wire.unhex(Golden.UDP_A_TO_B);
        Wire.put16(frame, 12, Wire.ETHERTYPE_IPV6);

        fx.receive(0, frame);

        fx.assertNothingWritten();
        fx.assertCounters("drop.ipv6_not_routed", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void anUnknownEtherTypeIsCounted() {
        byte[] frame = Wire.unhex(Golden.UDP_A_TO_B);
        Wire.put16(frame, 12, 0x88B5); // IEEE local experimental

        fx.receive(0, frame);

        fx.assertNothingWritten();
        fx.assertCounters("drop.ether_unknown_type", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void frameOnAPortThatIsDownIsDropped() {
        fx.port0.adminUp(false);

        fx.receive(0, Golden.UDP_A_TO_B);
        fx.receive(0, Golden.ARP_REQUEST_FROM_A);

        fx.assertNothingWritten();
        fx.assertCounters("drop.port_down", 2, "port.tap0.rx_drops", 2);
        fx.assertNoLeak();
    }

    @Test
    void frameForAPortThatIsDownIsDroppedAtTransmit() {
        fx.port1.adminUp(false);

        fx.receive(0, Golden.UDP_A_TO_B);

        fx.assertNothingWritten();
        fx.assertCounters("drop.port_down", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();
    }

    @Test
    void portBackUpForwardsAgain() {
        fx.port0.adminUp(false);
        fx.receive(0, Golden.UDP_A_TO_B);
        fx.port0.adminUp(true);
        fx.markCounters();

        fx.receive(0, Golden.UDP_A_TO_B);

        assertEquals(Golden.UDP_A_TO_B_OUT, Wire.hex(only(fx.tap1)));
        fx.assertCounters("event.forwarded", 1, "port.tap1.tx_packets", 1, "port.tap1.tx_bytes", 78);
        fx.assertNoLeak();
    }
}
