package net.taprouter.dataplane.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Ipv4AddressTest {
    @Test
    void parsesAndFormats() {
        assertEquals(0xC0000201, Ipv4Address.parse("192.0.2.1"));
        assertEquals(0xC6336401, Ipv4Address.parse("198.51.100.1"));
        assertEquals(0, Ipv4Address.parse("0.0.0.0"));
        assertEquals(0xFFFFFFFF, Ipv4Address.parse("255.255.255.255"));
        assertEquals(0x0A000001, Ipv4Address.parse("10.0.0.1"));
        assertEquals("192.0.2.1", Ipv4Address.format(0xC0000201));
        assertEquals("255.255.255.255", Ipv4Address.format(-1));
        assertEquals("0.0.0.0", Ipv4Address.format(0));
        assertEquals("128.0.0.0", Ipv4Address.format(Integer.MIN_VALUE));
    }

    @Test
    void roundTripsRandomAddresses() {
        Random random = new Random(7);
        for (int i = 0; i < 1000; i++) {
            int address = random.nextInt();
            assertEquals(address, Ipv4Address.parse(Ipv4Address.format(address)));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "256.1.1.1", "1.2.3.4.5", "a.b.c.d", "+1.2.3.4", " 1.2.3.4",
        "1.2.3.4 ", "1..2.3", "1.2.3.", ".1.2.3", "1.2.3.-4", "1.2.3.4a", "01.2.3.4", "1.2.3.00",
        "1.2.3.1000", "1.2.3.0256", "1,2,3,4", "\uff11.2.3.4", "1.2.3.4."})
    void rejectsBadText(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse(text));
        assertEquals("bad IPv4 address \"" + text + "\"", e.getMessage());
    }

    @Test
    void rejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse(null));
    }

    @Test
    void masks() {
        assertEquals(0, Ipv4Address.mask(0));
        assertEquals(0x80000000, Ipv4Address.mask(1));
        assertEquals(0xFF000000, Ipv4Address.mask(8));
        assertEquals(0xFFFFFF00, Ipv4Address.mask(24));
        assertEquals(0xFFFFFFFE, Ipv4Address.mask(31));
        assertEquals(0xFFFFFFFF, Ipv4Address.mask(32));
        for (int p = 0; p <= 32; p++) {
            assertEquals(p, Integer.bitCount(Ipv4Address.mask(p)));
        }
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.mask(-1));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.mask(33));
    }

    @Test
    void classifiesSpecialRanges() {
        assertTrue(Ipv4Address.isMulticast(Ipv4Address.parse("224.0.0.0")));
        assertTrue(Ipv4Address.isMulticast(Ipv4Address.parse("239.255.255.255")));
        assertFalse(Ipv4Address.isMulticast(Ipv4Address.parse("223.255.255.255")));
        assertFalse(Ipv4Address.isMulticast(Ipv4Address.parse("240.0.0.0")));

        assertTrue(Ipv4Address.isLoopback(Ipv4Address.parse("127.0.0.1")));
        assertTrue(Ipv4Address.isLoopback(Ipv4Address.parse("127.255.255.255")));
        assertFalse(Ipv4Address.isLoopback(Ipv4Address.parse("128.0.0.1")));
        assertFalse(Ipv4Address.isLoopback(Ipv4Address.parse("126.255.255.255")));

        assertTrue(Ipv4Address.isThisNetwork(0));
        assertTrue(Ipv4Address.isThisNetwork(Ipv4Address.parse("0.255.255.255")));
        assertFalse(Ipv4Address.isThisNetwork(Ipv4Address.parse("1.0.0.0")));

        assertTrue(Ipv4Address.isReservedClassE(Ipv4Address.parse("240.0.0.0")));
        assertTrue(Ipv4Address.isReservedClassE(Ipv4Address.parse("255.255.255.254")));
        assertFalse(Ipv4Address.isReservedClassE(Ipv4Address.parse("255.255.255.255")));
        assertFalse(Ipv4Address.isReservedClassE(Ipv4Address.parse("239.255.255.255")));

        assertTrue(Ipv4Address.isLimitedBroadcast(Ipv4Address.parse("255.255.255.255")));
        assertFalse(Ipv4Address.isLimitedBroadcast(Ipv4Address.parse("255.255.255.254")));
    }
}
