package net.taprouter.dataplane.pipeline;

/**
 * Terminal stage. Input: a complete frame at (frameOffset, frameLength) with its Ethernet header
 * written, egressPort set. Output: the frame written to the egress TAP; the slot freed.
 * Counters: port tx_packets/tx_bytes; drops port_down, tx_queue_full, tx_error.
 */
public final class TransmitStage implements Stage {
    private final ForwardingContext context;

    public TransmitStage(ForwardingContext context) {
        this.context = context;
    }

    @Override
    public Stage process(Packet packet) {
        context.transmit(packet.egressPort, context.buffer, packet.frameOffset, packet.frameLength);
        context.release(packet.slot);
        return null;
    }
}
