package net.taprouter.dataplane.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.taprouter.dataplane.buffer.DescriptorRing;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.capture.CaptureRing;
import net.taprouter.dataplane.capture.CaptureTap;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.neigh.NeighbourLimits;
import net.taprouter.dataplane.pipeline.DataplaneSettings;
import net.taprouter.dataplane.pipeline.PublishedTables;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.GracePeriod;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.stats.ForwardingLatency;
import net.taprouter.dataplane.tap.TapDevice;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Capture armed through the typed proxy on two running workers: each copies the received frames
 * of the armed port into its own ring (the RX path of {@link ForwardingAgent}); after disarming
 * nothing more is copied.
 */
@Timeout(60)
class CaptureProxyTest {
    private static final int PORT = 1;
    private static final long PORT_MAC = 0x0200_0000_0011L;

    @Test
    void armedWorkersCopyTheirReceivedFramesAndStopWhenDisarmed() throws Exception {
        PortTable ports = new PortTable();
        InterfaceTable interfaces = new InterfaceTable();
        PublishedTables tables = new PublishedTables(ports, interfaces, new RouteTable(4, GracePeriod.NONE),
            new NextHops(16, GracePeriod.NONE), new DataplaneSettings());
        FramePool pool = new FramePool(16, 2048);
        SlotReturnRing returns = new SlotReturnRing(pool);
        WorkerSizes sizes = new WorkerSizes(NeighbourLimits.of(8, 2, pool.slotCount()));
        List<AgentRunner> runners = new ArrayList<>();
        try (CounterFile file = CounterFile.create(null, 4096); TapDevice sink = TapDevice.discarding()) {
            Worker a = Worker.build(tables, pool, returns, file, sizes);
            Worker b = Worker.build(tables, pool, returns, file, sizes);
            Port port = new Port(PORT, "p1", sink, new PortCounters(file, "p1"));
            interfaces.put(Interface.forPort(PORT, port, PORT_MAC, 1500));
            ports.put(port);
            DescriptorRing ringA = new DescriptorRing(16);
            DescriptorRing ringB = new DescriptorRing(16);
            ForwardingAgent agentA = a.agent(ringA, new ReaderEpochs(1, () -> { }), 0, new ForwardingLatency());
            ForwardingAgent agentB = b.agent(ringB, new ReaderEpochs(1, () -> { }), 0, new ForwardingLatency());
            for (ForwardingAgent agent : List.of(agentA, agentB)) {
                AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null, agent);
                AgentRunner.startOnThread(runner);
                runners.add(runner);
            }
            WorkerProxy proxy = new WorkerProxy(List.of(agentA, agentB), () -> { });
            assertEquals(2, proxy.workerCount());
            List<CaptureRing> rings = List.of(new CaptureRing(1 << 16, 128), new CaptureRing(1 << 16, 128));
            proxy.armCapture(7, PORT, CaptureTap.DIRECTION_RX, net.taprouter.dataplane.match.FrameMatch.ANY, rings, 1_000L);
            assertEquals(1, a.context().capture.count());
            assertEquals(1, b.context().capture.count());

            receive(pool, ringA, PORT, (byte) 0xA1);
            receive(pool, ringB, PORT, (byte) 0xB1);
            receive(pool, ringB, PORT + 1, (byte) 0xB2); // another port: not captured
            assertEquals(List.of("A1"), await(rings.get(0), 1));
            assertEquals(List.of("B1"), await(rings.get(1), 1));

            proxy.disarmCapture(7);
            assertEquals(0, a.context().capture.count());
            receive(pool, ringA, PORT, (byte) 0xA2);
            Thread.sleep(50);
            assertEquals(List.of(), await(rings.get(0), 0));
        } finally {
            for (AgentRunner runner : runners) {
                runner.close();
            }
        }
    }

    /** A 60-byte frame to the port's MAC with an unknown EtherType (dropped after its capture); {@code tag} in its last byte. */
    private static void receive(FramePool pool, DescriptorRing ring, int port, byte tag) {
        int slot = pool.allocate();
        int at = pool.frameOffset(slot);
        for (int i = 0; i < 6; i++) {
            pool.buffer().putByte(at + i, (byte) (PORT_MAC >>> (40 - 8 * i)));
        }
        pool.buffer().putShort(at + 12, (short) 0x8888);
        pool.buffer().putByte(at + 59, tag);
        assertTrue(ring.offer(slot, port, 60, System.nanoTime()));
    }

    private static List<String> await(CaptureRing ring, int frames) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        do {
            ring.drain((t, p, d, r, wire, bytes, offset, length) -> seen.add(String.format("%02X", bytes.getByte(offset + 59))), 16);
            if (seen.size() >= frames && frames > 0) {
                break;
            }
            Thread.sleep(5);
        } while (System.nanoTime() < end && frames > 0);
        return seen;
    }
}
