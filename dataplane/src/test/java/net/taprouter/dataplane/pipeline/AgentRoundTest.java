package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.agent.ReaderEpochs;
import net.taprouter.dataplane.buffer.DescriptorRing;
import net.taprouter.dataplane.conntrack.ConntrackHooks;
import net.taprouter.dataplane.conntrack.ConntrackTable;
import net.taprouter.dataplane.stats.ForwardingLatency;
import org.agrona.concurrent.Agent;
import org.junit.jupiter.api.Test;

/**
 * One round of a worker's agent ({@code agent.ForwardingAgent.doWork}) on the real graph: the frames
 * it forwarded are written before the worker's timer runs, so after an idle spell (when the
 * timer is due at the first frame) a frame's latency does not include the timer's work, such as
 * conntrack's sweep of thousands of flows.
 */
class AgentRoundTest {

    @Test
    void framesOfARoundGoOutBeforeTheTimersWork() throws Exception {
        try (GraphFixture fx = new GraphFixture(ConntrackHooks.all())) {
            ConntrackTable table = fx.context.conntrack;
            table.maxFlows(256); // one tick's sweep covers the whole table
            fx.worker.startConntrack();
            table.config().timeouts(table.config().timeouts().with("udp unreplied", 1));
            fx.resolve(1, GraphFixture.HOST_B, GraphFixture.HOST_B_MAC);
            DescriptorRing ring = new DescriptorRing(16);
            Agent agent = fx.worker.agent(ring, new ReaderEpochs(1, () -> { }), 0, new ForwardingLatency());
            List<Integer> flowsAtWrite = new ArrayList<>();
            fx.tap1.onWrite(() -> flowsAtWrite.add(table.size()));

            offer(fx, ring, Flows.udp("192.0.2.1", 40000, "198.51.100.1", 9, 8, GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC));
            agent.doWork();
            assertEquals(List.of(1), flowsAtWrite, "the first flow made and forwarded");
            Thread.sleep(1_100); // its 1 s timeout passes; the timer (every 50 ms) is due at the next frame

            offer(fx, ring, Flows.udp("192.0.2.1", 40001, "198.51.100.1", 9, 8, GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC));
            agent.doWork();
            assertEquals(List.of(1, 2), flowsAtWrite, "the second frame went out before the sweep removed the first flow");
            assertEquals(1, table.size(), "and the sweep ran in the same round");
            assertEquals(2, fx.tap1.take().size());
            fx.assertNoLeak();
        }
    }

    private static void offer(GraphFixture fx, DescriptorRing ring, byte[] frame) {
        int slot = fx.pool.allocate();
        fx.pool.buffer().putBytes(fx.pool.frameOffset(slot), frame);
        assertTrue(ring.offer(slot, 0, frame.length, System.nanoTime()));
    }
}
