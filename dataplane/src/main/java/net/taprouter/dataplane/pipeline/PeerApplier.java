package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.l2.Fdb;
import net.taprouter.dataplane.port.Port;

/**
 * Applies, on this worker's tables, what another worker learned ({@link PeerEvents}): a
 * neighbour as this worker's own ARP input would have learned it from the same ARP packet
 * (so its packets waiting for that neighbour go out now), an FDB entry into this worker's replica
 * of the bridge's FDB (not counted as fdb_learned: the worker that read the frame counted it; not
 * sent on). Stale events are ignored: an interface gone or the address no longer on it, a bridge
 * gone, a port that is no longer a member of the bridge.
 */
final class PeerApplier implements PeerEvents.Handler {
    private final ForwardingContext context;
    private final ArpInputStage arpInput;

    PeerApplier(ForwardingContext context, ArpInputStage arpInput) {
        this.context = context;
        this.arpInput = arpInput;
    }

    @Override
    public void neighbour(int ifaceIndex, int address, long mac, boolean forUs) {
        Interface iface = context.interfaces.get(ifaceIndex);
        if (iface == null || !iface.isOnLink(address)) {
            return;
        }
        arpInput.learn(iface, address, mac, forUs);
    }

    @Override
    public void fdb(int bridge, int vlan, long mac, int portIndex) {
        Fdb fdb = context.fdbs.get(bridge);
        Port port = context.ports.get(portIndex);
        Interface upper = port == null ? null : port.upper();
        if (fdb == null || upper == null || upper.index() != bridge) {
            return;
        }
        fdb.learn(vlan, mac, portIndex, context.nowNanos / 1_000_000);
    }
}
