package net.taprouter.dataplane.pipeline;

import java.util.Arrays;
import net.taprouter.dataplane.neigh.NeighbourState;
import net.taprouter.dataplane.neigh.NeighbourTable;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Adjacency: puts the neighbour's prebuilt Ethernet header in front of the packet.
 * Input: a routed packet with egressInterface and neighbourAddress. Next: {@link MtuStage}. An
 * unresolved neighbour hands the packet to the {@link ArpResolver} (queued, ARP request sent);
 * a stale one is used and probed.
 */
public final class AdjacencyStage extends Stage {
    private final ForwardingContext context;
    private final ArpResolver resolver;
    private Stage mtu;
    /**
     * The neighbour entry a next hop led to last ({@code -1}: none yet), checked with
     * {@link NeighbourTable#holds} before use: most packets skip the neighbour hash lookup (the
     * adjacency of the next hop, VPP's and the kernel's way); a next hop to a connected subnet,
     * whose neighbour is each packet's destination, looks up whenever the destination changes.
     */
    private final int[] entryByNextHop;

    public AdjacencyStage(ForwardingContext context, ArpResolver resolver) {
        this.context = context;
        this.resolver = resolver;
        this.entryByNextHop = new int[context.nextHops.capacity()];
        Arrays.fill(entryByNextHop, -1);
    }

    void next(Stage mtuStage) {
        this.mtu = mtuStage;
    }

    @Override
    public Stage process(Packet packet) {
        NeighbourTable neighbours = context.neighbours;
        int entry = neighbour(neighbours, packet);
        if (entry >= 0) {
            int state = neighbours.state(entry);
            if (state == NeighbourState.REACHABLE || state == NeighbourState.PERMANENT
                || state == NeighbourState.PROBE || state == NeighbourState.STALE) {
                if (state == NeighbourState.STALE) {
                    resolver.startProbe(entry);
                }
                neighbours.touch(entry);
                writeHeader(context.buffer, packet.frameOffset, neighbours, entry);
                context.flowRoutes.remember(packet, entry, state); // the decision, for the fast paths
                return mtu;
            }
        }
        return resolver.await(packet, entry);
    }

    /** The packet's neighbour entry ({@link NeighbourTable#find}), through {@link #entryByNextHop} when it has a next hop. */
    private int neighbour(NeighbourTable neighbours, Packet packet) {
        int hop = packet.nextHop;
        int[] remembered = entryByNextHop;
        if (hop < 0 || hop >= remembered.length) {
            return neighbours.find(packet.egressInterface, packet.neighbourAddress);
        }
        int entry = remembered[hop];
        if (entry >= 0 && neighbours.holds(entry, packet.egressInterface, packet.neighbourAddress)) {
            return entry;
        }
        entry = neighbours.find(packet.egressInterface, packet.neighbourAddress);
        remembered[hop] = entry;
        return entry;
    }

    /** Copies the 14-byte prebuilt header of {@code entry} to the start of the frame. */
    static void writeHeader(UnsafeBuffer frames, int frameOffset, NeighbourTable neighbours, int entry) {
        UnsafeBuffer headers = neighbours.headers();
        int from = entry * NeighbourTable.HEADER_STRIDE;
        frames.putLong(frameOffset, headers.getLong(from));
        frames.putInt(frameOffset + 8, headers.getInt(from + 8));
        frames.putShort(frameOffset + 12, headers.getShort(from + 12));
    }
}
