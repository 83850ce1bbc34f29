package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.taprouter.dataplane.agent.Worker;
import net.taprouter.dataplane.agent.WorkerSizes;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.neigh.NeighbourState;
import net.taprouter.dataplane.neigh.NeighbourLimits;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.iface.InterfaceAddress;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.GracePeriod;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.wire.Ipv4Address;

/**
 * A forwarding graph with two in-memory ports, set up the way routerd sets up a router, driven by
 * hand: frames go in with {@link #receive}, what the ports wrote comes out of {@link #tap0} and
 * {@link #tap1}, time only moves with {@link #timer}.
 *
 * <pre>
 *  host A 192.0.2.1 ── port 0 "tap0" (interface 0) 00:00:5e:00:53:12 192.0.2.254/24
 *  host B 198.51.100.1 ── port 1 "tap1" (interface 1) 00:00:5e:00:53:21 198.51.100.254/24
 *  gateway 198.51.100.2 on port 1: route 203.0.113.0/24
 * </pre>
 *
 * With {@link #addBridge}: a bridge "br0" (interface 2, 00:00:5e:00:53:b0, 198.18.0.254/24) over
 * three more ports "b1", "b2", "b3" (ports 2, 3, 4, whose own interfaces are 3, 4, 5), as routerd
 * sets up {@code link add br0 type bridge} + {@code link set bN master br0}.
 *
 * Routes as routerd installs them: each connected /24 to a CONNECTED next hop, each router
 * address /32 to LOCAL, each subnet broadcast /32 to BROADCAST, the static route to a GATEWAY.
 * Counter checks are by name and by difference ({@link #assertCounters}); every slot taken from
 * the pool must come back ({@link #assertNoLeak}, {@link #close}).
 */
final class GraphFixture implements AutoCloseable {
    static final int SLOTS = 64;
    static final int SLOT_SIZE = 2048;
    /** Large slots (64 KiB GSO super-packets) next to the small ones. */
    static final int LARGE_SLOTS = 4;
    static final int NEIGHBOURS = 16;
    static final int ARP_QUEUE = 4;
    static final long SECOND = 1_000_000_000L;
    static final long BRIDGE_MAC = Wire.mac("00:00:5e:00:53:b0");
    static final int BRIDGE_ADDRESS = Wire.ip("198.18.0.254");
    /** Clock at the start: not 0, so nothing can pass by a zero default. */
    static final long START = 1_000 * SECOND;

    static final long PORT0_MAC = Wire.mac("00:00:5e:00:53:12");
    static final long PORT1_MAC = Wire.mac("00:00:5e:00:53:21");
    static final long HOST_A_MAC = Wire.mac("00:00:5e:00:53:01");
    static final long HOST_B_MAC = Wire.mac("00:00:5e:00:53:02");
    static final long GATEWAY_MAC = Wire.mac("00:00:5e:00:53:03");
    static final long BROADCAST_MAC = 0xFFFF_FFFF_FFFFL;

    static final int ROUTER0 = Wire.ip("192.0.2.254");
    static final int ROUTER1 = Wire.ip("198.51.100.254");
    static final int HOST_A = Wire.ip("192.0.2.1");
    static final int HOST_B = Wire.ip("198.51.100.1");
    static final int GATEWAY = Wire.ip("198.51.100.2");
    static final int BROADCAST0 = Wire.ip("192.0.2.255");

    final CounterFile counterFile = CounterFile.create(null, 4096);
    final int slots;
    final FramePool pool;
    final SlotReturnRing slotReturns;
    final PortTable ports = new PortTable();
    final InterfaceTable interfaces = new InterfaceTable();
    final RouteTable routes = new RouteTable(64, GracePeriod.NONE);
    final NextHops nextHops = new NextHops(1024, GracePeriod.NONE);
    final NeighbourTable neighbours;
    final DataplaneSettings settings = new DataplaneSettings();
    final Worker worker;
    final ForwardingContext context;
    final ForwardingGraph graph;
    final MemoryFrameIo tap0 = new MemoryFrameIo("tap0");
    final MemoryFrameIo tap1 = new MemoryFrameIo("tap1");
    final Port port0;
    final Port port1;
    /** The PORT interfaces of port0 and port1 (same indices). */
    final Interface iface0;
    final Interface iface1;

    /** The bridge and its member ports' devices, after {@link #addBridge}. */
    Interface bridge;
    final MemoryFrameIo b1 = new MemoryFrameIo("b1");
    final MemoryFrameIo b2 = new MemoryFrameIo("b2");
    final MemoryFrameIo b3 = new MemoryFrameIo("b3");
    Port[] bridgePorts;

    private final Packet packet = new Packet();
    private final List<PortCounters> portCounters = new ArrayList<>();
    private Map<String, Long> mark;

