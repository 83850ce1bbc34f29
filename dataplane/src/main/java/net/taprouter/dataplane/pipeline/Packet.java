package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.Ipv4View;

/**
 * The per-packet state a forwarding agent carries through its stages: where the frame is (slot,
 * offset, length in the frame pool buffer), where it came from, and what the stages decided.
 * One instance per agent (plus one for packets resumed from an ARP queue), reused for every packet.
 */
public final class Packet {
    /** Frame pool slot holding the frame. */
    public int slot;
    /** Index in the pool buffer of the first byte of the Ethernet header. */
    public int frameOffset;
    /** Frame length in bytes (Ethernet header included). */
    public int frameLength;
    /** Port the frame arrived on; -1 for packets the router originated itself. */
    public int ingressPort;
    /** The Ethernet destination was broadcast or multicast. */
    public boolean linkBroadcast;
    /** The router created this packet (echo reply, ICMP error): no TTL decrement, forwarding switch ignored. */
    public boolean localOrigin;
    /** Next-hop index from the route lookup. */
    public int nextHop;
    /** Egress port chosen by the route lookup. */
    public int egressPort;
    /** Address to resolve with ARP on the egress port (gateway, or the destination if on-link). */
    public int neighbourAddress;
    /** Next-hop MTU for ICMP Fragmentation Needed. */
    public int mtu;

    public final EthernetView ethernet = new EthernetView();
    public final Ipv4View ip = new Ipv4View();

    /** Resets the per-packet decisions for a newly received frame. */
    public void reset(int slot, int frameOffset, int frameLength, int ingressPort) {
        this.slot = slot;
        this.frameOffset = frameOffset;
        this.frameLength = frameLength;
        this.ingressPort = ingressPort;
        this.linkBroadcast = false;
        this.localOrigin = false;
        this.nextHop = -1;
        this.egressPort = -1;
        this.neighbourAddress = 0;
        this.mtu = 0;
    }

    /**
     * Takes the route's next hop if it leads out of a port (CONNECTED: ARP for the destination
     * itself; GATEWAY: for the gateway): sets nextHop, egressPort, neighbourAddress. False for
     * LOCAL and BROADCAST next hops, which do not leave the router.
     */
    public boolean routeVia(NextHops nextHops, int nextHop, int destination) {
        switch (nextHops.type(nextHop)) {
            case NextHops.TYPE_CONNECTED:
                neighbourAddress = destination;
                break;
            case NextHops.TYPE_GATEWAY:
                neighbourAddress = nextHops.address(nextHop);
                break;
            default:
                return false;
        }
        this.nextHop = nextHop;
        this.egressPort = nextHops.port(nextHop);
        return true;
    }

    /** Index of the IPv4 header (right after the 14-byte Ethernet header). */
    public int ipOffset() {
        return frameOffset + EthernetView.HEADER_LENGTH;
    }
}
