package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.taprouter.dataplane.agent.Worker;
import net.taprouter.dataplane.agent.WorkerSizes;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.conntrack.ConntrackConfig;
import net.taprouter.dataplane.conntrack.ConntrackHooks;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceAddress;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.neigh.NeighbourLimits;
import net.taprouter.dataplane.neigh.NeighbourState;
import net.taprouter.dataplane.port.FrameIo;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.GracePeriod;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.CounterFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two forwarding workers over the same published tables, as routerd {@code --workers 2} builds
 * them (each its own pool, graph, neighbour table and FDB replicas; learn events between them:
 * {@link PeerEvents}), driven by hand on this thread. Each port has two queues (in-memory
 * devices): worker w transmits on queue w only. Host A 192.0.2.1 on port 0 "tap0", host B
 * 198.51.100.1 on port 1 "tap1", as in {@link GraphFixture}; a bridge br0 over b1, b2, b3.
 */
class TwoWorkersTest {
    static final int SLOTS = 64;
    static final long A_MAC = GraphFixture.HOST_A_MAC;
    static final long B_MAC = GraphFixture.HOST_B_MAC;
    static final int A = GraphFixture.HOST_A;
    static final int B = GraphFixture.HOST_B;

    final CounterFile counterFile = CounterFile.create(null, 4096);
    final PortTable ports = new PortTable();
    final InterfaceTable interfaces = new InterfaceTable();
    final RouteTable routes = new RouteTable(64, GracePeriod.NONE);
    final NextHops nextHops = new NextHops(1024, GracePeriod.NONE);
    final DataplaneSettings settings = new DataplaneSettings();
    final ConntrackConfig conntrack = new ConntrackConfig();
    final Worker[] workers = new Worker[2];
    final FramePool[] pools = new FramePool[2];
    /** queues[port][queue]: tap0, tap1 (ports 0, 1), then b1, b2, b3 (ports 2, 3, 4). */
    final MemoryFrameIo[][] queues = new MemoryFrameIo[5][2];
    private final Packet packet = new Packet();

    @BeforeEach
    void build() {
        PeerEvents[] peers = PeerEvents.mesh(2);
        for (int w = 0; w < 2; w++) {
            pools[w] = new FramePool(SLOTS, GraphFixture.SLOT_SIZE, 4);
            // the hooks routerd gives its workers (dormant until tracking starts): conntrack on worker 0, a drop on the others
            workers[w] = Worker.build(new PublishedTables(ports, interfaces, routes, nextHops, settings, conntrack), pools[w],
                new SlotReturnRing(pools[w]), counterFile, new WorkerSizes(NeighbourLimits.of(16, 4, SLOTS)),
                w == 0 ? ConntrackHooks.all() : ConntrackHooks.otherWorker());
            workers[w].context().releaseToPool(true);
            workers[w].context().peers(peers[w]);
            workers[w].context().nowNanos = GraphFixture.START;
        }
        addPort(0, "tap0", GraphFixture.PORT0_MAC, new InterfaceAddress(GraphFixture.ROUTER0, 24));
        addPort(1, "tap1", GraphFixture.PORT1_MAC, new InterfaceAddress(GraphFixture.ROUTER1, 24));
    }

    private Port port(int index, String name) {
        MemoryFrameIo[] q = queues[index];
        for (int i = 0; i < 2; i++) {
            q[i] = new MemoryFrameIo(name + "q" + i);
        }
        return new Port(index, name, new FrameIo[] {q[0], q[1]}, 2, new PortCounters(counterFile, name));
    }

    private void addPort(int index, String name, long mac, InterfaceAddress address) {
        Port port = port(index, name);
        Interface iface = Interface.forPort(index, port, mac, 1500);
        iface.addresses(new InterfaceAddress[] {address});
        interfaces.put(iface);
        ports.put(port);
        routes.add(address.network(), address.prefixLength(), nextHops.acquire(NextHops.TYPE_CONNECTED, index, 0));
        routes.add(address.address(), 32, nextHops.acquire(NextHops.TYPE_LOCAL, index, 0));
        routes.add(address.broadcast(), 32, nextHops.acquire(NextHops.TYPE_BROADCAST, index, 0));
    }

