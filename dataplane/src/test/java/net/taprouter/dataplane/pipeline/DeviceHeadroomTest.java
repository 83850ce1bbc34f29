package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.dataplane.buffer.FramePool;
import org.junit.jupiter.api.Test;

/**
 * Every frame the graph writes leaves the room its device asks for in front of it (a virtio-net
 * header's, up to {@link FramePool#MAX_DEVICE_HEADROOM}): a forwarded frame, an ICMP error built
 * in the slot's headroom, an echo reply, an ARP request and fragments (built outside the pool).
 * A frame in a pool slot must not need bytes of the slot before it.
 */
class DeviceHeadroomTest extends GraphTestBase {

    @Test
    void everyFrameLeavesRoomForTheDeviceHeader() {
        int room = FramePool.MAX_DEVICE_HEADROOM;
        fx.tap0.headroom(room);
        fx.tap1.headroom(room);
        resolveHosts();
        fx.receive(0, Golden.UDP_A_TO_B);        // forwarded, in its slot
        fx.receive(0, Golden.UDP_TTL1);          // time exceeded: prepended in the slot's headroom
        fx.receive(0, Golden.ECHO_REQUEST);      // echo reply, in its slot
        fx.receive(0, Golden.UDP_A_TO_REMOTE);   // the gateway's ARP request, from a scratch buffer
        fx.iface1.mtu(48);
        fx.receive(0, Golden.UDP_A_TO_B);        // two fragments, from a scratch buffer
        long poolStart = fx.pool.address(0);
        long poolEnd = poolStart + (long) fx.slots * GraphFixture.SLOT_SIZE;
        int inPool = 0;
        int outside = 0;
        for (MemoryFrameIo io : new MemoryFrameIo[] {fx.tap0, fx.tap1}) {
            for (long address : io.addresses()) {
                if (address >= poolStart && address < poolEnd) {
                    long slotStart = poolStart + (address - poolStart) / GraphFixture.SLOT_SIZE * GraphFixture.SLOT_SIZE;
                    assertTrue(address - room >= slotStart, io.ifname() + ": a frame at " + (address - slotStart)
                        + " in its slot leaves less than " + room + " bytes in front");
                    inPool++;
                } else {
                    outside++;
                }
            }
        }
        assertEquals(3, inPool, "frames written from pool slots");
        assertEquals(3, outside, "frames written from scratch buffers (ARP request, two fragments)");
        fx.assertNoLeak(1);
    }
}
