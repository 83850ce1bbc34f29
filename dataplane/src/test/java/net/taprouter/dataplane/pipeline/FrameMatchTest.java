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
        assertEquals("expected \"and\" or \"or\" between match terms, got \"proto\"",
            assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("proto tcp proto udp")).getMessage());
        assertEquals("match ends after \"and\"",
            assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("proto tcp and")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("ether 192.0.2.1")).getMessage()
            .startsWith("unknown match term \"ether\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("  ")).getMessage().startsWith("empty match"));
        assertEquals("match has a \"(\" without its \")\"",
            assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("(tcp or udp")).getMessage());
        assertEquals("match has a \")\" without its \"(\"",
            assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("tcp or udp)")).getMessage());
        assertEquals("expected a match term, got \"or\"",
            assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("not or tcp")).getMessage());
        assertEquals("match ends after \"not\"",
            assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("tcp and not")).getMessage());
        assertEquals("match host takes an address, not a prefix: \"192.0.2.0/24\" (net A/LEN)",
            assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("host 192.0.2.0/24")).getMessage());
        assertEquals("match src port needs a number",
            assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("src port")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("(".repeat(70) + "tcp" + ")".repeat(70)))
            .getMessage().startsWith("match is nested too deeply"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FrameMatch.parse("not ".repeat(70) + "tcp"))
            .getMessage().startsWith("match is nested too deeply"));
    }

    @Test
    void orNotAndParenthesesAsInTcpdump() {
        byte[] frame = udp("192.0.2.1", 40000, "198.51.100.7", 53);
        assertTrue(matches("proto tcp or proto udp", frame));
        assertTrue(matches("tcp || udp", frame));
        assertFalse(matches("not udp", frame));
        assertTrue(matches("!tcp", frame));
        assertTrue(matches("! tcp and !icmp", frame));
        assertTrue(matches("not (tcp or icmp)", frame));
        assertFalse(matches("not(udp)", frame));
        // and/or: the same precedence, left to right (pcap-filter(7))
        assertFalse(matches("udp or tcp and port 80", frame), "(udp or tcp) and port 80");
        assertTrue(matches("udp or (tcp and port 80)", frame));
        assertTrue(matches("tcp and port 80 or udp", frame), "(tcp and port 80) or udp");
        assertTrue(matches("((src 192.0.2.0/24) and (dst port 53 or dst port 5353))", frame));
    }

    @Test
    void hostNetAndDirectedPorts() {
        byte[] frame = udp("192.0.2.1", 40000, "198.51.100.7", 53);
        assertTrue(matches("host 198.51.100.7", frame));
        assertTrue(matches("host 192.0.2.1", frame));
        assertFalse(matches("host 192.0.2.2", frame));
        assertTrue(matches("net 198.51.100.0/24", frame));
        assertFalse(matches("net 203.0.113.0/24", frame));
        assertTrue(matches("src host 192.0.2.1 and dst net 198.51.100.0/24", frame));
        assertFalse(matches("src net 198.51.100.0/24", frame));
        assertTrue(matches("src port 40000 and dst port 53", frame));
        assertFalse(matches("src port 53", frame));
        assertFalse(matches("dst port 40000", frame));
        byte[] ping = Wire.ipv4("192.0.2.1", "198.51.100.7").icmp(8, 0, 0x01020001, Wire.pattern(8, 2)).frame(B, A);
        assertTrue(matches("icmp and not port 53", ping), "ICMP has no ports: not port holds");
        assertFalse(matches("src port 0 or dst port 0", ping));
    }

    @Test
    void notDoesNotMakeOtherFramesMatch() {
        byte[] arp = Wire.ether(Wire.mac("ff:ff:ff:ff:ff:ff"), A, Wire.ETHERTYPE_ARP,
            Wire.arp(1, A, Wire.ip("192.0.2.1"), 0, Wire.ip("192.0.2.254")));
        assertFalse(matches("not tcp", arp), "a frame that is not IPv4 matches only the empty predicate");
    }
}