    /** Bridge br0 (interface 2) over b1, b2, b3 (ports 2..4, own interfaces 3..5), its FDB on both workers. */
    private Interface addBridge() {
        Interface bridge = Interface.bridge(2, "br0", GraphFixture.BRIDGE_MAC, 1500);
        for (Worker worker : workers) {
            worker.context().fdbs.create(2, 1024, 1024, 300_000);
        }
        interfaces.put(bridge);
        Port[] members = new Port[3];
        for (int i = 0; i < 3; i++) {
            Port port = port(2 + i, "b" + (i + 1));
            interfaces.put(Interface.forPort(3 + i, port, 0x0200_0000_0b00L + i, 1500));
            port.counters().enableBridge();
            port.upper(bridge);
            ports.put(port);
            members[i] = port;
        }
        bridge.members(members);
        return bridge;
    }

    @AfterEach
    void noLeak() {
        for (int w = 0; w < 2; w++) {
            workers[w].graph().resolver().flush();
            workers[w].context().flushTransmit();
            assertEquals(pools[w].slotCount(), pools[w].freeCount(), "worker " + w + "'s slots all back in its own pool");
        }
    }

    /** Worker {@code w} reads {@code frame} from port {@code port} (the kernel chose queue w) and ends its round. */
    private void receive(int w, int port, byte[] frame) {
        FramePool pool = pools[w];
        int slot = pool.allocate();
        assertTrue(slot >= 0);
        pool.buffer().putBytes(pool.frameOffset(slot), frame);
        packet.reset(slot, pool.frameOffset(slot), frame.length, port);
        workers[w].graph().receive(packet);
        workers[w].context().flushTransmit();
    }

    /** Worker {@code w} starts a round: applies what the other worker learned. */
    private int applyPeers(int w) {
        int n = workers[w].graph().applyPeerEvents();
        workers[w].context().flushTransmit();
        return n;
    }

    private static List<String> taken(MemoryFrameIo io) {
        return GraphFixture.hexes(io.take());
    }

    private long counter(String name) {
        return counterFile.totals().get(name);
    }

    @Test
    void aNeighbourLearnedByOneWorkerReleasesThePacketsTheOtherParked() {
        for (Worker worker : workers) { // neigh add: every worker
            worker.graph().resolver().addPermanent(0, A, A_MAC);
        }

        receive(1, 0, Wire.unhex(Golden.UDP_A_TO_B));
        assertEquals(List.of(Golden.ARP_REQUEST_FOR_B), taken(queues[1][1]), "worker 1 asks on its own queue");
        assertEquals(0, queues[1][0].pending());
        int parked = workers[1].neighbours().find(1, B);
        assertEquals(NeighbourState.INCOMPLETE, workers[1].neighbours().state(parked));

        // the host's reply comes in on queue 0: worker 0 reads it
        receive(0, 1, Wire.unhex(Golden.ARP_REPLY_FROM_B));
        int learned = workers[0].neighbours().find(1, B);
        assertEquals(NeighbourState.REACHABLE, workers[0].neighbours().state(learned));
        assertEquals(0, queues[1][1].pending(), "worker 1 does not know yet");
        assertEquals(0, queues[1][0].pending());

        assertEquals(1, applyPeers(1));
        assertEquals(List.of(Golden.UDP_A_TO_B_OUT), taken(queues[1][1]), "the parked packet leaves on worker 1's queue");
        assertEquals(NeighbourState.REACHABLE, workers[1].neighbours().state(parked));
        assertEquals(B_MAC, workers[1].neighbours().mac(parked));
        assertEquals(0, applyPeers(0), "what worker 1 applied is not sent back");
        assertEquals(1, counter("event.peer_events_sent"));
        assertEquals(1, counter("event.peer_events_applied"));
        assertEquals(0, counter("event.peer_events_lost"));

        // both workers now forward to B at once, each on its own queue
        receive(0, 0, Wire.unhex(Golden.UDP_A_TO_B));
        receive(1, 0, Wire.unhex(Golden.UDP_A_TO_B));
        assertEquals(List.of(Golden.UDP_A_TO_B_OUT), taken(queues[1][0]));
        assertEquals(List.of(Golden.UDP_A_TO_B_OUT), taken(queues[1][1]));
        assertEquals(4, counter("port.tap1.tx_packets"), "the ARP request, the parked packet, two more");
    }

    @Test
    void anArpRequestNotForTheRouterCreatesNoEntryOnEitherWorker() {
        byte[] request = Wire.ether(GraphFixture.BROADCAST_MAC, A_MAC, Wire.ETHERTYPE_ARP,
            Wire.arp(1, A_MAC, A, 0, Wire.ip("192.0.2.7")));
        receive(0, 0, request);
        applyPeers(1);
        assertEquals(-1, workers[0].neighbours().find(0, A));
        assertEquals(-1, workers[1].neighbours().find(0, A));
        assertEquals(1, counter("event.peer_events_applied"));
    }

