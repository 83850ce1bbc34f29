package net.taprouter.dataplane.pipeline;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import net.taprouter.dataplane.buffer.PacketMetadata;
import net.taprouter.dataplane.trace.StageKind;
import net.taprouter.dataplane.trace.StageTable;
import net.taprouter.dataplane.trace.TraceBuffer;
import net.taprouter.dataplane.trace.TraceSnapshot;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One worker's packet trace recorder ({@code trace add|show|clear}). The graph asks it about a
 * frame only while {@link #armed} ({@link ForwardingGraph#receive}: one predictable branch per
 * frame otherwise); a frame it takes gets a trace id in {@link Packet#trace} (kept in the slot's
 * metadata while the packet waits for ARP, so its trace goes on when it resumes), and the graph
 * then runs it through {@link ForwardingGraph}'s traced loop, which records one step per stage at
 * the dispatch point: the stage, the stage it returned, and the packet as that stage left it (its
 * {@link Packet} fields and the headers of its frame). No stage records anything itself: what a
 * stage decided is what it left in the packet (next hop, egress interface and port, conntrack
 * flow, the rewritten TTL, checksum and addresses, the Ethernet destination) and the stage it
 * chose (a named drop, an ICMP error of a type), which {@code trace.TraceDecoder} reads back,
 * comparing each step with the one before.
 *
 * <p>Records go into the {@link TraceBuffer} that {@code trace add} made on the control thread
 * (arrays only: recording allocates nothing). Stage ids: every stage the graph built is registered
 * when it is built; a stage met for the first time while tracing (a hook's own stage) is
 * registered then (once). Worker thread only; the control thread gets a {@link #snapshot}.
 */
public final class PacketTracer {
    static final int RX = 0;
    static final int RESUMED = 1;
    static final int INTERNAL_ERROR = 2;

    private final ForwardingContext context;
    private final UnsafeBuffer frames;
    private final int[] metadata;
    private final IdentityHashMap<Stage, Integer> ids = new IdentityHashMap<>();
    private final List<StageKind> kinds = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private int[] params = new int[64];
    private int[] detail = new int[64];
    /** True while the trace takes new frames: the only test on the per-frame path otherwise. */
    public boolean armed;
    private TraceBuffer buffer;
    private int generation;

    PacketTracer(ForwardingContext context) {
        this.context = context;
        this.frames = context.buffer;
        this.metadata = context.metadata.words();
        add(StageKind.RX, 0, 0, "");
        add(StageKind.RESUMED, 0, 0, "");
        add(StageKind.INTERNAL_ERROR, 0, 0, "");
    }

    // ---- control (worker thread, between batches)

    /** Starts a new trace into {@code records} (what an earlier one recorded is forgotten). */
    public void arm(TraceBuffer records) {
        buffer = records;
        generation = (generation + 1) & 0x7FFF;
        armed = records.wantsMore();
    }

    /** Stops tracing and forgets the records; packets still carrying a trace id are no longer traced. */
    public void clear() {
        buffer = null;
        armed = false;
        generation = (generation + 1) & 0x7FFF;
    }

    /** A copy of the records (null: nothing armed since the last clear) and of the stage table. */
    public TraceSnapshot snapshot() {
        TraceBuffer b = buffer;
        return new TraceSnapshot(b == null ? null : b.copy(), armed,
            new StageTable(List.copyOf(kinds), params.clone(), detail.clone(), List.copyOf(names)));
    }

    /** Registers a stage the graph built (before any frame), so tracing never registers it on the path. */
    void register(Stage stage) {
        if (!ids.containsKey(stage)) {
            ids.put(stage, add(kindOf(stage), paramOf(stage), detailOf(stage), stage.getClass().getSimpleName()));
        }
    }

    private int add(StageKind kind, int param, int more, String name) {
        int id = kinds.size();
        if (id == params.length) {
            params = java.util.Arrays.copyOf(params, id * 2);
            detail = java.util.Arrays.copyOf(detail, id * 2);
        }
        kinds.add(kind);
        names.add(name);
        params[id] = param;
        detail[id] = more;
        return id;
    }

    private int id(Stage stage) {
        if (stage == null) {
            return -1;
        }
        Integer id = ids.get(stage);
        if (id == null) {
            register(stage);
            id = ids.get(stage);
        }
        return id;
    }

    private static StageKind kindOf(Stage s) {
        if (s instanceof DropStage) {
            return StageKind.DROP;
        }
        if (s instanceof IcmpErrorStage) {
            return StageKind.ICMP_ERROR;
        }
        if (s instanceof HookStage h) {
            return h.hook() == Hook.PREROUTING ? StageKind.PREROUTING : StageKind.POSTROUTING;
        }
        if (s instanceof EthernetInputStage) {
            return StageKind.ETHERNET_INPUT;
        }
        if (s instanceof BridgeInputStage) {
            return StageKind.BRIDGE;
        }
        if (s instanceof ArpInputStage) {
            return StageKind.ARP_INPUT;
        }
        if (s instanceof Ipv4InputStage) {
            return StageKind.IPV4_INPUT;
        }
        if (s instanceof GsoInputStage) {
            return StageKind.GSO_INPUT;
        }
        if (s instanceof RouteLookupStage) {
            return StageKind.ROUTE_LOOKUP;
        }
        if (s instanceof LocalDeliveryStage) {
            return StageKind.LOCAL_DELIVERY;
        }
        if (s instanceof TcpResetStage) {
            return StageKind.TCP_RESET;
        }
        if (s instanceof ForwardStage) {
            return StageKind.FORWARD;
        }
        if (s instanceof RouteOutputStage) {
            return StageKind.ROUTE_OUTPUT;
        }
        if (s instanceof AdjacencyStage) {
            return StageKind.ADJACENCY;
        }
        if (s instanceof MtuStage) {
            return StageKind.MTU;
        }
        if (s instanceof FragmentStage) {
            return StageKind.FRAGMENT;
        }
        if (s instanceof SegmentStage) {
            return StageKind.SEGMENT;
        }
        if (s instanceof OffloadOutputStage) {
            return StageKind.OFFLOAD_OUTPUT;
        }
        if (s instanceof TransmitStage) {
            return StageKind.TRANSMIT;
        }
        return StageKind.OTHER;
    }

    private static int paramOf(Stage s) {
        if (s instanceof DropStage d) {
            return d.reason().ordinal();
        }
        if (s instanceof IcmpErrorStage e) {
            return e.reason().ordinal();
        }
        return 0;
    }

    private static int detailOf(Stage s) {
        return s instanceof IcmpErrorStage e ? e.type() << 8 | e.code() : 0;
    }

    // ---- the path (worker thread; only for frames being traced)

    /**
     * A frame received while armed: if the trace takes it, gives it a trace id and records it as
     * received (true); else false (not traced).
     */
    boolean select(Packet packet) {
        TraceBuffer b = buffer;
        if (!b.accepts(packet.ingressPort, frames, packet.frameOffset, packet.frameLength)) {
            return false;
        }
        long now = System.nanoTime();
        int frame = b.startFrame(packet.ingressPort, frames, packet.frameOffset, packet.frameLength, now);
        armed = b.wantsMore();
        if (frame < 0) {
            return false;
        }
        packet.trace = generation << 16 | frame;
        record(packet, RX, -1, now);
        return true;
    }

    /** True if {@code packet} carries the id of a frame of the current trace. */
    boolean traced(Packet packet) {
        int trace = packet.trace;
        return trace >= 0 && buffer != null && trace >>> 16 == generation;
    }

    /** After {@code stage} handled a traced packet and chose {@code next} (null: it left the graph). */
    void step(Packet packet, Stage stage, Stage next) {
        record(packet, id(stage), id(next), System.nanoTime());
    }

    /** A traced packet comes back to the graph at {@code stage} (it waited for ARP). */
    void resumed(Packet packet, Stage stage) {
        record(packet, RESUMED, id(stage), System.nanoTime());
    }

    /** A stage threw on a traced packet (it is dropped as internal_error). */
    void internalError(Packet packet) {
        record(packet, INTERNAL_ERROR, -1, System.nanoTime());
    }

    private void record(Packet packet, int stage, int next, long now) {
        TraceBuffer b = buffer;
        int frame = packet.trace & 0xFFFF;
        int at = b.addStep(frame, now);
        if (at < 0) {
            return;
        }
        int[] s = b.steps();
        s[at + TraceBuffer.S_FRAME] = frame;
        s[at + TraceBuffer.S_STAGE] = stage;
        s[at + TraceBuffer.S_NEXT] = next;
        s[at + TraceBuffer.S_INGRESS_INTERFACE] = packet.ingressInterface;
        s[at + TraceBuffer.S_EGRESS_INTERFACE] = packet.egressInterface;
        s[at + TraceBuffer.S_EGRESS_PORT] = packet.egressPort;
        s[at + TraceBuffer.S_NEXT_HOP] = packet.nextHop;
        s[at + TraceBuffer.S_NEIGHBOUR] = packet.neighbourAddress;
        s[at + TraceBuffer.S_CT_FLOW] = packet.ctFlow;
        s[at + TraceBuffer.S_MTU] = packet.mtu;
        s[at + TraceBuffer.S_FRAME_LENGTH] = packet.frameLength;
        int flags = (packet.localOrigin ? TraceBuffer.F_LOCAL_ORIGIN : 0)
            | (packet.linkBroadcast ? TraceBuffer.F_LINK_BROADCAST : 0)
            | (packet.offload.isGso() ? TraceBuffer.F_GSO : 0)
            | (packet.offload.needsChecksum() ? TraceBuffer.F_PARTIAL_CHECKSUM : 0);
        int slot = packet.slot;
        if (context.slotStillOurs(slot)) { // a dropped packet's slot may hold another frame already
            flags |= TraceBuffer.F_FRAME | headers(s, at, packet.frameOffset, packet.frameLength);
            s[at + TraceBuffer.S_FLOOD_REFS] = metadata[PacketMetadata.base(slot) + Packet.FLOOD_REFS];
        } else {
            for (int i = TraceBuffer.S_MAC_HI_TYPE; i < TraceBuffer.STEP_INTS; i++) {
                s[at + i] = 0;
            }
        }
        s[at + TraceBuffer.S_FLAGS] = flags;
    }

    /** Reads the frame's Ethernet destination and type and its IPv4 fields into the step; returns F_IPV4 if it read them. */
    private int headers(int[] s, int at, int offset, int length) {
        UnsafeBuffer f = frames;
        if (length < 14) {
            for (int i = TraceBuffer.S_MAC_HI_TYPE; i < TraceBuffer.STEP_INTS; i++) {
                s[at + i] = 0;
            }
            return 0;
        }
        int type = f.getShort(offset + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        s[at + TraceBuffer.S_MAC_HI_TYPE] = (f.getShort(offset, ByteOrder.BIG_ENDIAN) & 0xFFFF) << 16 | type;
        s[at + TraceBuffer.S_MAC_LO] = f.getInt(offset + 2, ByteOrder.BIG_ENDIAN);
        int ip = offset + 14;
        if (type != 0x0800 || length < 34) {
            for (int i = TraceBuffer.S_IP_SOURCE; i < TraceBuffer.STEP_INTS; i++) {
                s[at + i] = 0;
            }
            return 0;
        }
        s[at + TraceBuffer.S_IP_SOURCE] = f.getInt(ip + 12, ByteOrder.BIG_ENDIAN);
        s[at + TraceBuffer.S_IP_DESTINATION] = f.getInt(ip + 16, ByteOrder.BIG_ENDIAN);
        s[at + TraceBuffer.S_TTL_PROTO_CSUM] = (f.getByte(ip + 8) & 0xFF) << 24 | (f.getByte(ip + 9) & 0xFF) << 16
            | (f.getShort(ip + 10, ByteOrder.BIG_ENDIAN) & 0xFFFF);
        s[at + TraceBuffer.S_IP_LENGTH] = f.getShort(ip + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        int l4 = ip + (f.getByte(ip) & 0x0F) * 4;
        s[at + TraceBuffer.S_L4] = l4 + 4 <= offset + length ? f.getInt(l4, ByteOrder.BIG_ENDIAN) : 0;
        return TraceBuffer.F_IPV4;
    }
}
