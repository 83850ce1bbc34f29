package net.taprouter.dataplane.pipeline;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.neigh.NeighbourState;
import net.taprouter.dataplane.neigh.NeighbourTable;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;
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
 * <p>Neighbours are per L3 interface (a TAP link's own interface, or a bridge: the requests of a
 * bridge are flooded to its ports, a reply learns the FDB like any frame).
 *
 * <p>Against floods to addresses nobody answers: a new neighbour needs a token of its egress
 * interface's ARP request bucket ({@link #REQUESTS_PER_SECOND}, burst {@link #REQUEST_BURST}) and room
 * under the interface's INCOMPLETE limit; waiting frames are bounded per neighbour, per ingress port and
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
    /** New neighbours (broadcast ARP requests) per second and egress interface. */
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
    private final Stage flushed;
    private final TokenBuckets requestTokens = new TokenBuckets(InterfaceTable.MAX_INTERFACES);
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
        this.flushed = graph.drop(DropReason.NEIGHBOUR_FLUSHED);
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
        int room = neighbours.queueRoom(entry, packet.slot, packet.ingressPort, packet.localOrigin);
        if (room != NeighbourTable.QUEUED) {
            return queueRefused[room];
        }
        boolean fresh = entry < 0;
        if (fresh) {
            int egress = packet.egressInterface;
            Interface iface = context.interfaces.get(egress);
            if (iface == null) {
                return portDown;
            }
            if (!neighbours.mayResolve(egress)) {
                return incompleteLimit;
            }
            if (!requestTokens.tryAcquire(egress, context.nowNanos, REQUESTS_PER_SECOND, REQUEST_BURST)) {
                return rateLimited;
            }
            entry = neighbours.create(egress, packet.neighbourAddress, NeighbourState.INCOMPLETE, iface.mac(), context.nowNanos);
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
    void resolved(int entry, long mac, long ifaceMac) {
        boolean changed = neighbours.state(entry) != NeighbourState.REACHABLE || neighbours.mac(entry) != mac;
        neighbours.confirm(entry, mac, ifaceMac, context.nowNanos);
        if (changed) {
            neighbours.changed(entry);
        }
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
        neighbours.changed(entry);
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
                        neighbours.changed(e);
                        work++;
                    }
                    break;
                case NeighbourState.STALE:
                    if (now - neighbours.confirmedNanos(e) >= STALE_GC_NANOS) {
                        neighbours.deleting(e);
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
        neighbours.changed(entry);
        while (neighbours.queued(entry) > 0) {
            resume(entry);
            graph.runGuarded(hostUnreachable, resumed);
        }
        neighbours.deleting(entry);
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
            graph.runGuarded(flushed, resumed); // a drop stage: counted, released (and traced if it is)
        }
    }

    /** Control command: forget every neighbour on an interface (it is being removed). */
    public void discardInterface(int iface) {
        for (int e = 0, n = neighbours.scanLimit(); e < n; e++) {
            if (neighbours.state(e) != NeighbourState.FREE && neighbours.iface(e) == iface) {
                discard(e);
            }
        }
    }

    /** Control command: forget the neighbours learned on an interface (its port's device was replaced); PERMANENT ones stay. */
    public void forgetLearned(int iface) {
        for (int e = 0, n = neighbours.scanLimit(); e < n; e++) {
            int state = neighbours.state(e);
            if (state != NeighbourState.FREE && state != NeighbourState.PERMANENT && neighbours.iface(e) == iface) {
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
    public void addPermanent(int iface, int address, long mac) {
        setPermanent(iface, address, mac);
    }

    // ---- control transactions: every change returns what its undo needs, and no undo can fail

    /** An entry taken out by a transaction: its slot stays reserved until {@link #release} or {@link #restore}. */
    public record Held(int entry, NeighbourTable.Saved saved) {
    }

    /**
     * Control command: {@code neigh add|replace}: (interface, address) becomes PERMANENT with {@code mac};
     * packets waiting for it go out. Returns the entry as it was (null: there was none), for
     * {@link #unsetPermanent}. Fails only if the table is full (nothing changed then).
     */
    public NeighbourTable.Saved setPermanent(int iface, int address, long mac) {
        Interface i = context.interfaces.get(iface);
        if (i == null) {
            throw new IllegalArgumentException("no such interface index " + iface);
        }
        int entry = neighbours.find(iface, address);
        NeighbourTable.Saved previous = null;
        if (entry < 0) {
            entry = neighbours.create(iface, address, NeighbourState.PERMANENT, i.mac(), context.nowNanos);
            if (entry < 0) {
                throw new IllegalStateException("neighbour table full (capacity " + neighbours.capacity() + ")");
            }
        } else {
            previous = neighbours.save(entry);
        }
        neighbours.state(entry, NeighbourState.PERMANENT);
        resolved(entry, mac, i.mac());
        return previous;
    }

    /**
     * Undo of {@link #setPermanent}: the entry as it was (old MAC, state and times), or gone if it
     * was new. In place: a PERMANENT entry stays in the table until then (no ageing touches it).
     */
    public void unsetPermanent(int iface, int address, NeighbourTable.Saved previous) {
        int entry = neighbours.find(iface, address);
        if (previous == null) {
            if (entry >= 0) {
                discard(entry);
            }
            return;
        }
        if (entry < 0) {
            throw new IllegalStateException("neighbour " + address + " on interface " + iface + " vanished during its transaction");
        }
        neighbours.restore(entry, previous, ifaceMac(iface, entry));
        if (hasMac(previous.state())) {
            sendWaiting(entry);
        }
    }

    /** Control command: {@code neigh del}: takes the entry out (its waiting packets are dropped) but holds it; null if none. */
    public Held hold(int iface, int address) {
        int entry = neighbours.find(iface, address);
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
            int existing = neighbours.find(saved.iface(), saved.address());
            if (existing < 0) {
                neighbours.unhold(h.entry(), saved);
                continue;
            }
            neighbours.release(h.entry());
            neighbours.restore(existing, saved, ifaceMac(saved.iface(), existing));
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

    /** Control command: an interface's MAC changed; every entry of it keeps its neighbour, its header gets the new source. */
    public void interfaceMacChanged(int iface, long mac) {
        for (int e = 0, n = neighbours.scanLimit(); e < n; e++) {
            if (neighbours.state(e) != NeighbourState.FREE && neighbours.iface(e) == iface) {
                neighbours.ifaceMac(e, mac);
            }
        }
    }

    /** The interface's MAC for a header, or the one entry e's header has if the interface is gone. */
    private long ifaceMac(int iface, int entry) {
        Interface i = context.interfaces.get(iface);
        return i != null ? i.mac() : MacAddress.get(neighbours.headers(), entry * NeighbourTable.HEADER_STRIDE + 6);
    }

    private static boolean hasMac(int state) {
        return state != NeighbourState.INCOMPLETE && state != NeighbourState.FAILED && state != NeighbourState.FREE;
    }

    /** Control command: remove one entry; false if there is none. */
    public boolean remove(int iface, int address) {
        int entry = neighbours.find(iface, address);
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
        Interface iface = context.interfaces.get(neighbours.iface(entry));
        neighbours.probed(entry, context.nowNanos);
        if (iface == null || !iface.isUp()) {
            return;
        }
        int target = neighbours.address(entry);
        ethernet.wrap(request, REQUEST_AT, EthernetView.HEADER_LENGTH + ArpView.LENGTH);
        ethernet.destination(unicast ? neighbours.mac(entry) : MacAddress.BROADCAST);
        ethernet.source(iface.mac());
        ethernet.etherType(EthernetView.ETHERTYPE_ARP);
        arp.wrap(request, REQUEST_AT + EthernetView.HEADER_LENGTH, ArpView.LENGTH);
        arp.build(ArpView.OP_REQUEST, iface.mac(), iface.sourceAddressFor(target), 0L, target);
        context.event(Event.ARP_REQUESTS_SENT);
        DropReason failed = context.transmit(iface.index(), request, REQUEST_AT, EthernetView.HEADER_LENGTH + ArpView.LENGTH);
        if (failed == null) {
            context.counters.originSent();
        } else {
            context.counters.originDrop(failed);
        }
    }
}
