package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.neigh.NeighbourState;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.ArpView;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.MacAddress;

/**
 * ARP (RFC 826). Input: an ARP frame on an interface. Learns the sender's address if it is on the
 * interface's link (updating an existing entry, or creating one when the request/reply is aimed at
 * us), releases packets that waited for it, and answers requests for the port's own addresses
 * by turning the request into the reply in place (it leaves through the port the request came in on).
 * Next: {@link TransmitStage} (reply: an originated packet, event arp_replies_sent). Drops:
 * arp_malformed, arp_not_for_us, arp_own_address (a sender claiming one of the interface's own
 * addresses: neither learned nor answered), port_down. Requests and replies for the port's addresses are
 * consumed: event local_delivered (replies also arp_replies_received).
 */
public final class ArpInputStage extends Stage {
    private final ForwardingContext context;
    private final ArpResolver resolver;
    private final ArpView arp = new ArpView();
    private final Stage transmit;
    private final Stage malformed;
    private final Stage notForUs;
    private final Stage ownAddress;
    private final Stage portDown;

    public ArpInputStage(ForwardingContext context, ArpResolver resolver, ForwardingGraph graph) {
        this.context = context;
        this.resolver = resolver;
        this.transmit = graph.transmit();
        this.malformed = graph.drop(DropReason.ARP_MALFORMED);
        this.notForUs = graph.drop(DropReason.ARP_NOT_FOR_US);
        this.ownAddress = graph.drop(DropReason.ARP_OWN_ADDRESS);
        this.portDown = graph.drop(DropReason.PORT_DOWN);
    }

    @Override
    public Stage process(Packet packet) {
        EthernetView ethernet = packet.ethernet;
        if (!arp.wrap(context.buffer, ethernet.payloadOffset(), ethernet.payloadLength()) || !arp.isEthernetIpv4()) {
            return malformed;
        }
        long senderMac = arp.senderMac();
        if (MacAddress.isMulticast(senderMac) || senderMac == 0) {
            return malformed;
        }
        Interface iface = context.interfaces.get(packet.ingressInterface);
        if (iface == null) {
            return portDown; // removed since EthernetInput looked (link del)
        }
        int senderIp = arp.senderIp();
        int targetIp = arp.targetIp();
        if (senderIp != 0 && iface.ownsAddress(senderIp)) {
            return ownAddress; // another host claims the router's address: a martian, as Linux treats it
        }
        boolean forUs = iface.ownsAddress(targetIp);
        if (senderIp != 0 && iface.isOnLink(senderIp)) {
            learn(iface, senderIp, senderMac, forUs);
            if (context.peers.active) {
                context.peers.neighbour(iface.index(), senderIp, senderMac, forUs); // the other workers learn it too
            }
        }
        int operation = arp.operation();
        if (operation == ArpView.OP_REQUEST && forUs) {
            arp.build(ArpView.OP_REPLY, iface.mac(), targetIp, senderMac, senderIp);
            ethernet.destination(senderMac);
            ethernet.source(iface.mac());
            packet.frameLength = EthernetView.HEADER_LENGTH + ArpView.LENGTH;
            packet.egressInterface = packet.ingressInterface;
            packet.egressPort = packet.ingressPort;
            context.event(Event.LOCAL_DELIVERED); // the request ends here; the slot is now the reply
            packet.localOrigin = true;
            context.event(Event.ARP_REPLIES_SENT);
            return transmit;
        }
        if (operation == ArpView.OP_REPLY && forUs) {
            context.event(Event.LOCAL_DELIVERED);
            context.event(Event.ARP_REPLIES_RECEIVED);
            context.release(packet.slot);
            return null;
        }
        return notForUs;
    }

    /** Learns (or confirms) a neighbour as an ARP packet tells it; also what another worker read ({@link PeerEvents}). */
    void learn(Interface iface, int senderIp, long senderMac, boolean forUs) {
        int entry = context.neighbours.find(iface.index(), senderIp);
        if (entry < 0) {
            if (!forUs) {
                return;
            }
            entry = context.neighbours.create(iface.index(), senderIp, NeighbourState.REACHABLE, iface.mac(), context.nowNanos);
            if (entry < 0) {
                context.event(Event.NEIGHBOUR_REFUSED);
                return;
            }
        }
        if (context.neighbours.state(entry) == NeighbourState.PERMANENT) {
            return;
        }
        resolver.resolved(entry, senderMac, iface.mac());
    }
}
