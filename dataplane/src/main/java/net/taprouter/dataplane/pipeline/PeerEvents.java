package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.buffer.Wakeup;
import net.taprouter.dataplane.event.EventRing;
import net.taprouter.dataplane.stats.Event;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;

/**
 * What one forwarding worker learned that every other worker must know, with several workers
 * (each owns its tables: single writer, no lock). Input: a neighbour confirmed by an ARP packet
 * this worker read ({@link #neighbour}: interface, address, MAC, whether the ARP packet was for
 * the router), a bridge's source MAC learned or moved ({@link #fdb}: bridge, VLAN, MAC, port; a
 * refresh is not sent). Output: one record to every other worker through a one-to-one
 * {@link EventRing} per ordered worker pair, applied by the receiving worker at the start of its
 * next round ({@link #drain}: the graph's {@code PeerApplier} learns it as if that worker had read
 * the frame; what a peer applies is never sent on). A full ring loses the event (the other
 * worker learns it itself later: it sends its own ARP request, or floods until its FDB knows
 * the MAC). Counters (the sender's shard): event peer_events_sent, peer_events_lost; the
 * receiver's: peer_events_applied.
 *
 * <p>With one worker there are no rings: {@link #active} is false and the calls cost one branch.
 */
public final class PeerEvents {
    static final int NEIGHBOUR = 1;
    static final int FDB = 2;
    /** Neighbour record: iface int, address int, mac long, forUs int. FDB record: bridge int, vlan int, mac long, port int. */
    static final int RECORD = 20;
    /** Bytes of one ring with few workers (a learn event is rare: ARP and new source MACs): 2048 events. */
    public static final int RING_BYTES = 64 * 1024;
    /** All rings together stay under this (many workers: smaller rings, at least 4 KiB each). */
    static final int MESH_BUDGET_BYTES = 4 << 20;

    /** The size of each of the {@code workers * (workers - 1)} rings. */
    static int ringBytes(int workers) {
        int share = MESH_BUDGET_BYTES / (workers * (workers - 1));
        return Math.max(4096, Math.min(RING_BYTES, Integer.highestOneBit(share)));
    }

    private final EventRing[] out;
    private final EventRing[] in;
    /** Who reads each of {@link #out} (dedicated threads: a forwarding thread that may sleep), else null. */
    private final Wakeup[] readers;
    /** True if there is another worker to tell. */
    public final boolean active;
    private ForwardingContext context;
    private Handler handler;
    private final MessageHandler onRecord = this::apply;

    /** A worker alone: nothing to send, nothing to read. */
    public static final PeerEvents NONE = new PeerEvents(new EventRing[0], new EventRing[0], new Wakeup[0]);

    private PeerEvents(EventRing[] out, EventRing[] in, Wakeup[] readers) {
        this.out = out;
        this.in = in;
        this.readers = readers;
        this.active = out.length > 0;
    }

    /** The rings of {@code workers} workers, one per ordered pair: element i is worker i's end. */
    public static PeerEvents[] mesh(int workers) {
        return mesh(workers, new Wakeup[workers]);
    }

    /**
     * As {@link #mesh(int)}; a worker that sends an event wakes the receiving worker's thread through
     * {@code wakeups[to]} (dedicated threads; null entries: no one to wake).
     */
    public static PeerEvents[] mesh(int workers, Wakeup[] wakeups) {
        if (workers == 1) {
            return new PeerEvents[] {NONE};
        }
        EventRing[][] rings = new EventRing[workers][workers]; // [from][to]
        for (int from = 0; from < workers; from++) {
            for (int to = 0; to < workers; to++) {
                if (from != to) {
                    rings[from][to] = new EventRing(ringBytes(workers));
                }
            }
        }
        PeerEvents[] mesh = new PeerEvents[workers];
        for (int w = 0; w < workers; w++) {
            EventRing[] out = new EventRing[workers - 1];
            EventRing[] in = new EventRing[workers - 1];
            Wakeup[] readers = new Wakeup[workers - 1];
            for (int other = 0, k = 0; other < workers; other++) {
                if (other != w) {
                    out[k] = rings[w][other];
                    readers[k] = wakeups[other];
                    in[k++] = rings[other][w];
                }
            }
            mesh[w] = new PeerEvents(out, in, readers);
        }
        return mesh;
    }

    /** The worker whose counters these events count in (set by the context). */
    void context(ForwardingContext context) {
        this.context = context;
    }

    /** This worker learned (or confirmed) neighbour {@code address} on {@code iface} from an ARP packet. */
    public void neighbour(int iface, int address, long mac, boolean forUs) {
        send(NEIGHBOUR, iface, address, mac, forUs ? 1 : 0);
    }

    /** This worker's replica of bridge {@code bridge}'s FDB learned (or moved) {@code mac} in {@code vlan} on {@code port}. */
    public void fdb(int bridge, int vlan, long mac, int port) {
        send(FDB, bridge, vlan, mac, port);
    }

    private void send(int type, int a, int b, long mac, int c) {
        for (int k = 0; k < out.length; k++) {
            EventRing ring = out[k];
            int at = ring.claim(type, RECORD);
            if (at < 0) {
                context.event(Event.PEER_EVENTS_LOST);
                continue;
            }
            MutableDirectBuffer buffer = ring.buffer();
            buffer.putInt(at, a);
            buffer.putInt(at + 4, b);
            buffer.putLong(at + 8, mac);
            buffer.putInt(at + 16, c);
            ring.commit(at);
            context.event(Event.PEER_EVENTS_SENT);
            if (readers[k] != null) {
                readers[k].wake(); // rare (a learn event): its worker may sleep (dedicated threads)
            }
        }
    }

    /** Are other workers' events waiting here? (What an idle worker looks at before it sleeps.) */
    public boolean pending() {
        for (EventRing ring : in) {
            if (!ring.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** What a worker does with another's learn events. */
    public interface Handler {
        void neighbour(int iface, int address, long mac, boolean forUs);

        void fdb(int bridge, int vlan, long mac, int port);
    }

    /** {@code handler} applies up to {@code limit} events from each other worker; returns how many. Worker thread. */
    public int drain(Handler handler, int limit) {
        this.handler = handler;
        int n = 0;
        for (EventRing ring : in) {
            n += ring.drain(onRecord, limit);
        }
        if (n > 0) {
            context.counters.event(Event.PEER_EVENTS_APPLIED, n);
        }
        return n;
    }

    private void apply(int type, MutableDirectBuffer buffer, int at, int length) {
        int a = buffer.getInt(at);
        int b = buffer.getInt(at + 4);
        long mac = buffer.getLong(at + 8);
        int c = buffer.getInt(at + 16);
        if (type == NEIGHBOUR) {
            handler.neighbour(a, b, mac, c != 0);
        } else if (type == FDB) {
            handler.fdb(a, b, mac, c);
        }
    }
}
