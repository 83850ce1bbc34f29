package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The command-line word parsers: every error names the command and the bad word. */
class ArgsTest {
    private static Args args(String command, String... words) {
        Args a = new Args(List.of(words));
        a.command(command);
        return a;
    }

    @Test
    void prefixesAsIpRouteReadsThem() {
        assertEquals(new Prefix(0xC6336400, 24), args("route add", "198.51.100.0/24").routePrefix());
        assertEquals(new Prefix(0, 0), args("route add", "default").routePrefix());
        assertEquals(new Prefix(0xC0000201, 32), args("route add", "192.0.2.1").routePrefix(), "bare address = /32");
        assertEquals("default", new Prefix(0, 0).toRouteString());
        assertEquals("198.51.100.0/24", new Prefix(0xC6336400, 24).toRouteString());
    }

    @Test
    void badPrefixesAreNamed() {
        CommandException hostBits = assertThrows(CommandException.class, () -> args("route add", "10.0.0.1/8").routePrefix());
        assertEquals("route add: invalid prefix \"10.0.0.1/8\": host bits set (did you mean 10.0.0.0/8?)", hostBits.getMessage());
        String[][] cases = {
            {"10.0.0.0/33", "length > 32"},
            {"10.0.0.0/100", "length > 32"},
            {"10.0.0.0/", "missing length after /"},
            {"10.0.0/8", "an IPv4 address has 4 octets A.B.C.D, not 3"},
            {"10.0.0.0/-1", "length \"-1\" is not a number"},
            {"10.0.0.0/8x", "length \"8x\" is not a number"},
            {"banana", "an IPv4 address has 4 octets A.B.C.D, not 1"},
            {"300.1.1.0/24", "octet 300 > 255"},
            {"10.01.0.0/16", "octet 01 has a leading zero"},
            {"10..0.0/16", "empty octet"},
        };
        for (String[] c : cases) {
            CommandException e = assertThrows(CommandException.class, () -> args("route add", c[0]).routePrefix(), c[0]);
            assertEquals("route add: bad prefix " + c[0] + " (" + c[1] + ")", e.getMessage());
        }
        assertEquals("addr add: bad address 192.0.2.1/33 (length > 32)",
            assertThrows(CommandException.class, () -> args("addr add", "192.0.2.1/33").prefix("address", true)).getMessage());
        assertEquals("route add: bad gateway 192.0.2.256 (octet 256 > 255)",
            assertThrows(CommandException.class, () -> args("route add", "192.0.2.256").address("gateway")).getMessage());
        assertNull(Prefix.parse("10.0.0.1/8", false));
        assertEquals(new Prefix(0x0A000001, 8), Prefix.parse("10.0.0.1/8", true), "addresses keep their host bits");
    }

    @Test
    void macsMustBeUnicast() {
        assertEquals(0x00005e005312L, args("link add", "00:00:5e:00:53:12").mac());
        assertEquals("link add: bad MAC address \"00:00:5e:00:53\"",
            assertThrows(CommandException.class, () -> args("link add", "00:00:5e:00:53").mac()).getMessage());
        assertTrue(assertThrows(CommandException.class, () -> args("link add", "01:00:5e:00:00:01").mac())
            .getMessage().contains("not a unicast address"));
        assertTrue(assertThrows(CommandException.class, () -> args("link add", "00:00:00:00:00:00").mac())
            .getMessage().contains("not a unicast address"));
    }

    @Test
    void integersAndKeywords() {
        assertEquals(1400, args("link set", "1400").integer("mtu", 68, 9000));
        assertEquals("link set: mtu 20 out of range 68..9000",
            assertThrows(CommandException.class, () -> args("link set", "20").integer("mtu", 68, 9000)).getMessage());
        assertEquals("link set: bad mtu \"big\"",
            assertThrows(CommandException.class, () -> args("link set", "big").integer("mtu", 68, 9000)).getMessage());
        Args a = args("addr add", "dev", "gw0", "extra");
        a.expect("dev");
        assertTrue(a.accept("gw0"));
        assertFalse(a.accept("gw0"));
        assertEquals("addr add: unexpected \"extra\"", assertThrows(CommandException.class, a::end).getMessage());
        assertEquals("addr add: missing port name",
            assertThrows(CommandException.class, () -> args("addr add").next("port name")).getMessage());
    }
}
