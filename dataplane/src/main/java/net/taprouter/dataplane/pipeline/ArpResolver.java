package net.taprouter.dataplane.pipeline;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.neigh.NeighbourState;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.ArpView;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.MacAddress;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Neighbour resolution: sends ARP requests, holds packets waiting for a reply (bounded queue per
 * neighbour, as frame slots), releases them when the reply comes, and after {@link #MAX_PROBES}
 * unanswered requests one second apart answers each with ICMP Host Unreachable. Also ages
 * entries: REACHABLE becomes STALE after {@link #REACHABLE_NANOS}; a STALE entry in use is probed
 * (unicast) and removed if the probes go unanswered; unused STALE entries are collected.
 *
 * <p>Against floods to addresses nobody answers: a new neighbour needs a token of its egress
 * port's ARP request bucket ({@link #REQUESTS_PER_SECOND}, burst {@link #REQUEST_BURST}) and room
 * under the port's INCOMPLETE limit; waiting frames are bounded per neighbour, per ingress port and
 * in all ({@link net.taprouter.dataplane.neigh.NeighbourLimits}). Retransmissions are bounded by
 * the INCOMPLETE limit. Drops: arp_queue_full, arp_queue_port_limit, arp_queue_total_limit,
 * arp_request_rate_limited, neighbour_incomplete_limit, neighbour_table_full, port_down,
 * neighbour_flushed (as drop.* or origin.drop.*, whoever's packet it is). ARP requests are
 * originated packets: event arp_requests_sent, then origin.sent or origin.drop.{port_down,tx_*}.
 *
 * <p>A waiting packet is its frame slot: {@link Packet#save saved} into the slot's metadata when
 * it is queued and {@link Packet#load loaded} back when it goes on, with exactly the fields it had.
 */
public final class ArpResolver {
    public static final int MAX_PROBES = 3;
    public static final long RETRANSMIT_NANOS = 1_000_000_000L;
    public static final long REACHABLE_NANOS = 30_000_000_000L;
    public static final long STALE_GC_NANOS = 300_000_000_000L;
    /** New neighbours (broadcast ARP requests) per second and egress port. */
    public static final int REQUESTS_PER_SECOND = 100;
    public static final int REQUEST_BURST = 100;

    private final ForwardingContext context;
    private final ForwardingGraph graph;
    private final NeighbourTable neighbours;
    /** Where the ARP request frame starts in {@link #request}: room for the device's header in front. */
    private static final int REQUEST_AT = FramePool.MAX_DEVICE_HEADROOM;
    private final UnsafeBuffer request;
    private final EthernetView ethernet = new EthernetView();
    private final ArpView arp = new ArpView();
    private final Packet resumed = new Packet();
    private final Stage[] queueRefused = new Stage[4];
    private final Stage tableFull;
    private final Stage unresolved;
    private final Stage incompleteLimit;
    private final Stage rateLimited;
    private final Stage portDown;
    private final TokenBuckets requestTokens = new TokenBuckets(PortTable.MAX_PORTS);
    private Stage mtu;
    private Stage hostUnreachable;

    public ArpResolver(ForwardingContext context, ForwardingGraph graph) {
        this.context = context;
        this.graph = graph;
        this.neighbours = context.neighbours;
        ByteBuffer memory = BufferUtil.allocateDirectAligned(REQUEST_AT + 64, 64);
        this.request = new UnsafeBuffer(memory);
        this.queueRefused[NeighbourTable.QUEUE_FULL] = graph.drop(DropReason.ARP_QUEUE_FULL);
        this.queueRefused[NeighbourTable.QUEUE_PORT_LIMIT] = graph.drop(DropReason.ARP_QUEUE_PORT_LIMIT);
        this.queueRefused[NeighbourTable.QUEUE_TOTAL_LIMIT] = graph.drop(DropReason.ARP_QUEUE_TOTAL_LIMIT);
        this.tableFull = graph.drop(DropReason.NEIGHBOUR_TABLE_FULL);
        this.unresolved = graph.drop(DropReason.NEIGHBOUR_UNRESOLVED);
        this.incompleteLimit = graph.drop(DropReason.NEIGHBOUR_INCOMPLETE_LIMIT);
        this.rateLimited = graph.drop(DropReason.ARP_REQUEST_RATE_LIMITED);
        this.portDown = graph.drop(DropReason.PORT_DOWN);
    }

    void next(Stage mtuStage, Stage hostUnreachableStage) {
        this.mtu = mtuStage;
        this.hostUnreachable = hostUnreachableStage;
    }

    /**
     * A packet for a neighbour that is not resolved ({@code entry} -1 if unknown): queue it and
     * start resolution. Returns the stage that takes over the packet (null: queued).
     */
    Stage await(Packet packet, int entry) {
        if (entry >= 0 && neighbours.state(entry) == NeighbourState.FAILED) {
            return unresolved; // being failed right now (see fail)
        }
        int room = neighbours.queueRoom(entry, packet.ingressPort, packet.localOrigin);
        if (room != NeighbourTable.QUEUED) {
            return queueRefused[room];
        }
        boolean fresh = entry < 0;
        if (fresh) {
            int egress = packet.egressPort;
            Port port = context.ports.get(egress);
            if (port == null) {
                return portDown;
            }
            if (!neighbours.mayResolve(egress)) {
                return incompleteLimit;
            }
            if (!requestTokens.tryAcquire(egress, context.nowNanos, REQUESTS_PER_SECOND, REQUEST_BURST)) {
                return rateLimited;
            }
            entry = neighbours.create(egress, packet.neighbourAddress, NeighbourState.INCOMPLETE, port.mac(), context.nowNanos);
            if (entry < 0) {
                return tableFull;
            }
        }
        packet.save(context.metadata);
        neighbours.enqueue(entry, packet.slot, packet.ingressPort, packet.localOrigin);
        context.park(packet.slot);
        context.event(Event.NEIGHBOUR_QUEUED);
        if (fresh) {
            sendRequest(entry, false);
        }
        return null;
    }

    /** ARP told us the neighbour's MAC: confirm it and send whatever waited for it. */
    void resolved(int entry, long mac, long portMac) {
        neighbours.confirm(entry, mac, portMac, context.nowNanos);
        context.event(Event.ARP_LEARNED);
        sendWaiting(entry);
    }

    /** Sends the packets waiting on an entry whose MAC is known. */
    private void sendWaiting(int entry) {
        while (neighbours.queued(entry) > 0) {
            resume(entry);
            AdjacencyStage.writeHeader(context.buffer, resumed.frameOffset, neighbours, entry);
            graph.runGuarded(mtu, resumed);
        }
    }

    /** A STALE entry is being used: confirm it with unicast probes. */
    void startProbe(int entry) {
        neighbours.state(entry, NeighbourState.PROBE);
        sendRequest(entry, true);
    }

    /** Timers: retransmissions, failures, aging. Call every few tens of milliseconds. */
    public int onTimer(long now) {
        int work = 0;
        for (int e = 0, n = neighbours.scanLimit(); e < n; e++) {
            int state = neighbours.state(e);
            switch (state) {
                case NeighbourState.INCOMPLETE:
                case NeighbourState.PROBE:
                    if (now - neighbours.probeNanos(e) >= RETRANSMIT_NANOS) {
                        work++;
                        if (neighbours.probes(e) < MAX_PROBES) {
                            sendRequest(e, state == NeighbourState.PROBE);
                        } else {
                            fail(e);
                        }
                    }
                    break;
                case NeighbourState.REACHABLE:
                    if (now - neighbours.confirmedNanos(e) >= REACHABLE_NANOS) {
                        neighbours.state(e, NeighbourState.STALE);
                        work++;
                    }
                    break;
                case NeighbourState.STALE:
                    if (now - neighbours.confirmedNanos(e) >= STALE_GC_NANOS) {
                        neighbours.remove(e);
                        work++;
                    }
                    break;
                default:
                    break;
            }
        }
        return work;
    }

    /** Resolution failed: Host Unreachable for every waiting packet; the entry goes. */
    private void fail(int entry) {
        neighbours.state(entry, NeighbourState.FAILED);
        while (neighbours.queued(entry) > 0) {
            resume(entry);
            graph.runGuarded(hostUnreachable, resumed);
        }
        neighbours.remove(entry);
    }

    /** Drops every waiting packet of {@code entry} (flush) and removes it. */
    public void discard(int entry) {
        dropWaiting(entry);
        neighbours.remove(entry);
    }

    private void dropWaiting(int entry) {
        while (neighbours.queued(entry) > 0) {
            resume(entry);
            context.drop(resumed, DropReason.NEIGHBOUR_FLUSHED);
        }
    }

    /** Control command: forget every neighbour learned on a port (port removed or its MAC changed). */
    public void discardPort(int port) {
        for (int e = 0, n = neighbours.scanLimit(); e < n; e++) {
            if (neighbours.state(e) != NeighbourState.FREE && neighbours.port(e) == port) {
                discard(e);
            }
        }
    }

    /** Control command: forget the neighbours learned on a port (its device was replaced); PERMANENT ones stay. */
    public void forgetLearned(int port) {
        for (int e = 0, n = neighbours.scanLimit(); e < n; e++) {
            int state = neighbours.state(e);
            if (state != NeighbourState.FREE && state != NeighbourState.PERMANENT && neighbours.port(e) == port) {
                discard(e);
            }
        }
    }

    /** Control command: {@code neigh flush}, every entry that is not PERMANENT. Returns how many. */
    public int flush() {
        int flushed = 0;
        for (int e = 0, n = neighbours.scanLimit(); e < n; e++) {
            int state = neighbours.state(e);
            if (state != NeighbourState.FREE && state != NeighbourState.PERMANENT) {
                discard(e);
                flushed++;
            }
        }
        return flushed;
    }

    /** Control command: {@code neigh add}: a PERMANENT entry; packets waiting for it go out. */
    public void addPermanent(int port, int address, long mac) {
        setPermanent(port, address, mac);
    }

    // ---- control transactions: every change returns what its undo needs, and no undo can fail

    /** An entry taken out by a transaction: its slot stays reserved until {@link #release} or {@link #restore}. */
    public record Held(int entry, NeighbourTable.Saved saved) {
    }

    /**
     * Control command: {@code neigh add|replace}: (port, address) becomes PERMANENT with {@code mac};
     * packets waiting for it go out. Returns the entry as it was (null: there was none), for
     * {@link #unsetPermanent}. Fails only if the table is full (nothing changed then).
     */
    public NeighbourTable.Saved setPermanent(int port, int address, long mac) {
        Port p = context.ports.get(port);
        if (p == null) {
            throw new IllegalArgumentException("no such port index " + port);
        }
        int entry = neighbours.find(port, address);
        NeighbourTable.Saved previous = null;
        if (entry < 0) {
            entry = neighbours.create(port, address, NeighbourState.PERMANENT, p.mac(), context.nowNanos);
            if (entry < 0) {
                throw new IllegalStateException("neighbour table full (capacity " + neighbours.capacity() + ")");
            }
        } else {
            previous = neighbours.save(entry);
        }
        neighbours.state(entry, NeighbourState.PERMANENT);
        resolved(entry, mac, p.mac());
        return previous;
    }

    /**
     * Undo of {@link #setPermanent}: the entry as it was (old MAC, state and times), or gone if it
     * was new. In place: a PERMANENT entry stays in the table until then (no ageing touches it).
     */
    public void unsetPermanent(int port, int address, NeighbourTable.Saved previous) {
        int entry = neighbours.find(port, address);
        if (previous == null) {
            if (entry >= 0) {
                discard(entry);
            }
            return;
        }
        if (entry < 0) {
            throw new IllegalStateException("neighbour " + address + " on port " + port + " vanished during its transaction");
        }
        neighbours.restore(entry, previous, portMac(port, entry));
        if (hasMac(previous.state())) {
            sendWaiting(entry);
        }
    }

    /** Control command: {@code neigh del}: takes the entry out (its waiting packets are dropped) but holds it; null if none. */
    public Held hold(int port, int address) {
        int entry = neighbours.find(port, address);
        return entry < 0 ? null : hold(entry);
    }

    private Held hold(int entry) {
        Held held = new Held(entry, neighbours.save(entry));
        dropWaiting(entry);
        neighbours.hold(entry);
        return held;
    }

    /** Control command: {@code neigh flush} in a transaction: holds every entry that is not PERMANENT. */
    public List<Held> holdDynamic() {
        List<Held> held = new ArrayList<>();
        for (int e = 0, n = neighbours.scanLimit(); e < n; e++) {
            int state = neighbours.state(e);
            if (state != NeighbourState.FREE && state != NeighbourState.PERMANENT) {
                held.add(hold(e));
            }
        }
        return held;
    }

    /**
     * Undo of {@link #hold}/{@link #holdDynamic}: the entries come back as they were. If the data
     * path created an entry for the same neighbour meanwhile, that one takes the old contents
     * (and keeps the packets now waiting on it) and the held slot is freed. Cannot fail.
     */
    public void restore(List<Held> held) {
        for (int i = held.size() - 1; i >= 0; i--) {
            Held h = held.get(i);
            NeighbourTable.Saved saved = h.saved();
            int existing = neighbours.find(saved.port(), saved.address());
            if (existing < 0) {
                neighbours.unhold(h.entry(), saved);
                continue;
            }
            neighbours.release(h.entry());
            neighbours.restore(existing, saved, portMac(saved.port(), existing));
            if (hasMac(saved.state())) {
                sendWaiting(existing);
            }
        }
    }

    /** The transaction that held these entries committed: their slots are free. */
    public void release(List<Held> held) {
        for (Held h : held) {
            neighbours.release(h.entry());
        }
    }

    /** Control command: a port's MAC changed; every entry of the port keeps its neighbour, its header gets the new source. */
    public void portMacChanged(int port, long mac) {
        for (int e = 0, n = neighbours.scanLimit(); e < n; e++) {
            if (neighbours.state(e) != NeighbourState.FREE && neighbours.port(e) == port) {
                neighbours.portMac(e, mac);
            }
        }
    }

    /** The port's MAC for a header, or the one entry e's header has if the port is gone. */
    private long portMac(int port, int entry) {
        Port p = context.ports.get(port);
        return p != null ? p.mac() : MacAddress.get(neighbours.headers(), entry * NeighbourTable.HEADER_STRIDE + 6);
    }

    private static boolean hasMac(int state) {
        return state != NeighbourState.INCOMPLETE && state != NeighbourState.FAILED && state != NeighbourState.FREE;
    }

    /** Control command: remove one entry; false if there is none. */
    public boolean remove(int port, int address) {
        int entry = neighbours.find(port, address);
        if (entry < 0) {
            return false;
        }
        discard(entry);
        return true;
    }

    /** The packet last taken off a queue, as it went on (tests look at its fields). */
    Packet resumed() {
        return resumed;
    }

    /** Takes the oldest packet waiting on {@code entry} off its queue into {@link #resumed}, as it was parked. */
    private void resume(int entry) {
        int slot = neighbours.queuedSlot(entry);
        resumed.load(context.metadata, slot, context.buffer);
        neighbours.dequeue(entry, resumed.ingressPort, resumed.localOrigin);
        context.unpark(slot);
    }

    /** Who-has for the entry's address: broadcast, or unicast to the known MAC when probing. */
    private void sendRequest(int entry, boolean unicast) {
        Port port = context.ports.get(neighbours.port(entry));
        neighbours.probed(entry, context.nowNanos);
        if (port == null || !port.isUp()) {
            return;
        }
        int target = neighbours.address(entry);
        ethernet.wrap(request, REQUEST_AT, EthernetView.HEADER_LENGTH + ArpView.LENGTH);
        ethernet.destination(unicast ? neighbours.mac(entry) : MacAddress.BROADCAST);
        ethernet.source(port.mac());
        ethernet.etherType(EthernetView.ETHERTYPE_ARP);
        arp.wrap(request, REQUEST_AT + EthernetView.HEADER_LENGTH, ArpView.LENGTH);
        arp.build(ArpView.OP_REQUEST, port.mac(), port.sourceAddressFor(target), 0L, target);
        context.event(Event.ARP_REQUESTS_SENT);
        DropReason failed = context.transmit(port.index(), request, REQUEST_AT, EthernetView.HEADER_LENGTH + ArpView.LENGTH);
        if (failed == null) {
            context.counters.originSent();
        } else {
            context.counters.originDrop(failed);
        }
    }
}
