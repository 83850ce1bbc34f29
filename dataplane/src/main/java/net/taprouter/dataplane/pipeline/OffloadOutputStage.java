package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.offload.PartialChecksum;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.VirtioNetHeaderView;

/**
 * What a packet's offload state needs at its egress port. Input: a packet that fits the egress
 * MTU (a super-packet: its segments do), Ethernet header written. Next:
 * <ul>
 *   <li>no offload state, or an egress device that takes a virtio-net header: {@link TransmitStage}
 *       (which writes the header: the super-packet and the partial checksum leave whole, for the
 *       receiving kernel to finish);</li>
 *   <li>a super-packet to a port without offloads: {@link SegmentStage};</li>
 *   <li>a partial checksum to a port without offloads: completed here in software
 *       (event checksums_completed), then {@link TransmitStage}.</li>
 * </ul>
 * Drops: port_down (the port was removed since the MTU check).
 */
public final class OffloadOutputStage implements Stage {
    private final ForwardingContext context;
    private final Stage transmit;
    private final Stage segment;
    private final Stage portDown;

    public OffloadOutputStage(ForwardingContext context, ForwardingGraph graph, Stage segment) {
        this.context = context;
        this.transmit = graph.transmit();
        this.segment = segment;
        this.portDown = graph.drop(DropReason.PORT_DOWN);
    }

    /** True if frames written to {@code port} carry a virtio-net header (partial checksums and GSO may go whole). */
    static boolean takesOffloads(Port port) {
        return port.tap().headroom() >= VirtioNetHeaderView.LENGTH;
    }

    @Override
    public Stage process(Packet packet) {
        Offload offload = packet.offload;
        if (!offload.any()) {
            return transmit;
        }
        Port port = context.ports.get(packet.egressPort);
        if (port == null) {
            return portDown;
        }
        if (takesOffloads(port)) {
            return transmit;
        }
        if (offload.isGso()) {
            return segment;
        }
        PartialChecksum.complete(context.buffer, packet.frameOffset, packet.frameLength, offload.checksumStart,
            offload.checksumOffset);
        offload.clear();
        context.event(Event.CHECKSUMS_COMPLETED);
        return transmit;
    }
}
