package net.taprouter.dataplane.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The region rules every view shares through {@link HeaderView}. */
class HeaderViewTest {
    private static final int CAPACITY = 64;

    /** A view, its wrap, its minimum length and how it reports the wrapped region's length. */
    record Case(String name, HeaderView view, Wrap wrap, int minLength, ToIntFunction<HeaderView> regionLength) {
        @Override
        public String toString() {
            return name;
        }
    }

    interface Wrap {
        boolean wrap(MutableDirectBuffer buffer, int offset, int length);
    }

    static Stream<Case> views() {
        EthernetView ethernet = new EthernetView();
        ArpView arp = new ArpView();
        Ipv4View ipv4 = new Ipv4View();
        IcmpView icmp = new IcmpView();
        UdpView udp = new UdpView();
        TcpView tcp = new TcpView();
        return Stream.of(
                new Case("ethernet", ethernet, ethernet::wrap, EthernetView.HEADER_LENGTH, v -> ethernet.length()),
                new Case("arp", arp, arp::wrap, ArpView.LENGTH, v -> arp.length()),
                new Case("ipv4", ipv4, ipv4::wrap, Ipv4View.MIN_HEADER_LENGTH, v -> ipv4.length()),
                new Case("icmp", icmp, icmp::wrap, IcmpView.HEADER_LENGTH, v -> icmp.length()),
                new Case("udp", udp, udp::wrap, UdpView.HEADER_LENGTH, v -> udp.wrappedLength()),
                new Case("tcp", tcp, tcp::wrap, TcpView.MIN_HEADER_LENGTH, v -> tcp.length()));
    }

    /** Every byte 0x55: IHL 5 and Data Offset 5 wherever a view is wrapped. */
    private static UnsafeBuffer buffer() {
        byte[] bytes = new byte[CAPACITY];
        Arrays.fill(bytes, (byte) 0x55);
        return new UnsafeBuffer(bytes);
    }

    @ParameterizedTest
    @MethodSource("views")
    void acceptsExactlyTheRegionsInsideTheBuffer(Case c) {
        UnsafeBuffer buffer = buffer();
        int min = c.minLength();
        assertTrue(c.wrap().wrap(buffer, 0, min));
        assertTrue(c.wrap().wrap(buffer, CAPACITY - min, min), "region ending at the capacity");
        assertTrue(c.wrap().wrap(buffer, 0, CAPACITY));
        assertFalse(c.wrap().wrap(buffer, 0, min - 1), "shorter than the header");
        assertFalse(c.wrap().wrap(buffer, -2, min), "negative offset");
        assertFalse(c.wrap().wrap(buffer, CAPACITY - min + 2, min), "past the end");
        assertFalse(c.wrap().wrap(buffer, 2, CAPACITY), "past the end");
        assertFalse(c.wrap().wrap(buffer, Integer.MAX_VALUE, min), "offset + length overflows");
    }

    @ParameterizedTest
    @MethodSource("views")
    void failedWrapLeavesTheViewUnchanged(Case c) {
        UnsafeBuffer first = buffer();
        assertTrue(c.wrap().wrap(first, 2, 40));
        for (int[] bad : new int[][] {{0, c.minLength() - 1}, {-2, 40}, {30, 40}}) {
            assertFalse(c.wrap().wrap(buffer(), bad[0], bad[1]));
            assertSame(first, c.view().buffer());
            assertEquals(2, c.view().offset());
            assertEquals(40, c.regionLength().applyAsInt(c.view()));
        }
    }

    /** zero clears exactly the bytes asked for, whatever the length's tail (8-, 4-, 2- and 1-byte stores). */
    @Test
    void zeroClearsExactlyItsBytes() {
        for (int offset = 0; offset < 8; offset++) {
            for (int length = 0; length <= 24; length++) {
                UnsafeBuffer b = new UnsafeBuffer(new byte[40]);
                b.setMemory(0, 40, (byte) 0xA5);
                HeaderView.zero(b, offset, length);
                for (int i = 0; i < 40; i++) {
                    boolean inside = i >= offset && i < offset + length;
                    assertEquals(inside ? 0 : (byte) 0xA5, b.getByte(i), "offset " + offset + " length " + length + " byte " + i);
                }
            }
        }
    }

    @Test
    void failedWrapNewWritesNothing() {
        UnsafeBuffer buffer = buffer();
        byte[] before = Arrays.copyOf(buffer.byteArray(), CAPACITY);
        assertFalse(new Ipv4View().wrapNew(buffer, 0, 19));
        assertFalse(new Ipv4View().wrapNew(buffer, CAPACITY - 18, 20));
        assertFalse(new TcpView().wrapNew(buffer, 0, 19));
        assertFalse(new TcpView().wrapNew(buffer, -1, 20));
        assertArrayEquals(before, buffer.byteArray());
    }
}