    GraphFixture() {
        this(SLOTS, NeighbourLimits.of(NEIGHBOURS, ARP_QUEUE, SLOTS));
    }

    /** A fixture with its own pool size and neighbour limits. */
    GraphFixture(int slots, NeighbourLimits limits) {
        this(slots, limits, Hooks.NONE);
    }

    /** A fixture whose worker runs {@code hooks} at its hook points. */
    GraphFixture(Hooks hooks) {
        this(SLOTS, NeighbourLimits.of(NEIGHBOURS, ARP_QUEUE, SLOTS), hooks);
    }

    GraphFixture(int slots, NeighbourLimits limits, Hooks hooks) {
        this.slots = slots;
        pool = new FramePool(slots, SLOT_SIZE, LARGE_SLOTS);
        slotReturns = new SlotReturnRing(pool);
        worker = Worker.build(new PublishedTables(ports, interfaces, routes, nextHops, settings), pool, slotReturns, counterFile,
            new WorkerSizes(limits), hooks);
        neighbours = worker.neighbours();
        context = worker.context();
        graph = worker.graph();
        context.nowNanos = START;
        iface0 = addPort(0, tap0, PORT0_MAC, new InterfaceAddress(ROUTER0, 24));
        iface1 = addPort(1, tap1, PORT1_MAC, new InterfaceAddress(ROUTER1, 24));
        port0 = iface0.port();
        port1 = iface1.port();
        addRoute(Wire.ip("203.0.113.0"), 24, nextHops.acquire(NextHops.TYPE_GATEWAY, 1, GATEWAY));
        mark = snapshot();
    }

    /** A TAP-like port and its PORT interface, both at {@code index}, with one address. */
    private Interface addPort(int index, MemoryFrameIo io, long mac, InterfaceAddress address) {
        PortCounters pc = new PortCounters(counterFile, io.ifname());
        portCounters.add(pc);
        Port port = new Port(index, io.ifname(), io, pc);
        Interface iface = Interface.forPort(index, port, mac, 1500);
        iface.addresses(new InterfaceAddress[] {address});
        interfaces.put(iface);
        ports.put(port);
        // as routerd: connected subnet, the address itself, the subnet broadcast
        addRoute(address.network(), address.prefixLength(), nextHops.acquire(NextHops.TYPE_CONNECTED, index, 0));
        addRoute(address.address(), 32, nextHops.acquire(NextHops.TYPE_LOCAL, index, 0));
        addRoute(address.broadcast(), 32, nextHops.acquire(NextHops.TYPE_BROADCAST, index, 0));
        return iface;
    }

    /**
     * Adds bridge "br0" over ports b1, b2, b3 (2, 3, 4) with {@code maxEntries} and
     * {@code perPortLimit} FDB bounds and {@code ageingMillis}; its address 198.18.0.254/24 and
     * routes as {@code addr add} makes them.
     */
    void addBridge(int maxEntries, int perPortLimit, long ageingMillis) {
        bridge = Interface.bridge(2, "br0", BRIDGE_MAC, 1500);
        InterfaceAddress address = new InterfaceAddress(BRIDGE_ADDRESS, 24);
        bridge.addresses(new InterfaceAddress[] {address});
        worker.context().fdbs.create(2, maxEntries, perPortLimit, ageingMillis);
        interfaces.put(bridge);
        MemoryFrameIo[] devices = {b1, b2, b3};
        bridgePorts = new Port[3];
        for (int i = 0; i < 3; i++) {
            PortCounters pc = new PortCounters(counterFile, devices[i].ifname());
            portCounters.add(pc);
            Port port = new Port(2 + i, devices[i].ifname(), devices[i], pc);
            interfaces.put(Interface.forPort(3 + i, port, 0x0200_0000_0b00L + i, 1500));
            pc.enableBridge();
            port.upper(bridge);
            ports.put(port);
            bridgePorts[i] = port;
        }
        bridge.members(bridgePorts.clone());
        addRoute(address.network(), 24, nextHops.acquire(NextHops.TYPE_CONNECTED, 2, 0));
        addRoute(address.address(), 32, nextHops.acquire(NextHops.TYPE_LOCAL, 2, 0));
        addRoute(address.broadcast(), 32, nextHops.acquire(NextHops.TYPE_BROADCAST, 2, 0));
        mark = snapshot();
    }

