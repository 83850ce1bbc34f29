package net.taprouter.dataplane.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {
    @Test
    void parsesAndFormats() {
        assertEquals(0x00005e005312L, MacAddress.parse("00:00:5e:00:53:12"));
        assertEquals(0x00005e005312L, MacAddress.parse("00:00:5E:00:53:12"));
        assertEquals(MacAddress.BROADCAST, MacAddress.parse("ff:ff:ff:ff:ff:ff"));
        assertEquals(0L, MacAddress.parse("00:00:00:00:00:00"));
        assertEquals("00:00:5e:00:53:12", MacAddress.format(0x00005e005312L));
        assertEquals("ff:ff:ff:ff:ff:ff", MacAddress.format(MacAddress.BROADCAST));
        assertEquals("0a:1b:2c:3d:4e:5f", MacAddress.format(MacAddress.parse("0A:1B:2C:3D:4E:5F")));
    }

    @Test
    void roundTripsRandomAddresses() {
        Random random = new Random(42);
        for (int i = 0; i < 1000; i++) {
            long mac = random.nextLong() & MacAddress.BROADCAST;
            assertEquals(mac, MacAddress.parse(MacAddress.format(mac)));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00:11:22:33:44", "00:11:22:33:44:55:66", "gg:11:22:33:44:55",
        "00:11:22:33:44:5g", "00-11-22-33-44-55", "0:11:22:33:44:555", " 00:11:22:33:44:55",
        "00:11:22:33:44:55 ", "00:11:22:33:44:+5", "001122334455", "00:11:22:33:44::5",
        "\uff10\uff10:11:22:33:44:55"})
    void rejectsBadText(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
        assertEquals("bad MAC address \"" + text + "\"", e.getMessage());
    }

    @Test
    void rejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(null));
    }

    @Test
    void multicastIsTheGroupBit() {
        assertTrue(MacAddress.isMulticast(MacAddress.BROADCAST));
        assertTrue(MacAddress.isMulticast(MacAddress.parse("01:00:5e:00:00:16")));
        assertTrue(MacAddress.isMulticast(MacAddress.parse("33:33:00:00:00:01")));
        assertFalse(MacAddress.isMulticast(MacAddress.parse("00:00:5e:00:53:01")));
        assertFalse(MacAddress.isMulticast(MacAddress.parse("02:ff:ff:ff:ff:ff")));
    }

    @Test
    void getAndPutAreBigEndianAndTouchOnlySixBytes() {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[9]);
        buffer.setMemory(0, 9, (byte) 0xA5);
        MacAddress.put(buffer, 1, 0x00005e005312L);
        assertEquals("a500005e005312a5a5", Frames.hex(buffer));
        assertEquals(0x00005e005312L, MacAddress.get(buffer, 1));
        MacAddress.put(buffer, 3, MacAddress.BROADCAST);
        assertEquals(MacAddress.BROADCAST, MacAddress.get(buffer, 3));
        assertEquals("a50000ffffffffffff", Frames.hex(buffer));
    }
}
