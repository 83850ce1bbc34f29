package net.taprouter.dataplane.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class EthernetViewTest {
    private final EthernetView view = new EthernetView();

    @Test
    void deconstructsIpv4Frame() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ICMP_ECHO_REQUEST);
        assertTrue(view.wrap(buffer, 0, buffer.capacity()));
        assertSame(buffer, view.buffer());
        assertEquals(0, view.offset());
        assertEquals(66, view.length());
        assertEquals(MacAddress.parse("00:00:5e:00:53:fe"), view.destination());
        assertEquals(MacAddress.parse("00:00:5e:00:53:01"), view.source());
        assertEquals(EthernetView.ETHERTYPE_IPV4, view.etherType());
        assertEquals(14, view.payloadOffset());
        assertEquals(52, view.payloadLength());
    }

    @Test
    void deconstructsBroadcastArpFrame() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ARP_REQUEST);
        assertTrue(view.wrap(buffer, 0, buffer.capacity()));
        assertEquals(MacAddress.BROADCAST, view.destination());
        assertTrue(MacAddress.isMulticast(view.destination()));
        assertEquals(MacAddress.parse("00:00:5e:00:53:01"), view.source());
        assertEquals(EthernetView.ETHERTYPE_ARP, view.etherType());
        assertEquals(ArpView.LENGTH, view.payloadLength());
    }

    @Test
    void constructsTheGoldenHeader() {
        UnsafeBuffer golden = Frames.buffer(Frames.ICMP_ECHO_REQUEST);
        UnsafeBuffer built = Frames.zeroed(Frames.ICMP_ECHO_REQUEST);
        assertTrue(view.wrap(built, 0, built.capacity()));
        view.destination(MacAddress.parse("00:00:5e:00:53:fe"));
        view.source(MacAddress.parse("00:00:5e:00:53:01"));
        view.etherType(EthernetView.ETHERTYPE_IPV4);
        assertEquals(Frames.hex(golden, 0, 14), Frames.hex(built, 0, 14));
        assertEquals("00".repeat(52), Frames.hex(built, 14, 52));

        view.etherType(EthernetView.ETHERTYPE_VLAN);
        assertEquals(0x8100, view.etherType());
        assertEquals("8100", Frames.hex(built, 12, 2));
    }

    @Test
    void rejectsTruncatedFrames() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ARP_REQUEST);
        for (int length = -1; length < EthernetView.HEADER_LENGTH; length++) {
            assertFalse(view.wrap(buffer, 0, length), "length " + length);
        }
        assertTrue(view.wrap(buffer, 0, EthernetView.HEADER_LENGTH));
        assertEquals(0, view.payloadLength());
    }

    @Test
    void rejectsRegionsOutsideTheBuffer() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ARP_REQUEST);
        assertFalse(view.wrap(buffer, 1, buffer.capacity()));
        assertFalse(view.wrap(buffer, -1, 20));
        assertFalse(view.wrap(buffer, buffer.capacity() - 13, 14));
        assertTrue(view.wrap(buffer, buffer.capacity() - 14, 14));
    }

    @Test
    void ignoresTrailingBytesAndHonoursTheOffset() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ARP_REQUEST, 10, 18); // 18 bytes of padding: 60-byte frame
        assertTrue(view.wrap(buffer, 10, 60));
        assertEquals(10, view.offset());
        assertEquals(MacAddress.BROADCAST, view.destination());
        assertEquals(MacAddress.parse("00:00:5e:00:53:01"), view.source());
        assertEquals(EthernetView.ETHERTYPE_ARP, view.etherType());
        assertEquals(24, view.payloadOffset());
        assertEquals(46, view.payloadLength());

        view.source(MacAddress.parse("00:00:5e:00:53:02"));
        assertEquals("a5", Frames.hex(buffer, 9, 1));
        assertEquals("ffffffffffff00005e0053020806", Frames.hex(buffer, 10, 14));
    }
}