    /**
     * Adds a VLAN sub-interface (as {@code link add NAME link PARENT type vlan id VID}) at interface
     * {@code index} with the parent's MAC, one /24 {@code address} and its routes as {@code addr add}
     * makes them.
     */
    Interface addVlanInterface(int index, String name, Interface parent, int vid, String address) {
        Interface sub = Interface.vlan(index, name, parent, vid, parent.mac(), 1500);
        InterfaceAddress a = new InterfaceAddress(Wire.ip(address), 24);
        sub.addresses(new InterfaceAddress[] {a});
        interfaces.put(sub);
        Interface[] before = parent.vlanUppers();
        Interface[] after = java.util.Arrays.copyOf(before, before.length + 1);
        after[before.length] = sub;
        parent.vlanUppers(after);
        addRoute(a.network(), 24, nextHops.acquire(NextHops.TYPE_CONNECTED, index, 0));
        addRoute(a.address(), 32, nextHops.acquire(NextHops.TYPE_LOCAL, index, 0));
        addRoute(a.broadcast(), 32, nextHops.acquire(NextHops.TYPE_BROADCAST, index, 0));
        mark = snapshot();
        return sub;
    }

    void addRoute(int prefix, int length, int nextHop) {
        routes.add(prefix, length, nextHop);
    }

    /** A PERMANENT neighbour (like {@code neigh add}) on interface {@code iface}. */
    void resolve(int iface, int address, long mac) {
        graph.resolver().addPermanent(iface, address, mac);
        drain();
    }

    /** Copies {@code frame} into a fresh slot and runs it through the graph from port {@code port}. */
    void receive(int port, byte[] frame) {
        int slot = pool.allocate();
        assertTrue(slot >= 0, "frame pool exhausted: a slot leaked");
        assertTrue(frame.length <= pool.frameCapacity(), "frame too long for a slot");
        pool.buffer().putBytes(pool.frameOffset(slot), frame);
        packet.reset(slot, pool.frameOffset(slot), frame.length, port);
        graph.receive(packet);
        drain();
    }

    /**
     * Runs {@code frame} through the graph from port {@code port} without writing what it queued
     * for transmission (as within one batch of the agent); {@link #drain} writes it.
     */
    void receiveQueued(int port, byte[] frame) {
        int slot = pool.allocate();
        assertTrue(slot >= 0, "frame pool exhausted: a slot leaked");
        pool.buffer().putBytes(pool.frameOffset(slot), frame);
        packet.reset(slot, pool.frameOffset(slot), frame.length, port);
        graph.receive(packet);
    }

    /**
     * As routerd's RX and forwarding agents do for a frame read from a TAP with offloads:
     * {@code frame} goes into a slot (a large one if it does not fit a small one) behind its
     * 10-byte virtio-net header {@code vnet}, the header is parsed into the slot's metadata
     * ({@link Offload#receive}) and loaded with the frame, which runs through the graph.
     */
    void receiveOffload(int port, byte[] frame, byte[] vnet) {
        int slot = frame.length < pool.frameCapacity() ? pool.allocate() : pool.allocateLarge();
        assertTrue(slot >= 0, "frame pool exhausted: a slot leaked");
        int at = pool.frameOffset(slot);
        pool.buffer().putBytes(at - vnet.length, vnet);
        pool.buffer().putBytes(at, frame);
        int base = net.taprouter.dataplane.buffer.PacketMetadata.base(slot);
        Offload.receive(pool.metadata().words(), base, pool.buffer(), at, frame.length, vnet.length,
            new net.taprouter.dataplane.wire.VirtioNetHeaderView());
        packet.reset(slot, at, frame.length, port);
        packet.offload.load(pool.metadata().words(), base);
        graph.receive(packet);
        drain();
    }

    void receive(int port, String hex) {
        receive(port, Wire.unhex(hex));
    }

    /** Sets the clock to {@code START + offsetNanos} and runs the neighbour timers. */
    int timer(long offsetNanos) {
        long now = START + offsetNanos;
        context.nowNanos = now;
        int work = graph.onTimer(now); // the ARP resolver's timer and conntrack's expiry
        int aged = context.fdbs.age(now / 1_000_000);
        context.counters.event(net.taprouter.dataplane.stats.Event.FDB_AGED, aged);
        drain();
        return work;
    }

    /** Writes what the graph queued (as the agent does after each batch) and takes back freed slots. */
    void drain() {
        context.flushTransmit();
        while (slotReturns.drain() > 0) {
            // keep draining
        }
    }

    // ---- output

    /** Every device's frames written since the last take (the bridge's ports too), as "ifname hex", and takes them. */
    List<String> writtenAll() {
        List<String> list = new ArrayList<>();
        for (MemoryFrameIo io : List.of(tap0, tap1, b1, b2, b3)) {
            for (byte[] f : io.take()) {
                list.add(io.ifname() + " " + Wire.hex(f));
            }
        }
        return list;
    }

    /** Asserts that port {@code io} wrote exactly one frame since the last take, and returns it. */
    static byte[] only(MemoryFrameIo io) {
        List<byte[]> frames = io.take();
        if (frames.size() != 1) {
            fail(io.ifname() + " wrote " + frames.size() + " frames, expected 1: " + hexes(frames));
        }
        return frames.get(0);
    }

