package net.taprouter.dataplane.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.dataplane.buffer.DescriptorRing;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.InterfaceTable;
import java.lang.reflect.Proxy;
import net.taprouter.dataplane.io.PortIo;
import net.taprouter.dataplane.neigh.NeighbourLimits;
import net.taprouter.dataplane.pipeline.DataplaneSettings;
import net.taprouter.dataplane.pipeline.PublishedTables;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.GracePeriod;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.stats.ForwardingLatency;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Dedicated threads: the forwarding thread wakes the RX thread, asleep in its poller, once the
 * slots it waits for (to read a queue paused for its share) are back, and only then.
 */
class ForwardingAgentRxWakeTest {
    private final FramePool pool = new FramePool(16, 2048);
    private final SlotReturnRing returns = new SlotReturnRing(pool);
    private final CounterFile file = CounterFile.create(null, 4096);
    private final DescriptorRing ring = new DescriptorRing(16);

    @AfterEach
    void close() {
        file.close();
    }

    private ForwardingAgent agent;

    @Test
    void theRxThreadIsWokenOnceTheSlotsItWaitsForAreBack() {
        PublishedTables tables = new PublishedTables(new PortTable(), new InterfaceTable(), new RouteTable(4, GracePeriod.NONE),
            new NextHops(16, GracePeriod.NONE), new DataplaneSettings());
        Worker worker = Worker.build(tables, pool, returns, file, new WorkerSizes(NeighbourLimits.of(8, 2, pool.slotCount())));
        worker.context().releaseToPool(false); // dedicated threads: slots go back through the return ring
        agent = worker.agent(ring, new ReaderEpochs(1, () -> { }), 0, new ForwardingLatency());
        agent.wakeRxForSlots(returns, rxPoller());
        agent.doWork(); // the first round's timer work, before anyone waits

        assertEquals(0, returns.awaitReturns(3), "the RX thread waits for 3 slots back");
        forward(2); // frames from a port that is gone: dropped, their slots given back
        assertEquals(2, returns.pending());
        assertEquals(0, wakeups, "2 of 3 back: not woken");
        forward(1);
        assertEquals(3, returns.pending());
        assertEquals(1, wakeups, "3 back: woken");
        forward(1);
        assertEquals(1, wakeups, "woken once per wait");
        returns.stopAwaiting();
        assertEquals(0, returns.awaitReturns(5) - 4, "4 back, 5 awaited");
        agent.doWork();
        assertEquals(1, wakeups, "nothing more back: not woken");
        forward(1);
        assertEquals(2, wakeups, "the next wait's 5 back: woken");
    }

    /** {@code n} frames through the agent's ring, in one round of it. */
    private void forward(int n) {
        for (int i = 0; i < n; i++) {
            int slot = pool.allocate();
            assertTrue(ring.offer(slot, 7, 60, System.nanoTime()));
        }
        assertEquals(n, agent.doWork());
    }

    private int wakeups;

    /** The RX thread's poller, as far as the forwarding thread uses it: its wake-ups are counted. */
    private PortIo rxPoller() {
        return (PortIo) Proxy.newProxyInstance(PortIo.class.getClassLoader(), new Class<?>[] {PortIo.class}, (proxy, method, args) -> {
            if (!method.getName().equals("wakeup")) {
                throw new UnsupportedOperationException(method.getName());
            }
            wakeups++;
            return null;
        });
    }
}