    @Test
    void aSourceMacLearnedByOneWorkerIsKnownToTheOther() {
        addBridge();
        long x = Wire.mac("02:00:00:00:00:0a");
        long y = Wire.mac("02:00:00:00:00:0b");
        byte[] ip = Wire.ipv4("198.18.0.1", "198.18.0.2").udp(1000, 2000, Wire.pattern(20, 1)).build();
        // worker 0 reads a frame from X on b1 (to Y, unknown: flooded on worker 0's queues)
        receive(0, 2, Wire.ether(y, x, Wire.ETHERTYPE_IPV4, ip));
        assertEquals(1, taken(queues[3][0]).size());
        assertEquals(1, taken(queues[4][0]).size());
        applyPeers(1);

        // worker 1 reads a frame from Y on b2 to X: known from worker 0's event, sent to b1 only
        receive(1, 3, Wire.ether(x, y, Wire.ETHERTYPE_IPV4, ip));
        assertEquals(1, taken(queues[2][1]).size(), "to X's port, on worker 1's queue");
        assertEquals(0, queues[4][1].pending(), "not flooded");
        assertEquals(0, queues[2][0].pending() + queues[3][0].pending() + queues[4][0].pending());
        applyPeers(0);

        // and worker 0 learned Y on b2 from worker 1's event
        receive(0, 2, Wire.ether(y, x, Wire.ETHERTYPE_IPV4, ip));
        assertEquals(1, taken(queues[3][0]).size());
        assertEquals(0, queues[4][0].pending(), "not flooded any more");
        assertEquals(2, counter("event.fdb_learned"), "each MAC counted once, by the worker that read it");
        assertEquals(2, counter("event.peer_events_applied"));
    }

    @Test
    void aPortThatLeftTheBridgeIsNotLearnedFromAStaleEvent() {
        Interface bridge = addBridge();
        long x = Wire.mac("02:00:00:00:00:0a");
        byte[] ip = Wire.ipv4("198.18.0.1", "198.18.0.2").udp(1000, 2000, Wire.pattern(20, 1)).build();
        receive(0, 2, Wire.ether(GraphFixture.BROADCAST_MAC, x, Wire.ETHERTYPE_IPV4, ip));
        for (MemoryFrameIo[] q : queues) {
            if (q[0] != null) {
                q[0].take();
            }
        }
        ports.get(2).upper(interfaces.get(3)); // b1 leaves br0 before worker 1 applies the event
        bridge.members(new Port[] {ports.get(3), ports.get(4)});
        applyPeers(1);
        assertEquals(0, workers[1].context().fdbs.snapshot(2, 0).size());
    }

    @Test
    void aFullRingLosesEventsNotPacketsAndCountsThem() {
        PeerEvents peers = workers[0].context().peers;
        int sent = 5000;
        for (int i = 0; i < sent; i++) {
            peers.neighbour(0, A, A_MAC, false);
        }
        long lost = counter("event.peer_events_lost");
        assertTrue(lost > 0, "a 64 KiB ring holds fewer than 5000 events");
        assertEquals(sent, counter("event.peer_events_sent") + lost);
        int applied = 0;
        int n;
        while ((n = applyPeers(1)) > 0) {
            assertTrue(n <= ForwardingGraph.PEER_EVENT_BATCH);
            applied += n;
        }
        assertEquals(sent - lost, applied);
        assertEquals(-1, workers[1].neighbours().find(0, A), "not for the router: no entry made");
    }

    @Test
    void eachWorkerWritesOnlyItsOwnQueue() {
        for (Worker worker : workers) {
            worker.graph().resolver().addPermanent(0, A, A_MAC);
            worker.graph().resolver().addPermanent(1, B, B_MAC);
        }
        for (int i = 0; i < 10; i++) {
            receive(i & 1, 0, Wire.unhex(Golden.UDP_A_TO_B));
        }
        assertEquals(5, queues[1][0].take().size());
        assertEquals(5, queues[1][1].take().size());
        assertEquals(10, counter("event.forwarded"));
    }

