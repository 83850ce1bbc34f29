package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A scenario both fast paths (route, flow) must pass byte for byte: UDP from host A routed out of a
 * VLAN sub-interface (tagged by transmit) and out of a bridge (flooded while its FDB does not know
 * the neighbour's MAC, then to the port it was learned on from the reply), once by a router with
 * the fast path and once by one without; the same frames and counters (but the fast path's).
 */
final class VlanBridgeEgress {
    private VlanBridgeEgress() {
    }

    static void check(GraphFixture fast, GraphFixture whole, String fastPathCounter) {
        long vlanHost = Wire.mac("00:00:5e:00:53:a1");
        long bridgeHost = Wire.mac("00:00:5e:00:53:a2");
        for (GraphFixture fx : List.of(fast, whole)) {
            fx.addBridge(64, 64, 300_000);
            fx.addVlanInterface(6, "tap1.100", fx.iface1, 100, "198.18.100.254");
            fx.resolve(6, Wire.ip("198.18.100.1"), vlanHost);
            fx.resolve(2, Wire.ip("198.18.0.7"), bridgeHost);
        }
        byte[] toVlan = Flows.udp("192.0.2.1", 40000, "198.18.100.1", 9, 30, GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC);
        byte[] toBridge = Flows.udp("192.0.2.1", 40001, "198.18.0.7", 9, 30, GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC);
        for (int round = 0; round < 3; round++) {
            List<String> tagged = both(fast, whole, 0, toVlan);
            assertEquals(1, tagged.size(), "out of the VLAN, round " + round + ": " + tagged);
            assertTrue(tagged.get(0).startsWith("tap1 00005e0053a1" + "00005e005321" + "8100" + "0064"), "tagged: " + tagged);
            List<String> flooded = both(fast, whole, 0, toBridge);
            assertEquals(3, flooded.size(), "flooded to the bridge's three ports, round " + round + ": " + flooded);
        }
        // the bridge learns the host on its second port (the reply)
        both(fast, whole, 3, Flows.udp("198.18.0.7", 9, "192.0.2.1", 40001, 30, GraphFixture.BRIDGE_MAC, bridgeHost));
        for (int round = 0; round < 2; round++) {
            List<String> sent = both(fast, whole, 0, toBridge);
            assertEquals(1, sent.size(), "one port now, round " + round + ": " + sent);
        }
        assertEquals(withoutFastPath(whole, fastPathCounter), withoutFastPath(fast, fastPathCounter));
        assertTrue(fast.counter(fastPathCounter) >= 5, "taken: " + fast.counter(fastPathCounter));
        fast.assertNoLeak();
        whole.assertNoLeak();
    }

    /** Both routers get {@code frame} on {@code port}; asserts they wrote the same, returns it. */
    private static List<String> both(GraphFixture fast, GraphFixture whole, int port, byte[] frame) {
        fast.receive(port, frame);
        whole.receive(port, frame);
        List<String> written = fast.writtenAll();
        assertEquals(whole.writtenAll(), written);
        return written;
    }

    private static Map<String, Long> withoutFastPath(GraphFixture fx, String fastPathCounter) {
        Map<String, Long> values = new TreeMap<>(fx.values());
        values.remove(fastPathCounter);
        return values;
    }
}
