package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.stats.DropReason;

/**
 * Terminal stage. Input: a complete frame at (frameOffset, frameLength) with its Ethernet header
 * written, egressPort set. Output: the frame written to the egress TAP; the slot freed.
 * Counters: event forwarded (a received frame) or origin.sent (one the router originated); port
 * tx_packets/tx_bytes; drops port_down, tx_queue_full, tx_error.
 */
public final class TransmitStage implements Stage {
    private final ForwardingContext context;

    public TransmitStage(ForwardingContext context) {
        this.context = context;
    }

    @Override
    public Stage process(Packet packet) {
        DropReason failed = context.transmit(packet.egressPort, context.buffer, packet.frameOffset, packet.frameLength);
        if (failed == null) {
            context.sent(packet);
            context.release(packet.slot);
        } else {
            context.drop(packet, failed);
        }
        return null;
    }
}
