package net.taprouter.dataplane.pipeline;

import java.nio.ByteBuffer;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.offload.GsoSegmenter;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.Ipv4View;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Software GSO. Input: a GSO super-packet (checked by {@link GsoInputStage}; TTL and everything
 * else done once for the whole) whose egress port has no offloads, or whose segments exceed the
 * egress MTU without DF. Output: its segments ({@link GsoSegmenter}: per-segment IP id, lengths,
 * TCP sequence number and flags, full checksums), each built in a scratch frame and written to the
 * egress interface at once (a bridge's: to the port its FDB has, or flooded to every member); a
 * segment still larger than the interface's MTU (no DF) goes out as fragments
 * ({@link FragmentStage#fragment}). Counts event gso_segmented once and gso_segments_created per
 * segment; the super-packet once as forwarded (origin.sent if the router originated it) when
 * every segment went out. Drops: port_down, offload_bad (not segmentable: cannot happen after
 * GsoInputStage), and what a write or the fragmenter answers (tx_queue_full, tx_error,
 * fragmentation_needed): the segments after a failed one are not sent (TCP retransmits them).
 */
public final class SegmentStage extends Stage {
    /** Where a segment starts in the scratch buffer: room for the device's header in front. */
    private static final int AT = FramePool.MAX_DEVICE_HEADROOM;

    private final ForwardingContext context;
    private final FragmentStage fragment;
    private final GsoSegmenter segmenter = new GsoSegmenter();
    private final UnsafeBuffer scratch;
    private final Ipv4View segmentIp = new Ipv4View();
    private final Stage portDown;
    private final Stage bad;

    public SegmentStage(ForwardingContext context, ForwardingGraph graph, FragmentStage fragment) {
        this.context = context;
        this.fragment = fragment;
        this.scratch = new UnsafeBuffer(BufferUtil.allocateDirectAligned(AT + FramePool.LARGE_FRAME_CAPACITY, 64));
        this.portDown = graph.drop(DropReason.PORT_DOWN);
        this.bad = graph.drop(DropReason.OFFLOAD_BAD);
    }

    @Override
    public Stage process(Packet packet) {
        Interface out = context.interfaces.get(packet.egressInterface);
        if (out == null) {
            return portDown;
        }
        Offload offload = packet.offload;
        int count = segmenter.start(context.buffer, packet.frameOffset, packet.frameLength, offload.gsoType, offload.gsoSize);
        if (count == 0) {
            return bad;
        }
        int mtu = out.mtu();
        for (int i = 0; i < count; i++) {
            int length = segmenter.segment(i, scratch, AT);
            DropReason failed;
            if (length - EthernetView.HEADER_LENGTH > mtu) {
                segmentIp.wrap(scratch, AT + EthernetView.HEADER_LENGTH, length - EthernetView.HEADER_LENGTH);
                failed = fragment.fragment(scratch, AT, segmentIp, packet.egressInterface);
            } else {
                failed = context.transmit(packet.egressInterface, scratch, AT, length);
            }
            if (failed != null) {
                context.drop(packet, failed);
                return null;
            }
            context.event(Event.GSO_SEGMENTS_CREATED);
        }
        context.event(Event.GSO_SEGMENTED);
        offload.clear();
        context.sent(packet);
        context.release(packet.slot);
        return null;
    }
}
