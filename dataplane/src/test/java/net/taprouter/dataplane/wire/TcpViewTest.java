package net.taprouter.dataplane.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class TcpViewTest {
    private static final int TCP = Frames.IP + 20;
    private static final int HOST = Ipv4Address.parse("192.0.2.1");
    private static final int SERVER = Ipv4Address.parse("198.51.100.1");
    /** MSS 1460, SACK permitted, timestamps, NOP, window scale 10. */
    private static final String SYN_OPTIONS = "020405b40402080ae94e77af000000000103030a";

    private final TcpView view = new TcpView();

    @Test
    void deconstructsSyn() {
        UnsafeBuffer buffer = Frames.buffer(Frames.TCP_SYN);
        assertTrue(view.wrap(buffer, TCP, 40));
        assertEquals(TCP, view.offset());
        assertEquals(40, view.length());
        assertEquals(34394, view.sourcePort());
        assertEquals(80, view.destinationPort());
        assertEquals(0xc1a053dfL, view.sequenceNumber());
        assertEquals(0L, view.acknowledgementNumber());
        assertEquals(10, view.dataOffset());
        assertEquals(40, view.headerLength());
        assertEquals(TcpView.SYN, view.flags());
        assertEquals(64240, view.window());
        assertEquals(0x63ad, view.checksum());
        assertEquals(0, view.urgentPointer());
        assertEquals(TCP + 40, view.payloadOffset());
        assertEquals(SYN_OPTIONS, Frames.hex(buffer, TCP + 20, 20));
        assertEquals(0x63ad, view.computeChecksum(HOST, SERVER));
        assertTrue(view.isChecksumValid(HOST, SERVER));
        assertFalse(view.isChecksumValid(SERVER, HOST + 1));
    }

    @Test
    void constructsTheGoldenSyn() {
        UnsafeBuffer golden = Frames.buffer(Frames.TCP_SYN);
        UnsafeBuffer built = Frames.zeroed(Frames.TCP_SYN);
        assertFalse(view.wrap(built, TCP, 40), "data offset 0 in a zeroed buffer");
        assertTrue(view.wrapNew(built, TCP, 40));
        view.sourcePort(34394);
        view.destinationPort(80);
        view.sequenceNumber(0xc1a053dfL);
        view.acknowledgementNumber(0);
        view.dataOffset(10);
        view.flags(TcpView.SYN);
        view.window(64240);
        view.urgentPointer(0);
        built.putBytes(TCP + 20, Frames.bytes(SYN_OPTIONS));
        view.checksum(0xbeef); // ignored by the computation
        view.updateChecksum(HOST, SERVER);
        assertEquals(Frames.hex(golden, TCP, 40), Frames.hex(built, TCP, 40));
    }

    @Test
    void flagAndDataOffsetSettersKeepEachOther() {
        UnsafeBuffer buffer = Frames.buffer(Frames.TCP_SYN);
        assertTrue(view.wrap(buffer, TCP, 40));
        view.flags(TcpView.SYN | TcpView.ACK | TcpView.NS);
        assertEquals(10, view.dataOffset());
        assertEquals(0x112, view.flags());
        assertEquals("a112", Frames.hex(buffer, TCP + 12, 2));
        view.dataOffset(5);
        assertEquals(0x112, view.flags());
        assertEquals(20, view.headerLength());
        assertEquals(TCP + 20, view.payloadOffset());
        view.flags(TcpView.FIN | TcpView.RST | TcpView.PSH | TcpView.URG | TcpView.ECE | TcpView.CWR);
        assertEquals(0x0ED, view.flags());
        assertEquals("50ed", Frames.hex(buffer, TCP + 12, 2));
        assertThrows(IllegalArgumentException.class, () -> view.dataOffset(4));
        assertThrows(IllegalArgumentException.class, () -> view.dataOffset(11));
        view.sequenceNumber(0xFFFF_FFFFL);
        assertEquals(0xFFFF_FFFFL, view.sequenceNumber());
        view.acknowledgementNumber(0x8000_0001L);
        assertEquals(0x8000_0001L, view.acknowledgementNumber());
        assertEquals("ffffffff80000001", Frames.hex(buffer, TCP + 4, 8));
    }

    @Test
    void rejectsTruncatedSegments() {
        UnsafeBuffer buffer = Frames.buffer(Frames.TCP_SYN);
        for (int length = -1; length < TcpView.MIN_HEADER_LENGTH; length++) {
            assertFalse(view.wrap(buffer, TCP, length), "length " + length);
        }
        for (int length = 20; length < 40; length++) {
            assertFalse(view.wrap(buffer, TCP, length), "data offset 10 in " + length + " bytes");
        }
        assertFalse(view.wrap(buffer, TCP + 1, 40));
        for (int dataOffset = 0; dataOffset < 5; dataOffset++) {
            buffer.putByte(TCP + 12, (byte) (dataOffset << 4));
            assertFalse(view.wrap(buffer, TCP, 40), "data offset " + dataOffset);
        }
        buffer.putByte(TCP + 12, (byte) 0x50);
        assertTrue(view.wrap(buffer, TCP, 20));
    }

    @Test
    void ignoresBytesOutsideTheSegment() {
        UnsafeBuffer buffer = Frames.buffer(Frames.TCP_SYN, 9, 11);
        assertTrue(view.wrap(buffer, 9 + TCP, 40));
        assertEquals(0x63ad, view.computeChecksum(HOST, SERVER));
        assertTrue(view.isChecksumValid(HOST, SERVER));

        assertTrue(view.wrap(buffer, 9 + TCP, 40 + 11));
        assertEquals(34394, view.sourcePort());
        assertEquals(0xc1a053dfL, view.sequenceNumber());
        assertEquals(TcpView.SYN, view.flags());
        assertEquals(40, view.headerLength());
        assertEquals(9 + TCP + 40, view.payloadOffset());
    }
}
