package net.taprouter.dataplane.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class IcmpViewTest {
    /** ICMP starts after the Ethernet and the 20-byte IPv4 header in all golden ICMP frames. */
    private static final int ICMP = Frames.IP + 20;

    private final IcmpView view = new IcmpView();

    @Test
    void deconstructsEchoRequest() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ICMP_ECHO_REQUEST);
        assertTrue(view.wrap(buffer, ICMP, 32));
        assertEquals(ICMP, view.offset());
        assertEquals(32, view.length());
        assertEquals(IcmpView.TYPE_ECHO_REQUEST, view.type());
        assertEquals(0, view.code());
        assertEquals(0x9c2c, view.checksum());
        assertEquals(0x1310, view.identifier());
        assertEquals(1, view.sequence());
        assertEquals(0x13100001, view.restOfHeader());
        assertEquals(ICMP + 8, view.payloadOffset());
        assertEquals(24, view.payloadLength());
        assertEquals("7461707274617072", Frames.hex(buffer, view.payloadOffset() + 16, 8)); // ping -p "tapr"
        assertEquals(0x9c2c, view.computeChecksum());
        assertTrue(view.isChecksumValid());
    }

    @Test
    void deconstructsFragmentationNeeded() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ICMP_FRAG_NEEDED);
        assertTrue(view.wrap(buffer, ICMP, 36));
        assertEquals(IcmpView.TYPE_DEST_UNREACHABLE, view.type());
        assertEquals(IcmpView.CODE_FRAGMENTATION_NEEDED, view.code());
        assertEquals(0x1e8c, view.checksum());
        assertEquals(1400, view.nextHopMtu());
        assertEquals(0x00000578, view.restOfHeader());
        assertEquals(0x1e8c, view.computeChecksum());
        assertTrue(view.isChecksumValid());

        Ipv4View quoted = new Ipv4View();
        assertTrue(quoted.wrap(buffer, view.payloadOffset(), view.payloadLength()));
        assertEquals(Ipv4Address.parse("198.51.100.1"), quoted.destination());
        assertEquals(Ipv4View.PROTO_UDP, quoted.protocol());
        UdpView udp = new UdpView();
        assertTrue(udp.wrap(buffer, quoted.payloadOffset(), 8));
        assertEquals(5353, udp.destinationPort());
    }

    @Test
    void deconstructsTimeExceeded() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ICMP_TIME_EXCEEDED);
        assertTrue(view.wrap(buffer, ICMP, 36));
        assertEquals(IcmpView.TYPE_TIME_EXCEEDED, view.type());
        assertEquals(IcmpView.CODE_TTL_EXCEEDED, view.code());
        assertEquals(0x1c08, view.checksum());
        assertEquals(0, view.restOfHeader());
        assertEquals(0x1c08, view.computeChecksum());
        assertTrue(view.isChecksumValid());
        assertEquals(Frames.UDP_QUOTE, Frames.hex(buffer, view.payloadOffset(), view.payloadLength()));
    }

    @Test
    void constructsTheGoldenEchoRequest() {
        UnsafeBuffer golden = Frames.buffer(Frames.ICMP_ECHO_REQUEST);
        UnsafeBuffer built = Frames.zeroed(Frames.ICMP_ECHO_REQUEST);
        assertTrue(view.wrap(built, ICMP, 32));
        view.type(IcmpView.TYPE_ECHO_REQUEST);
        view.code(0);
        view.checksum(0xffff); // ignored by the computation
        view.identifier(0x1310);
        view.sequence(1);
        built.putBytes(view.payloadOffset(), golden, ICMP + 8, 24);
        view.updateChecksum();
        assertEquals(Frames.hex(golden, ICMP, 32), Frames.hex(built, ICMP, 32));
    }

    @Test
    void constructsTheGoldenErrors() {
        UnsafeBuffer quote = Frames.buffer(Frames.UDP_QUOTE);

        UnsafeBuffer fragNeeded = Frames.zeroed(Frames.ICMP_FRAG_NEEDED);
        fragNeeded.setMemory(ICMP, 8, (byte) 0xEE);
        assertTrue(view.wrap(fragNeeded, ICMP, 36));
        view.type(IcmpView.TYPE_DEST_UNREACHABLE);
        view.code(IcmpView.CODE_FRAGMENTATION_NEEDED);
        view.nextHopMtu(1400);
        fragNeeded.putBytes(view.payloadOffset(), quote, 0, 28);
        view.updateChecksum();
        assertEquals(Frames.ICMP_FRAG_NEEDED.substring(2 * ICMP), Frames.hex(fragNeeded, ICMP, 36));

        UnsafeBuffer timeExceeded = Frames.zeroed(Frames.ICMP_TIME_EXCEEDED);
        timeExceeded.setMemory(ICMP, 8, (byte) 0xEE);
        assertTrue(view.wrap(timeExceeded, ICMP, 36));
        view.type(IcmpView.TYPE_TIME_EXCEEDED);
        view.code(IcmpView.CODE_TTL_EXCEEDED);
        view.restOfHeader(0);
        timeExceeded.putBytes(view.payloadOffset(), quote, 0, 28);
        view.updateChecksum();
        assertEquals(Frames.ICMP_TIME_EXCEEDED.substring(2 * ICMP), Frames.hex(timeExceeded, ICMP, 36));
    }

    @Test
    void echoReplyByIncrementalUpdate() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ICMP_ECHO_REQUEST);
        assertTrue(view.wrap(buffer, ICMP, 32));
        int oldWord = view.type() << 8 | view.code();
        view.type(IcmpView.TYPE_ECHO_REPLY);
        view.checksum(Checksum.update16(view.checksum(), oldWord, IcmpView.TYPE_ECHO_REPLY << 8));
        assertEquals(0xa42c, view.checksum());
        assertEquals(view.computeChecksum(), view.checksum());
        assertTrue(view.isChecksumValid());
    }

    @Test
    void pointerAndMtuSettersClearTheUnusedBytes() {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[8]);
        buffer.setMemory(0, 8, (byte) 0xEE);
        assertTrue(view.wrap(buffer, 0, 8));
        view.pointer(12);
        assertEquals(12, view.pointer());
        assertEquals("0c000000", Frames.hex(buffer, 4, 4));
        buffer.setMemory(4, 4, (byte) 0xEE);
        view.nextHopMtu(1280);
        assertEquals("00000500", Frames.hex(buffer, 4, 4));
        assertEquals(0, view.payloadLength());
    }

    @Test
    void classifiesErrorTypes() {
        for (int type = 0; type < 256; type++) {
            boolean expected = type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
            assertEquals(expected, IcmpView.isError(type), "type " + type);
        }
    }

    @Test
    void rejectsTruncatedMessages() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ICMP_ECHO_REQUEST);
        for (int length = -1; length < IcmpView.HEADER_LENGTH; length++) {
            assertFalse(view.wrap(buffer, ICMP, length), "length " + length);
        }
        assertFalse(view.wrap(buffer, ICMP + 1, 32));
        assertTrue(view.wrap(buffer, buffer.capacity() - 8, 8));
    }

    @Test
    void ignoresBytesOutsideTheMessage() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ICMP_ECHO_REQUEST, 7, 21);
        assertTrue(view.wrap(buffer, 7 + ICMP, 32));
        assertEquals(0x9c2c, view.computeChecksum());
        assertTrue(view.isChecksumValid());
        assertEquals(7 + ICMP + 8, view.payloadOffset());

        assertTrue(view.wrap(buffer, 7 + ICMP, 32 + 21));
        assertEquals(IcmpView.TYPE_ECHO_REQUEST, view.type());
        assertEquals(0x1310, view.identifier());
        assertEquals(1, view.sequence());
        assertEquals(7 + ICMP + 8, view.payloadOffset());
        assertEquals(24 + 21, view.payloadLength());
    }
}