    @Test
    void withTrackingOnOnlyWorkerZeroForwardsAndTheOthersDropWhatTheyStillRead() {
        for (Worker worker : workers) {
            worker.graph().resolver().addPermanent(0, A, A_MAC);
            worker.graph().resolver().addPermanent(1, B, B_MAC);
        }
        receive(1, 0, Wire.unhex(Golden.UDP_A_TO_B));
        assertEquals(1, queues[1][1].take().size(), "before: worker 1 forwards");
        for (Worker worker : workers) { // conntrackStart on every worker (routerd has steered all traffic to queue 0)
            worker.startConntrack();
        }
        receive(1, 0, Wire.unhex(Golden.UDP_A_TO_B));
        assertEquals(0, queues[1][1].pending(), "a straggler on worker 1 is dropped, not forwarded untracked");
        assertEquals(1, counter("drop.conntrack_other_worker"));
        receive(0, 0, Wire.unhex(Golden.UDP_A_TO_B));
        assertEquals(List.of(Golden.UDP_A_TO_B_OUT), taken(queues[1][0]), "worker 0 forwards (no NAT rule: unchanged)");
        assertEquals(1, workers[0].context().conntrack.size(), "and tracks the flow");
        assertEquals(0, workers[1].context().conntrack.size());
        assertEquals(0, counter("drop.conntrack_other_worker") - 1);
    }

    /**
     * Each worker's route fast path (its own remembered decisions) with the other worker's news: a
     * neighbour's new MAC learned by worker 0 reaches worker 1's fast path once worker 1 applied the
     * event, and a route removed by the control thread stops both workers' next packets.
     */
    @Test
    void eachWorkersRouteFastPathFollowsWhatTheOtherLearnedAndTheTables() {
        for (Worker worker : workers) {
            worker.graph().resolver().addPermanent(0, A, A_MAC);
        }
        receive(1, 0, Wire.unhex(Golden.UDP_A_TO_B));
        taken(queues[1][1]); // worker 1's ARP request
        receive(0, 1, Wire.unhex(Golden.ARP_REPLY_FROM_B));
        assertEquals(1, applyPeers(1));
        taken(queues[1][1]); // the parked packet
        for (int i = 0; i < 6; i++) {
            receive(i & 1, 0, Wire.unhex(Golden.UDP_A_TO_B));
        }
        assertEquals(List.of(Golden.UDP_A_TO_B_OUT, Golden.UDP_A_TO_B_OUT, Golden.UDP_A_TO_B_OUT), taken(queues[1][0]));
        assertEquals(List.of(Golden.UDP_A_TO_B_OUT, Golden.UDP_A_TO_B_OUT, Golden.UDP_A_TO_B_OUT), taken(queues[1][1]));
        assertEquals(4, counter("event.route_fast_path"), "each worker's first went the whole way");

        long moved = Wire.mac("00:00:5e:00:53:0b");
        String toMoved = "00005e00530b" + Golden.UDP_A_TO_B_OUT.substring(12);
        receive(0, 1, Wire.ether(GraphFixture.PORT1_MAC, moved, Wire.ETHERTYPE_ARP,
            Wire.arp(2, moved, B, GraphFixture.PORT1_MAC, GraphFixture.ROUTER1)));
        receive(0, 0, Wire.unhex(Golden.UDP_A_TO_B));
        assertEquals(List.of(toMoved), taken(queues[1][0]), "worker 0 learned the new MAC");
        receive(1, 0, Wire.unhex(Golden.UDP_A_TO_B));
        assertEquals(List.of(Golden.UDP_A_TO_B_OUT), taken(queues[1][1]), "worker 1 has not applied the event yet");
        assertEquals(1, applyPeers(1));
        receive(1, 0, Wire.unhex(Golden.UDP_A_TO_B));
        receive(1, 0, Wire.unhex(Golden.UDP_A_TO_B));
        assertEquals(List.of(toMoved, toMoved), taken(queues[1][1]), "worker 1 too, from the event on");

        long before = counter("event.route_fast_path");
        routes.remove(Wire.ip("198.51.100.0"), 24); // route del, as the control thread publishes it
        for (int w = 0; w < 2; w++) {
            receive(w, 0, Wire.unhex(Golden.UDP_A_TO_B));
            assertEquals(0, queues[1][w].pending(), "worker " + w + " no longer forwards");
            assertEquals(1, taken(queues[0][w]).size(), "worker " + w + " answers net unreachable");
        }
        assertEquals(before, counter("event.route_fast_path"));
        assertEquals(2, counter("drop.no_route"));
    }

    @Test
    void ringsShrinkWithManyWorkers() {
        assertEquals(64 * 1024, PeerEvents.ringBytes(2));
        assertEquals(64 * 1024, PeerEvents.ringBytes(8));
        assertEquals(16 * 1024, PeerEvents.ringBytes(16));
        assertEquals(4096, PeerEvents.ringBytes(64), "64 * 63 rings of 4 KiB: 16 MiB in all");
    }
}
