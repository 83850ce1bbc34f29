package net.taprouter.dataplane.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.taprouter.dataplane.buffer.DescriptorRing;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.neigh.NeighbourEntry;
import net.taprouter.dataplane.neigh.NeighbourLimits;
import net.taprouter.dataplane.neigh.NeighbourState;
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
import net.taprouter.dataplane.wire.Ipv4Address;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The typed control proxy over two workers (built by {@link Worker#build} on shared tables, each
 * on its own thread): every command reaches every worker's own neighbour table, answers merge,
 * a command that fails on one worker is undone on the other, and a stuck or full worker gives an
 * error in bounded time, never a hang.
 */
@Timeout(60)
class WorkerProxyTest {
    private static final int PORT = 1;
    private static final long PORT_MAC = 0x0200_0000_0011L;
    private static final int X = Ipv4Address.parse("198.51.100.1");
    private static final int Y = Ipv4Address.parse("198.51.100.2");
    private static final int Z = Ipv4Address.parse("198.51.100.3");
    private static final long MAC1 = 0x0200_0000_00B1L;
    private static final long MAC2 = 0x0200_0000_00B2L;

    private final PortTable ports = new PortTable();
    private final InterfaceTable interfaces = new InterfaceTable();
    private final PublishedTables tables = new PublishedTables(ports, interfaces, new RouteTable(4, GracePeriod.NONE),
        new NextHops(16, GracePeriod.NONE), new DataplaneSettings());
    private final FramePool pool = new FramePool(16, 2048);
    private final SlotReturnRing returns = new SlotReturnRing(pool);
    private final WorkerSizes sizes = new WorkerSizes(NeighbourLimits.of(8, 2, pool.slotCount()));
    private CounterFile file;
    private TapDevice sink;
    private Worker a;
    private Worker b;
    private ForwardingAgent agentA;
    private ForwardingAgent agentB;
    private final List<AgentRunner> runners = new ArrayList<>();

    @BeforeEach
    void twoWorkers() throws Exception {
        file = CounterFile.create(null, 4096);
        sink = TapDevice.discarding();
        a = Worker.build(tables, pool, returns, file, sizes);
        b = Worker.build(tables, pool, returns, file, sizes);
        Port port = new Port(PORT, "p1", sink, new PortCounters(file, "p1"));
        interfaces.put(Interface.forPort(PORT, port, PORT_MAC, 1500));
        ports.put(port);
        agentA = agent(a);
        agentB = agent(b);
    }

    @AfterEach
    void stop() {
        for (AgentRunner runner : runners) {
            runner.close();
        }
        sink.close();
        file.close();
    }

    private static ForwardingAgent agent(Worker worker) {
        return worker.agent(new DescriptorRing(16), new ReaderEpochs(1, () -> { }), 0, new ForwardingLatency());
    }

    private void run(ForwardingAgent... agents) {
        for (ForwardingAgent agent : agents) {
            AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null, agent);
            AgentRunner.startOnThread(runner);
            runners.add(runner);
        }
    }

    private WorkerProxy proxy() {
        return new WorkerProxy(List.of(agentA, agentB), () -> { });
    }

    /** Each worker's own entries, taken on its thread. */
    private static List<NeighbourEntry> entriesOf(WorkerProxy proxy, int worker) {
        return proxy.send(w -> new WorkerCommand.SnapshotNeighbours()).get().get(worker);
    }

    private static NeighbourEntry find(List<NeighbourEntry> entries, int address) {
        return entries.stream().filter(e -> e.iface() == PORT && e.address() == address).findFirst().orElse(null);
    }

    @Test
    void everyWorkerGetsEveryCommand() {
        run(agentA, agentB);
        WorkerProxy proxy = proxy();
        WorkerControl.PermanentNeighbour change = proxy.setPermanentNeighbour(PORT, X, MAC1);
        for (int w = 0; w < 2; w++) {
            NeighbourEntry e = find(entriesOf(proxy, w), X);
            assertNotNull(e, "worker " + w + " has no entry");
            assertEquals(NeighbourState.PERMANENT, e.state());
            assertEquals(MAC1, e.mac());
        }
        assertEquals(1, proxy.neighbours().size(), "one merged entry per (port, address)");

        proxy.interfaceMacChanged(PORT, PORT_MAC + 1); // reaches both without error

        WorkerControl.HeldNeighbours held = proxy.holdNeighbour(PORT, X);
        assertFalse(held.isEmpty());
        assertTrue(proxy.neighbours().isEmpty(), "held on both workers");
        proxy.restoreNeighbours(held);
        assertEquals(NeighbourState.PERMANENT, find(proxy.neighbours(), X).state());

        proxy.unsetPermanentNeighbour(change);
        assertNull(find(entriesOf(proxy, 0), X));
        assertNull(find(entriesOf(proxy, 1), X));
        assertTrue(proxy.holdNeighbour(PORT, X).isEmpty(), "no worker has it any more");
    }

    @Test
    void answersMergePerPortAndAddress() {
        long now = System.nanoTime();
        // what each worker learned on its own: X reachable on a, stale on b; Y only on b; Z incomplete on a
        int ax = a.neighbours().create(PORT, X, NeighbourState.REACHABLE, PORT_MAC, now);
        a.neighbours().confirm(ax, MAC1, PORT_MAC, now);
        int bx = b.neighbours().create(PORT, X, NeighbourState.STALE, PORT_MAC, now);
        b.neighbours().confirm(bx, MAC2, PORT_MAC, now);
        b.neighbours().state(bx, NeighbourState.STALE);
        int by = b.neighbours().create(PORT, Y, NeighbourState.REACHABLE, PORT_MAC, now);
        b.neighbours().confirm(by, MAC2, PORT_MAC, now);
        a.neighbours().create(PORT, Z, NeighbourState.INCOMPLETE, PORT_MAC, now);
        run(agentA, agentB);
        WorkerProxy proxy = proxy();
        List<NeighbourEntry> merged = new ArrayList<>(proxy.neighbours());
        merged.sort(Comparator.comparingLong(e -> e.address() & 0xFFFF_FFFFL));
        assertEquals(3, merged.size(), merged.toString());
        assertEquals(NeighbourState.REACHABLE, merged.get(0).state(), "X: the reachable entry wins over the stale one");
        assertEquals(MAC1, merged.get(0).mac());
        assertEquals(Y, merged.get(1).address());
        assertEquals(NeighbourState.INCOMPLETE, merged.get(2).state());

        // neigh flush in a transaction: held on both, released at commit
        WorkerControl.HeldNeighbours held = proxy.holdDynamicNeighbours();
        assertTrue(proxy.neighbours().isEmpty());
        proxy.releaseNeighbours(held);
        assertTrue(proxy.neighbours().isEmpty());
        assertEquals(List.of(7, 7), proxy.send(w -> worker -> 7).get(), "both still answer");
    }

    @Test
    void mergeRanksStatesThenAge() {
        NeighbourEntry stale = new NeighbourEntry(PORT, X, MAC1, NeighbourState.STALE, 10);
        NeighbourEntry probe = new NeighbourEntry(PORT, X, MAC1, NeighbourState.PROBE, 50);
        NeighbourEntry permanent = new NeighbourEntry(PORT, X, MAC2, NeighbourState.PERMANENT, 900);
        NeighbourEntry failed = new NeighbourEntry(PORT, X, 0, NeighbourState.FAILED, 0);
        NeighbourEntry young = new NeighbourEntry(PORT, Y, MAC1, NeighbourState.REACHABLE, 1);
        NeighbourEntry old = new NeighbourEntry(PORT, Y, MAC2, NeighbourState.REACHABLE, 2);
        NeighbourEntry otherPort = new NeighbourEntry(PORT + 1, X, MAC1, NeighbourState.FAILED, 0);
        List<NeighbourEntry> merged = WorkerProxy.merge(List.of(List.of(stale, old, otherPort), List.of(probe, failed, young),
            List.of(permanent)));
        assertEquals(3, merged.size(), merged.toString());
        assertTrue(merged.contains(permanent));
        assertTrue(merged.contains(young));
        assertTrue(merged.contains(otherPort));
        assertEquals(stale, WorkerProxy.merge(List.of(List.of(failed), List.of(stale))).get(0));
    }

    @Test
    void aCommandThatFailsOnOneWorkerIsUndoneOnTheOthers() {
        long now = System.nanoTime();
        int ax = a.neighbours().create(PORT, X, NeighbourState.REACHABLE, PORT_MAC, now);
        a.neighbours().confirm(ax, MAC1, PORT_MAC, now);
        for (int i = 0; i < a.neighbours().capacity(); i++) { // b's table: full of PERMANENT entries (never evicted)
            b.graph().resolver().addPermanent(PORT, Ipv4Address.parse("203.0.113." + (i + 1)), MAC2);
        }
        run(agentA, agentB);
        WorkerProxy proxy = proxy();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> proxy.setPermanentNeighbour(PORT, X, MAC2));
        assertTrue(e.getMessage().contains("neighbour table full"), e.getMessage());
        NeighbourEntry x = find(entriesOf(proxy, 0), X);
        assertEquals(NeighbourState.REACHABLE, x.state(), "worker a's entry is as it was");
        assertEquals(MAC1, x.mac());
        assertThrows(IllegalStateException.class, () -> proxy.setPermanentNeighbour(PORT, Y, MAC2));
        assertNull(find(entriesOf(proxy, 0), Y), "worker a's new entry was taken back");
    }

    @Test
    void aStuckWorkerGivesAnErrorNotAHang() {
        run(agentA); // b's thread never runs
        WorkerProxy proxy = new WorkerProxy(List.of(agentA, agentB), () -> { }, TimeUnit.MILLISECONDS.toNanos(300));
        long start = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> proxy.interfaceMacChanged(PORT, PORT_MAC));
        assertEquals("dataplane did not answer within 0.3 s (worker 1)", e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3), "one deadline for all workers");
    }

    @Test
    void aFullQueueSendsNothingToAnyWorker() {
        run(agentA);
        int queued = 0;
        while (agentB.submit(new ForwardingAgent.Request<>(new WorkerCommand.ForgetLearnedNeighbours(PORT), new CompletableFuture<>()))) {
            queued++;
        }
        assertTrue(queued >= ForwardingAgent.COMMAND_QUEUE, "queued " + queued);
        WorkerProxy proxy = new WorkerProxy(List.of(agentA, agentB), () -> { }, TimeUnit.MILLISECONDS.toNanos(300));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> proxy.setPermanentNeighbour(PORT, X, MAC1));
        assertEquals("dataplane command queue full (worker 1)", e.getMessage());
        WorkerProxy onlyA = new WorkerProxy(List.of(agentA), () -> { });
        assertNull(find(onlyA.neighbours(), X), "worker a got nothing");
    }
}
