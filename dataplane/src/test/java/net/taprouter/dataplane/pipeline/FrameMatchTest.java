package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.dataplane.match.FrameMatch;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** {@link FrameMatch}: the predicate of {@code trace add ... match} and {@code capture ... match}. */
class FrameMatchTest {
    private static final long A = Wire.mac("00:00:5e:00:53:01");
    private static final long B = Wire.mac("00:00:5e:00:53:02");

    private static boolean matches(String predicate, byte[] frame) {
        byte[] padded = new byte[frame.length + 7];
        System.arraycopy(frame, 0, padded, 7, frame.length); // not at offset 0: offsets are honoured
        return FrameMatch.parse(predicate).matches(new UnsafeBuffer(padded), 7, frame.length);
    }

    private static byte[] udp(String src, int sport, String dst, int dport) {
        return Wire.ipv4(src, dst).udp(sport, dport, Wire.pattern(20, 1)).frame(B, A);
    }

    /** The frame with an 802.1Q tag (VLAN 10) after the MAC addresses, as on a trunk port. */
    private static byte[] tagged(byte[] frame) {
        byte[] tag = {(byte) 0x81, 0x00, 0x00, 0x0a};
        return Wire.concat(Wire.slice(frame, 0, 12), tag, Wire.slice(frame, 12, frame.length - 12));
    }

    @Test
    void termsJoinedByAndMustAllHold() {
        byte[] frame = udp("192.0.2.1", 40000, "198.51.100.7", 53);
        assertTrue(matches("src 192.0.2.0/24", frame));
        assertTrue(matches("dst 198.51.100.7", frame));
        assertTrue(matches("proto udp and port 53", frame));
        assertTrue(matches("port 40000 && src 192.0.2.1/32 and dst 198.51.100.0/24 and proto 17", frame));
        assertFalse(matches("proto tcp", frame));
        assertFalse(matches("src 192.0.2.0/24 and port 54", frame));
        assertFalse(matches("dst 192.0.2.0/24", frame));
        assertTrue(matches("src 0.0.0.0/0", frame));
    }

    @Test
    void aTaggedFrameIsLookedThrough() {
        byte[] frame = tagged(udp("192.0.2.1", 40000, "198.51.100.7", 53));
        assertTrue(matches("src 192.0.2.1 and port 53", frame));
        assertFalse(matches("proto icmp", frame));
    }

    @Test
    void otherFramesMatchOnlyTheEmptyPredicate() {
        byte[] arp = Wire.ether(Wire.mac("ff:ff:ff:ff:ff:ff"), A, Wire.ETHERTYPE_ARP,
            Wire.arp(1, A, Wire.ip("192.0.2.1"), 0, Wire.ip("192.0.2.254")));
        assertFalse(matches("src 0.0.0.0/0", arp));
        assertTrue(FrameMatch.ANY.matches(new UnsafeBuffer(arp), 0, arp.length));
        byte[] ping = Wire.ipv4("192.0.2.1", "198.51.100.7").icmp(8, 0, 0x01020001, Wire.pattern(8, 2)).frame(B, A);
        assertTrue(matches("proto icmp", ping));
        assertFalse(matches("port 8", ping), "ICMP has no ports");
        byte[] truncated = Wire.slice(udp("192.0.2.1", 1, "198.51.100.7", 2), 0, 30);
        assertFalse(matches("src 192.0.2.1", truncated), "shorter than an IPv4 header");
    }

    @Test
    void aLaterFragmentHasNoPorts() {
        byte[] later = Wire.ipv4("192.0.2.1", "198.51.100.7").flagsFragment(185).udp(53, 53, Wire.pattern(16, 3)).frame(B, A);
        assertFalse(matches("port 53", later));
        assertTrue(matches("proto udp and src 192.0.2.1", later));
    }

    @Test
    void badPredicatesSayWhatIsWrongInOneLine() {
        assertEquals("match src: \"192.0.2\" is not A.B.C.D or A.B.C.D/LEN",
            assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("src 192.0.2")).getMessage());
        assertEquals("match port must be 0..65535, not \"70000\"",
            assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("port 70000")).getMessage());
        assertEquals("expected \"and\" between match terms, got \"or\"",
            assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("proto tcp or proto udp")).getMessage());
        assertEquals("match ends after \"and\"",
            assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("proto tcp and")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("host 192.0.2.1")).getMessage()
            .startsWith("unknown match term \"host\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("  ")).getMessage().startsWith("empty match"));
    }
}
