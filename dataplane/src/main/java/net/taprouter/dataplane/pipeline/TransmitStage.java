package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.wire.VirtioNetHeaderView;

/**
 * Terminal stage. Input: a complete frame at (frameOffset, frameLength) with its Ethernet header
 * written, egressPort set. Output: the frame queued for the egress port's device (written with
 * the rest of the batch by {@link Transmitter#flush}, which then frees the slot). For a device
 * that takes a virtio-net header (a TAP with offloads) the header is written in front of the
 * frame from the packet's {@link Offload} state (zeros for a plain frame); a packet with offload
 * state only comes here for such a device ({@link OffloadOutputStage}).
 * Counters (at the flush): event forwarded (a received frame) or origin.sent (one the router
 * originated); port tx_packets/tx_bytes; drops port_down, tx_queue_full, tx_error (drop.* or origin.drop.*).
 */
public final class TransmitStage implements Stage {
    private final ForwardingContext context;
    private final VirtioNetHeaderView header = new VirtioNetHeaderView();

    public TransmitStage(ForwardingContext context) {
        this.context = context;
    }

    @Override
    public Stage process(Packet packet) {
        Port port = context.ports.get(packet.egressPort);
        if (port != null) {
            int headroom = port.tap().headroom();
            if (headroom >= VirtioNetHeaderView.LENGTH) {
                packet.offload.writeHeader(context.buffer, packet.frameOffset, headroom, header);
            }
        }
        context.transmit(packet);
        return null;
    }
}
