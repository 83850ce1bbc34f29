package net.taprouter.dataplane.pipeline;

import static net.taprouter.dataplane.pipeline.GraphFixture.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import net.taprouter.dataplane.stats.DropReason;
import org.junit.jupiter.api.Test;

/**
 * A stage that throws costs one frame (drop internal_error), never the thread; the slot comes back
 * exactly once; a port removed while its frame is in the graph is a port_down drop, not a crash.
 */
class StageFailureTest extends GraphTestBase {

    @Test
    void aThrowingStageCostsOneFrameAndItsSlotComesBackOnce() {
        resolveHosts();
        fx.tap1.failWith(new IllegalStateException("bug in a stage (test)"));

        fx.receive(0, Golden.UDP_A_TO_B);

        fx.assertNothingWritten();
        fx.assertCounters("drop.internal_error", 1, "port.tap0.rx_drops", 1);
        fx.assertNoLeak();

        fx.tap1.failWith(null);
        fx.receive(0, Golden.UDP_A_TO_B);
        assertEquals(Golden.UDP_A_TO_B_OUT, Wire.hex(only(fx.tap1)));
        fx.assertNoLeak();
    }

    @Test
    void aThrowWhileReleasingAnArpQueueCostsOnlyThatPacket() {
        fx.resolve(0, A, A_MAC);
        fx.receive(0, Golden.UDP_A_TO_B);
        fx.receive(0, Golden.UDP_A_TO_B);
        fx.tap1.take();
        fx.markCounters();
        fx.assertNoLeak(2);

        fx.tap1.failWith(new IllegalStateException("bug in a stage (test)"));
        fx.receive(1, Golden.ARP_REPLY_FROM_B);

        fx.assertCounters("drop.internal_error", 2, "event.arp_learned", 1, "event.arp_replies_received", 1,
            "event.local_delivered", 1, "port.tap0.rx_drops", 2);
        fx.assertNoLeak();
        fx.tap1.failWith(null);
    }

    @Test
    void aSlotReleasedTwiceIsNotFreedTwice() {
        int slot = fx.pool.allocate();
        fx.context.hold(slot);
        fx.context.release(slot);
        fx.context.release(slot);
        assertEquals(1, fx.counter("drop.internal_error"));
        fx.assertNoLeak();
    }

    private Packet ipPacketFrom(int port, byte[] frame) {
        int slot = fx.pool.allocate();
        fx.pool.buffer().putBytes(fx.pool.frameOffset(slot), frame);
        Packet packet = new Packet();
        packet.reset(slot, fx.pool.frameOffset(slot), frame.length, port);
        packet.ethernet.wrap(fx.pool.buffer(), packet.frameOffset, frame.length);
        fx.context.hold(slot);
        return packet;
    }

    @Test
    void portsRemovedWhileTheirFrameIsInTheGraphAreNoCrash() {
        ForwardingGraph graph = fx.graph;
        Stage portDown = graph.drop(DropReason.PORT_DOWN);
        // the frames came in on (or are routed to) port 7, which link del has just unpublished
        Packet arp = ipPacketFrom(7, Wire.unhex(Golden.ARP_REQUEST_FROM_A));
        assertSame(portDown, new ArpInputStage(fx.context, graph.resolver(), graph).process(arp));
        portDown.process(arp);

        Packet ip = ipPacketFrom(7, Wire.unhex(Golden.UDP_A_TO_B));
        assertSame(portDown, new Ipv4InputStage(fx.context, graph).process(ip));
        portDown.process(ip);

        Packet big = ipPacketFrom(0, Wire.unhex(Golden.UDP_A_TO_B));
        big.ip.wrap(fx.pool.buffer(), big.ipOffset(), big.frameLength - 14);
        big.egressInterface = 7;
        assertSame(portDown, new FragmentStage(fx.context, graph).process(big));
        portDown.process(big);

        assertEquals(3, fx.counter("drop.port_down"));
        fx.assertNoLeak();
    }
}