    void assertNothingWritten() {
        assertEquals(List.of(), hexes(tap0.take()), "tap0 wrote");
        assertEquals(List.of(), hexes(tap1.take()), "tap1 wrote");
        assertEquals(List.of(), hexes(b1.take()), "b1 wrote");
        assertEquals(List.of(), hexes(b2.take()), "b2 wrote");
        assertEquals(List.of(), hexes(b3.take()), "b3 wrote");
    }

    static List<String> hexes(List<byte[]> frames) {
        List<String> list = new ArrayList<>();
        for (byte[] frame : frames) {
            list.add(Wire.hex(frame));
        }
        return list;
    }

    // ---- neighbours

    int neighbour(int port, int address) {
        return neighbours.find(port, address);
    }

    void assertNeighbour(int port, int address, int state, long mac) {
        int entry = neighbours.find(port, address);
        assertTrue(entry >= 0, "no neighbour " + Ipv4Address.format(address) + " on port " + port);
        assertEquals(NeighbourState.name(state), NeighbourState.name(neighbours.state(entry)), "state of " + Ipv4Address.format(address));
        assertEquals(mac, neighbours.mac(entry), "MAC of " + Ipv4Address.format(address));
    }

    /** Slots waiting in ARP queues. */
    int queuedSlots() {
        int queued = 0;
        for (int e = 0; e < neighbours.scanLimit(); e++) {
            if (neighbours.state(e) != NeighbourState.FREE) {
                queued += neighbours.queued(e);
            }
        }
        return queued;
    }

    /** Every slot is free except the ones waiting for ARP (exactly {@code queued} of them). */
    void assertNoLeak(int queued) {
        drain();
        assertEquals(queued, queuedSlots(), "slots waiting in ARP queues");
        assertEquals(pool.slotCount() - queued, pool.freeCount(), "free slots (leak or double free)");
    }

    void assertNoLeak() {
        assertNoLeak(0);
    }

    // ---- counters

    long counter(String name) {
        Long value = snapshot().get(name);
        if (value == null) {
            throw new IllegalArgumentException("no counter named " + name);
        }
        return value;
    }

    /** Sum of the counters whose names match (each counter summed over its shards first). */
    long sum(java.util.function.Predicate<String> names) {
        long total = 0;
        for (Map.Entry<String, Long> e : snapshot().entrySet()) {
            if (names.test(e.getKey())) {
                total += e.getValue();
            }
        }
        return total;
    }

    /** Every counter's value now, by name (summed over its shards). */
    Map<String, Long> values() {
        return snapshot();
    }

    /** Counters by name, summed over their shards (as every reader shows them). */
    private Map<String, Long> snapshot() {
        return counterFile.totals();
    }

    /**
     * Asserts how the counters changed since the previous call (or since setup): exactly the
     * named ones, by the given amounts ({@code "drop.arp_malformed", 1L, ...}); all others unchanged.
     */
    void assertCounters(Object... nameAndDelta) {
        Map<String, Long> expected = new TreeMap<>();
        for (int i = 0; i < nameAndDelta.length; i += 2) {
            String name = (String) nameAndDelta[i];
            long delta = ((Number) nameAndDelta[i + 1]).longValue();
            if (!mark.containsKey(name)) {
                throw new IllegalArgumentException("no counter named " + name);
            }
            expected.put(name, delta);
        }
        Map<String, Long> now = snapshot();
        Map<String, Long> actual = new TreeMap<>();
        for (Map.Entry<String, Long> e : now.entrySet()) {
            long delta = e.getValue() - mark.getOrDefault(e.getKey(), 0L);
            if (delta != 0) {
                actual.put(e.getKey(), delta);
            }
        }
        mark = now;
        assertEquals(expected, actual, "counter changes");
    }

    /** Forgets counter changes so far (after setup steps that are not under test). */
    void markCounters() {
        mark = snapshot();
    }

    /**
     * Flushes the ARP queues and checks that the pool holds every slot exactly once (a slot freed
     * twice would show up twice).
     */
    @Override
    public void close() {
        graph.resolver().flush();
        drain();
        Set<Integer> slots = new HashSet<>();
        int free = pool.freeCount();
        for (int slot = pool.allocate(); slot >= 0; slot = pool.allocate()) {
            slots.add(slot);
        }
        for (int slot = pool.allocateLarge(); slot >= 0; slot = pool.allocateLarge()) {
            slots.add(slot);
        }
        for (int slot : slots) {
            pool.free(slot);
        }
        assertEquals(pool.slotCount(), free, "free slots after the test (leak or double free)");
        assertEquals(pool.slotCount(), slots.size(), "distinct free slots");
        for (PortCounters pc : portCounters) {
            pc.close();
        }
        counterFile.close();
    }
}
