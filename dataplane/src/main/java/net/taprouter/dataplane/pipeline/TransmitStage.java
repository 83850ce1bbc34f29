package net.taprouter.dataplane.pipeline;

/**
 * Terminal stage. Input: a complete frame at (frameOffset, frameLength) with its Ethernet header
 * written, egressInterface set (egressPort, if not chosen yet, is chosen here: the interface's port).
 * Output: the frame queued for the egress port's device (written with
 * the rest of the batch by {@link Transmitter#flush}, which then frees the slot).
 * Counters (at the flush): event forwarded (a received frame) or origin.sent (one the router
 * originated); port tx_packets/tx_bytes; drops port_down, tx_queue_full, tx_error (drop.* or origin.drop.*).
 */
public final class TransmitStage extends Stage {
    private final ForwardingContext context;

    public TransmitStage(ForwardingContext context) {
        this.context = context;
    }

    @Override
    public Stage process(Packet packet) {
        context.transmit(packet);
        return null;
    }
}
