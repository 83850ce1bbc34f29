package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * An ICMP error built in a slot's headroom toward a neighbour not resolved yet waits for ARP and
 * goes out once it is: it must come back from the ARP queue as an IPv4 frame (GraphFuzzTest found
 * it reloaded by the garbage EtherType of the headroom: internal_error).
 */
class ParkedIcmpErrorTest extends GraphTestBase {
    @Test
    void anErrorParkedForArpGoesOutWhenTheNeighbourAnswers() {
        fx.resolve(0, A, A_MAC);
        fx.markCounters();
        // slots reused: their headroom holds anything (here: no EtherType IPv4 anywhere)
        // (small slots only: allocate() hands out no large ones, which freeCount() also counts)
        java.util.List<Integer> slots = new java.util.ArrayList<>();
        for (int slot = fx.pool.allocate(); slot >= 0; slot = fx.pool.allocate()) {
            slots.add(slot);
            int start = fx.pool.frameOffset(slot) - net.taprouter.dataplane.buffer.FramePool.HEADROOM;
            fx.pool.buffer().setMemory(start, net.taprouter.dataplane.buffer.FramePool.HEADROOM, (byte) 0xEE);
        }
        for (int slot : slots) {
            fx.pool.free(slot);
        }
        // B is not resolved: its UDP to the router gets Port Unreachable, which waits for B's MAC
        fx.receive(1, Wire.ipv4("198.51.100.1", "198.51.100.254").udp(5000, 53, Wire.pattern(20, 1)).frame(P1_MAC, B_MAC));
        byte[] arpRequest = only(fx.tap1);
        assertEquals(0x0806, Wire.u16(arpRequest, 12));
        fx.iface1.mtu(68); // the resumed error is fragmented: the stages after the ARP queue read its IPv4 header
        fx.receive(1, Golden.ARP_REPLY_FROM_B);
        java.util.List<byte[]> fragments = fx.tap1.take();
        assertEquals(2, fragments.size(), "the error in two fragments");
        byte[] error = fragments.get(0);
        assertEquals(B_MAC, Wire.getMac(error, 0));
        assertEquals(0x0800, Wire.u16(error, 12));
        assertEquals(3, Wire.u8(error, 14 + 20), "destination unreachable");
        assertEquals(3, Wire.u8(error, 14 + 21), "port unreachable");
        assertEquals(0x2000, Wire.u16(error, 14 + 6) & 0x2000, "more fragments");
        assertEquals(0, fx.counter("drop.internal_error"));
        assertEquals(0, fx.counter("origin.drop.internal_error"));
        fx.assertNoLeak();
    }
}
