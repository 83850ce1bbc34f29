package net.taprouter.dataplane.pipeline;

import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** IPv4 input checks (RFC 1812 5.2.2) and martian addresses: each drop is counted, nothing is written. */
class Ipv4InputTest extends GraphTestBase {

    @BeforeEach
    void hosts() {
        resolveHosts();
    }

    /** A packet from A to B that would be forwarded if it were not broken. */
    private static byte[] good() {
        return Wire.ipv4("192.0.2.1", "198.51.100.1").id(0x0800).udp(40000, 9, Wire.pattern(16, 8)).build(); // 44 bytes
    }

    private static byte[] fixChecksum(byte[] ip) {
        Wire.put16(ip, 10, Wire.ipHeaderChecksum(ip, 0));
        return ip;
    }

    private static Arguments broken(String name, String counter, Consumer<byte[]> damage) {
        byte[] ip = good();
        damage.accept(ip);
        return Arguments.of(name, counter, ip);
    }

    static Stream<Arguments> brokenPackets() {
        return Stream.of(
            broken("version 6", "drop.ip_bad_version", ip -> fixChecksum(setByte(ip, 0, 0x65))),
            broken("version 0", "drop.ip_bad_version", ip -> fixChecksum(setByte(ip, 0, 0x05))),
            broken("IHL 4", "drop.ip_truncated", ip -> setByte(ip, 0, 0x44)),
            broken("IHL 0", "drop.ip_truncated", ip -> setByte(ip, 0, 0x40)),
            broken("IHL beyond the packet", "drop.ip_truncated", ip -> setByte(ip, 0, 0x4f)),
            broken("total length 1 beyond the frame", "drop.ip_bad_length", ip -> fixChecksum(set16(ip, 2, ip.length + 1))),
            broken("total length 19 (< header)", "drop.ip_bad_length", ip -> fixChecksum(set16(ip, 2, 19))),
            broken("total length 0", "drop.ip_bad_length", ip -> fixChecksum(set16(ip, 2, 0))),
            broken("header checksum off by one", "drop.ip_bad_checksum", ip -> set16(ip, 10, Wire.u16(ip, 10) ^ 1)),
            broken("header checksum zero", "drop.ip_bad_checksum", ip -> set16(ip, 10, 0)),
            broken("source 127.0.0.1", "drop.martian_source", ip -> fixChecksum(set32(ip, 12, Wire.ip("127.0.0.1")))),
            broken("source 224.0.0.1", "drop.martian_source", ip -> fixChecksum(set32(ip, 12, Wire.ip("224.0.0.1")))),
            broken("source 0.0.0.1", "drop.martian_source", ip -> fixChecksum(set32(ip, 12, Wire.ip("0.0.0.1")))),
            broken("source 0.0.0.0", "drop.martian_source", ip -> fixChecksum(set32(ip, 12, 0))),
            broken("source 255.255.255.255", "drop.martian_source", ip -> fixChecksum(set32(ip, 12, -1))),
            broken("source 240.0.0.1", "drop.martian_source", ip -> fixChecksum(set32(ip, 12, Wire.ip("240.0.0.1")))),
            broken("destination 127.0.0.1", "drop.martian_destination", ip -> fixChecksum(set32(ip, 16, Wire.ip("127.0.0.1")))),
            broken("destination 0.1.2.3", "drop.martian_destination", ip -> fixChecksum(set32(ip, 16, Wire.ip("0.1.2.3")))),
            broken("destination 240.0.0.1", "drop.martian_destination", ip -> fixChecksum(set32(ip, 16, Wire.ip("240.0.0.1"))))
        );
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("brokenPackets")
    void brokenPacketIsDroppedAndCounted(String name, String counter, byte[] ip) {
        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, ip));

        fx.assertNothingWritten();
        if (counter.startsWith("drop.martian")) {
            fx.assertCounters(counter, 1, "port.tap0.rx_drops", 1);
        } else { // malformed: also an rx error of the port (ip -s link's errors column)
            fx.assertCounters(counter, 1, "port.tap0.rx_drops", 1, "port.tap0.rx_errors", 1);
        }
        fx.assertNoLeak();
    }

    @ParameterizedTest(name = "{0} bytes of IPv4 -> drop.ip_truncated")
    @ValueSource(ints = {0, 1, 19})
    void packetShorterThanAHeaderIsTruncated(int length) {
        byte[] ip = Wire.slice(good(), 0, length);

        fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, ip));

        fx.assertNothingWritten();
        fx.assertCounters("drop.ip_truncated", 1, "port.tap0.rx_drops", 1, "port.tap0.rx_errors", 1);
        fx.assertNoLeak();
    }

    private static byte[] setByte(byte[] b, int at, int value) {
        b[at] = (byte) value;
        return b;
    }

    private static byte[] set16(byte[] b, int at, int value) {
        Wire.put16(b, at, value);
        return b;
    }

    private static byte[] set32(byte[] b, int at, int value) {
        Wire.put32(b, at, value);
        return b;
    }
}
