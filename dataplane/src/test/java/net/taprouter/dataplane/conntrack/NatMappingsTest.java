package net.taprouter.dataplane.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.taprouter.dataplane.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

class NatMappingsTest {
    private static final int TCP = NatRewrite.PROTO_TCP;
    private static final int UDP = NatRewrite.PROTO_UDP;
    private static final int ICMP = NatRewrite.PROTO_ICMP;
    private static final int HOST1 = Ipv4Address.parse("192.0.2.1");
    private static final int HOST2 = Ipv4Address.parse("192.0.2.2");
    private static final int WAN = Ipv4Address.parse("203.0.113.254");
    private static final int WAN2 = Ipv4Address.parse("203.0.113.253");

    @Test
    void keepsTheInternalPortWhenItIsFree() {
        NatMappings nat = new NatMappings(16, 4);
        int m = nat.acquire(UDP, HOST1, 40000, WAN);
        assertEquals(40000, nat.externalPort(m));
        assertEquals(WAN, nat.externalAddress(m));
        assertEquals(m, nat.lookupExternal(UDP, WAN, 40000));
        assertEquals(NatMappings.NONE, nat.lookupExternal(TCP, WAN, 40000), "protocols have their own ports");
    }

    @Test
    void oneInternalEndpointKeepsOneExternalPortForEveryDestination() {
        NatMappings nat = new NatMappings(16, 4);
        int first = nat.acquire(UDP, HOST1, 40000, WAN);  // to server A
        int second = nat.acquire(UDP, HOST1, 40000, WAN); // to server B
        assertEquals(first, second);
        assertEquals(2, nat.references(first));
        nat.release(first);
        assertEquals(first, nat.lookupExternal(UDP, WAN, 40000), "still used by one flow");
        nat.release(first);
        assertEquals(NatMappings.NONE, nat.lookupExternal(UDP, WAN, 40000));
        assertEquals(0, nat.size());
    }

    @Test
    void twoHostsWithTheSamePortGetTwoPortsOfTheSameClass() {
        NatMappings nat = new NatMappings(64, 4);
        for (int port : new int[] {40000, 700, 53}) {
            int a = nat.acquire(TCP, HOST1, port, WAN);
            int b = nat.acquire(TCP, HOST2, port, WAN);
            assertEquals(port, nat.externalPort(a));
            assertNotEquals(port, nat.externalPort(b));
            int range = NatMappings.portClass(TCP, port);
            assertTrue(nat.externalPort(b) >= range >>> 16 && nat.externalPort(b) <= (range & 0xFFFF),
                port + " -> " + nat.externalPort(b));
            assertEquals(HOST2, nat.internalAddress(nat.lookupExternal(TCP, WAN, nat.externalPort(b))));
        }
    }

    @Test
    void aFullClassRefusesAndTheOtherClassesStillWork() {
        NatMappings nat = new NatMappings(1000, 4);
        for (int i = 0; i < 511; i++) {
            assertNotEquals(NatMappings.NONE, nat.acquire(UDP, HOST1 + i, 100, WAN), "mapping " + i);
        }
        assertEquals(NatMappings.NONE, nat.acquire(UDP, HOST2 + 1000, 100, WAN), "1-511 exhausted");
        assertNotEquals(NatMappings.NONE, nat.acquire(UDP, HOST2 + 1000, 100, WAN2), "another address has its own ports");
        assertNotEquals(NatMappings.NONE, nat.acquire(UDP, HOST2 + 1000, 5000, WAN));
    }

    @Test
    void icmpIdentifiersUseTheWholeRange() {
        NatMappings nat = new NatMappings(16, 4);
        int a = nat.acquire(ICMP, HOST1, 0, WAN);
        int b = nat.acquire(ICMP, HOST2, 0, WAN);
        assertEquals(0, nat.externalPort(a));
        assertNotEquals(0, nat.externalPort(b));
    }

    @Test
    void theTableIsBounded() {
        NatMappings nat = new NatMappings(2, 1);
        nat.acquire(UDP, HOST1, 1, WAN);
        nat.acquire(UDP, HOST1, 2, WAN);
        assertEquals(NatMappings.NONE, nat.acquire(UDP, HOST1, 3, WAN));
        assertEquals(NatMappings.NONE, nat.acquire(UDP, HOST2, 1, WAN2), "one external address only");
    }

    /** Random acquire/release: external ports unique, in class, stable while referenced. */
    @Property(tries = 200)
    void mappingsStayConsistent(@ForAll @Size(max = 300) List<@IntRange(min = 0, max = 999) Integer> ops) {
        NatMappings nat = new NatMappings(64, 2);
        Map<String, Integer> portOf = new HashMap<>();
        List<Integer> held = new ArrayList<>();
        for (int op : ops) {
            if (op < 600 || held.isEmpty()) {
                int host = HOST1 + op % 4;
                int port = new int[] {80, 700, 40000, 510}[op / 4 % 4];
                int external = op % 3 == 0 ? WAN2 : WAN;
                int m = nat.acquire(TCP, host, port, external);
                if (m == NatMappings.NONE) {
                    continue;
                }
                held.add(m);
                String key = host + ":" + port + ">" + external;
                Integer before = portOf.putIfAbsent(key, nat.externalPort(m));
                if (before != null) {
                    assertEquals(before, nat.externalPort(m), "EIM: same internal endpoint, same external port");
                }
                int range = NatMappings.portClass(TCP, port);
                assertTrue(nat.externalPort(m) >= range >>> 16 && nat.externalPort(m) <= (range & 0xFFFF));
            } else {
                int m = held.remove(op % held.size());
                String key = nat.internalAddress(m) + ":" + nat.internalPort(m) + ">" + nat.externalAddress(m);
                nat.release(m);
                if (!held.contains(m)) {
                    portOf.remove(key);
                }
            }
            Set<Long> externals = new HashSet<>();
            for (int m : new HashSet<>(held)) {
                assertTrue(externals.add((long) nat.externalAddress(m) << 16 | nat.externalPort(m)), "no port overloading");
                assertEquals(m, nat.lookupExternal(TCP, nat.externalAddress(m), nat.externalPort(m)));
            }
            assertEquals(new HashSet<>(held).size(), nat.size());
        }
    }
}
