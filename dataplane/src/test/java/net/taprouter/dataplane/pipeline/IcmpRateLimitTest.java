package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * ICMP errors are limited per destination (as Linux's per-peer limit), and Fragmentation Needed is
 * never limited: one host flooding TTL=1 packets cannot silence path-MTU discovery or the errors
 * owed to other hosts.
 */
class IcmpRateLimitTest extends GraphTestBase {

    private static byte[] ttl1From(String source, long sourceMac, int port, int id) {
        byte[] ip = Wire.ipv4(source, port == 0 ? "198.51.100.1" : "192.0.2.1").ttl(1).id(id).udp(40000, 9, Wire.pattern(20, id)).build();
        return Wire.ether(port == 0 ? P0_MAC : P1_MAC, sourceMac, Wire.ETHERTYPE_IPV4, ip);
    }

    @Test
    void oneHostsTtlFloodDoesNotSuppressOtherHostsErrorsOrFragmentationNeeded() {
        resolveHosts();
        long cMac = Wire.mac("00:00:5e:00:53:07");
        fx.resolve(0, Wire.ip("192.0.2.7"), cMac);
        fx.markCounters();
        fx.settings.icmpRateLimit(0, 5); // 5 errors per destination, no refill

        for (int i = 0; i < 50; i++) {
            fx.receive(0, ttl1From("192.0.2.1", A_MAC, 0, i));
        }
        assertEquals(5, fx.tap0.take().size(), "host A gets its burst");
        assertEquals(45, fx.counter("origin.drop.icmp_rate_limited"));

        // another host on the same port, and a host on the other port, still get their errors
        fx.receive(0, ttl1From("192.0.2.7", cMac, 0, 1));
        assertEquals(1, fx.tap0.take().size(), "192.0.2.7's time exceeded");
        fx.receive(1, ttl1From("198.51.100.1", B_MAC, 1, 1));
        assertEquals(1, fx.tap1.take().size(), "host B's time exceeded");

        // and host A itself still learns the path MTU
        fx.iface1.mtu(576);
        for (int i = 0; i < 3; i++) {
            byte[] big = Wire.ipv4("192.0.2.1", "198.51.100.1").flagsFragment(0x4000).id(100 + i)
                .udp(40000, 9, Wire.pattern(1000, i)).build();
            fx.receive(0, Wire.ether(P0_MAC, A_MAC, Wire.ETHERTYPE_IPV4, big));
        }
        assertEquals(3, fx.tap0.take().size(), "fragmentation needed to host A, never rate-limited");
        assertEquals(45, fx.counter("origin.drop.icmp_rate_limited"));
        fx.assertNoLeak();
    }
}
