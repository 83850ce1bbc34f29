package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.offload.PartialChecksum;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.VirtioNetHeaderView;

/**
 * What a packet's offload state needs at its egress. The graph's "transmit" ({@link
 * ForwardingGraph#transmit()}): every stage that sends a packet in its slot comes here. Input: a
 * packet that fits the egress MTU (a super-packet: its segments do), Ethernet header written,
 * egress interface (and maybe port) set. Next:
 * <ul>
 *   <li>no offload state, or an egress port whose device takes a virtio-net header:
 *       {@link TransmitStage} (the header is written with the frame, see
 *       {@link ForwardingContext#transmit(Packet)}: the super-packet or the partial checksum leaves
 *       whole, for the receiving kernel to finish);</li>
 *   <li>a super-packet to a port without offloads, or to a bridge (its port not chosen yet: maybe
 *       several): {@link SegmentStage};</li>
 *   <li>a partial checksum to such a port: completed here in software (event
 *       checksums_completed), then {@link TransmitStage}.</li>
 * </ul>
 * Drops: port_down (the egress interface was removed).
 */
public final class OffloadOutputStage extends Stage {
    private final ForwardingContext context;
    private final Stage transmit;
    private final Stage segment;
    private final Stage portDown;

    public OffloadOutputStage(ForwardingContext context, ForwardingGraph graph, Stage transmit, Stage segment) {
        this.context = context;
        this.transmit = transmit;
        this.segment = segment;
        this.portDown = graph.drop(DropReason.PORT_DOWN);
    }

    /** True if frames written to {@code port} carry a virtio-net header (partial checksums and GSO may go whole). */
    static boolean takesOffloads(Port port) {
        return port != null && port.tap().headroom() == VirtioNetHeaderView.LENGTH;
    }

    @Override
    public Stage process(Packet packet) {
        Offload offload = packet.offload;
        if (!offload.any()) {
            return transmit;
        }
        Port port;
        if (packet.egressPort >= 0) {
            port = context.ports.get(packet.egressPort);
        } else {
            Interface out = context.interfaces.get(packet.egressInterface);
            if (out == null) {
                return portDown;
            }
            port = out.port(); // null for a bridge: its port is chosen at transmit, maybe several
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
