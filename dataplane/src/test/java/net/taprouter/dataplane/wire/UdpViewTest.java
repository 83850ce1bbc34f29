package net.taprouter.dataplane.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class UdpViewTest {
    private static final int UDP = Frames.IP + 20;
    private static final int HOST = Ipv4Address.parse("192.0.2.1");
    private static final int SERVER = Ipv4Address.parse("198.51.100.1");

    private final UdpView view = new UdpView();

    @Test
    void deconstructsDatagram() {
        UnsafeBuffer buffer = Frames.buffer(Frames.UDP_DATAGRAM);
        assertTrue(view.wrap(buffer, UDP, 17));
        assertEquals(UDP, view.offset());
        assertEquals(17, view.wrappedLength());
        assertEquals(50690, view.sourcePort());
        assertEquals(5353, view.destinationPort());
        assertEquals(17, view.length());
        assertEquals(0xfdfa, view.checksum());
        assertEquals(UDP + 8, view.payloadOffset());
        assertEquals("746170726f75746572", Frames.hex(buffer, view.payloadOffset(), 9));
        assertEquals(0xfdfa, view.computeChecksum(HOST, SERVER));
        assertTrue(view.isChecksumValid(HOST, SERVER));
        assertFalse(view.isChecksumValid(HOST, SERVER + 1));
    }

    @Test
    void constructsTheGoldenDatagram() {
        UnsafeBuffer golden = Frames.buffer(Frames.UDP_DATAGRAM);
        UnsafeBuffer built = Frames.zeroed(Frames.UDP_DATAGRAM);
        assertTrue(view.wrap(built, UDP, 17));
        view.sourcePort(50690);
        view.destinationPort(5353);
        view.length(17);
        built.putBytes(view.payloadOffset(), golden, UDP + 8, 9);
        view.checksum(0x1234); // ignored by the computation
        view.updateChecksum(HOST, SERVER);
        assertEquals(Frames.hex(golden, UDP, 17), Frames.hex(built, UDP, 17));
    }

    @Test
    void computedZeroIsSentAsAllOnesAndZeroMeansNone() {
        UnsafeBuffer buffer = Frames.buffer(Frames.UDP_DATAGRAM);
        assertTrue(view.wrap(buffer, UDP, 17));
        // Adjust the first data word so that the checksum computes to zero.
        int word = buffer.getShort(UDP + 8, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        int checksum = view.computeChecksum(HOST, SERVER);
        buffer.putShort(UDP + 8, (short) Checksum.fold(word + checksum), ByteOrder.BIG_ENDIAN);
        assertEquals(0xFFFF, view.computeChecksum(HOST, SERVER));
        view.updateChecksum(HOST, SERVER);
        assertTrue(view.isChecksumValid(HOST, SERVER));

        view.checksum(0);
        assertTrue(view.isChecksumValid(HOST, SERVER));
        view.checksum(1);
        assertFalse(view.isChecksumValid(HOST, SERVER));
    }

    @Test
    void rejectsTruncatedDatagrams() {
        UnsafeBuffer buffer = Frames.buffer(Frames.UDP_DATAGRAM);
        for (int length = -1; length < UdpView.HEADER_LENGTH; length++) {
            assertFalse(view.wrap(buffer, UDP, length), "length " + length);
        }
        assertFalse(view.wrap(buffer, UDP + 1, 17));
        assertTrue(view.wrap(buffer, UDP, 8));
    }

    @Test
    void ignoresBytesOutsideTheDatagram() {
        UnsafeBuffer buffer = Frames.buffer(Frames.UDP_DATAGRAM, 3, 13);
        assertTrue(view.wrap(buffer, 3 + UDP, 17));
        assertEquals(0xfdfa, view.computeChecksum(HOST, SERVER));
        assertTrue(view.isChecksumValid(HOST, SERVER));

        assertTrue(view.wrap(buffer, 3 + UDP, 17 + 13));
        assertEquals(17 + 13, view.wrappedLength());
        assertEquals(17, view.length());
        assertEquals(50690, view.sourcePort());
        assertEquals(5353, view.destinationPort());
        assertEquals(0xfdfa, view.checksum());
        assertEquals(3 + UDP + 8, view.payloadOffset());
    }

    @Test
    void checksumOfDatagramAfterOptionsHeader() {
        UnsafeBuffer buffer = Frames.buffer(Frames.IPV4_WITH_OPTIONS);
        Ipv4View ip = new Ipv4View();
        assertTrue(ip.wrap(buffer, Frames.IP, 36));
        assertTrue(view.wrap(buffer, ip.payloadOffset(), ip.totalLength() - ip.headerLength()));
        assertEquals(7, view.sourcePort());
        assertEquals(9, view.destinationPort());
        assertEquals(12, view.length());
        assertEquals(0x79ca, view.checksum());
        assertEquals(0x79ca, view.computeChecksum(ip.source(), ip.destination()));
    }
}
