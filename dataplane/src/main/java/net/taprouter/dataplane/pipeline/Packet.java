package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.buffer.PacketMetadata;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.Ipv4View;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The per-packet state a forwarding agent carries through its stages: where the frame is (slot,
 * offset, length in the frame pool buffer), where it came from, and what the stages decided.
 * One instance per agent (plus one for packets resumed from an ARP queue), reused for every packet.
 *
 * <p>It is the register of the packet being processed; a packet that leaves the run-to-completion
 * path (parked in an ARP queue, later any other queue) is {@link #save saved} into its slot's
 * {@link PacketMetadata} words and {@link #load loaded} back when it resumes, so a queue holds only
 * slot indices. <b>A new field</b> (conntrack entry, NAT flags, GSO fields, ...) is added here
 * only: the field, its value in {@link #reset}, and its word in {@link #save}/{@link #load}
 * (PacketTest fails for a field that does not survive the round trip). Words in use:
 *
 * <pre>
 *  0 frameOffset       1 frameLength      2 ingressPort   3 ingressInterface
 *  4 egressInterface   5 egressPort       6 nextHop       7 neighbourAddress
 *  8 mtu               9 flags (bit 0 linkBroadcast, bit 1 localOrigin; NAT flags go here)
 * 10 flood references, 11 flood result (not packet fields: kept by the context while one slot is
 *    written to several ports, see {@link #FLOOD_REFS})
 * 12 vlan (the 802.1Q VLAN the frame is in on its interface's ports; 0: none)
 * 13 trace (the packet's trace id, {@link PacketTracer}), 14 free
 * 15-17 {@link Offload}: virtio-net flags, GSO type and size, checksum start/offset, header length
 * 18 ctFlow  19 ctOrigSrc  20 ctOrigDst  21 ctOrigPorts (conntrack)
 * 22-31 free
 * </pre>
 *
 * Ports are L2 ports ({@code port.PortTable} indices), interfaces L3 interfaces
 * ({@code iface.InterfaceTable}): a frame comes in on a port that belongs to an interface (its own
 * PORT interface, or a bridge); routing picks an egress interface, and the egress port is chosen at
 * transmit, after the postrouting hook (a PORT interface's one port; a bridge's from its FDB).
 */
public final class Packet {
    private static final int FRAME_OFFSET = 0;
    private static final int FRAME_LENGTH = 1;
    private static final int INGRESS_PORT = 2;
    private static final int INGRESS_INTERFACE = 3;
    private static final int EGRESS_INTERFACE = 4;
    private static final int EGRESS_PORT = 5;
    private static final int NEXT_HOP = 6;
    private static final int NEIGHBOUR_ADDRESS = 7;
    private static final int MTU = 8;
    private static final int FLAGS = 9;
    private static final int VLAN = 12;
    /** Leading words of {@link PacketMetadata} {@link #save} and {@link #load} use (then {@link Offload}'s and conntrack's, at most {@link PacketMetadata#WORDS_PER_SLOT}). */
    static final int WORDS = 10;
    /**
     * Word of a slot's metadata counting the writes still queued for it when one slot is written to
     * several ports (a bridge flood): 0 or 1 = one owner. Kept by {@link ForwardingContext}; not part
     * of {@link #save}/{@link #load}, and back at 0 whenever the slot is free.
     */
    static final int FLOOD_REFS = 10;
    /** Word of a flooded slot's metadata: 0 no copy written yet, 1 one went out, else (drop reason ordinal + 2) of the last failure. */
    static final int FLOOD_RESULT = 11;
    /** Conntrack's words (after {@link Offload}'s 15-17): the flow and the tuple as received. */
    private static final int CT_FLOW = 18;
    private static final int CT_ORIG_SRC = 19;
    private static final int CT_ORIG_DST = 20;
    private static final int CT_ORIG_PORTS = 21;
    private static final int TRACE = 13;
    private static final int FLAG_LINK_BROADCAST = 1;
    private static final int FLAG_LOCAL_ORIGIN = 2;

    /** Frame pool slot holding the frame. */
    public int slot;
    /** Index in the pool buffer of the first byte of the Ethernet header. */
    public int frameOffset;
    /** Frame length in bytes (Ethernet header included). */
    public int frameLength;
    /** L2 port the frame arrived on; -1 for packets the router originated itself. */
    public int ingressPort;
    /** L3 interface the frame arrived on (the ingress port's interface, or its bridge); -1 until known. */
    public int ingressInterface;
    /**
     * The interface of {@link #ingressInterface} as {@link EthernetInputStage} found it, for the
     * IPv4 input checks of the same run (null: look it up by index). Transient: not saved with
     * the packet ({@link #save}); {@link #load} clears it.
     */
    transient Interface ingress;
    /**
     * The interface of {@link #egressInterface} as {@link MtuStage} found it, for the transmit of
     * the same run (null, or another index: look it up). Transient as {@link #ingress}.
     */
    transient Interface egress;
    /** The Ethernet destination was broadcast or multicast. */
    public boolean linkBroadcast;
    /** The router created this packet (echo reply, ICMP error): no TTL decrement, forwarding switch ignored. */
    public boolean localOrigin;
    /**
     * The 802.1Q VLAN of the frame (0: none). Frames are untagged while in the graph: a received
     * tag is popped at the input (into this field) and pushed back at transmit where the egress
     * port wants it tagged. Set by the input (a VLAN-filtering bridge's classification, a VLAN
     * sub-interface's id); for what the router sends, transmit sets it from the egress interface
     * ({@code Interface.txVlan()}); a bridged frame keeps its own.
     */
    public int vlan;
    /** Next-hop index from the route lookup. */
    public int nextHop;
    /** Egress L3 interface chosen by the route lookup (or the ARP input: the ingress interface). */
    public int egressInterface;
    /**
     * Egress L2 port: -1 until transmit chooses it from {@link #egressInterface} (after the
     * postrouting hook); set before only where the port is known already (an ARP reply leaves
     * through the port its request came in on).
     */
    public int egressPort;
    /** Address to resolve with ARP on the egress interface (gateway, or the destination if on-link). */
    public int neighbourAddress;
    /** Next-hop MTU for ICMP Fragmentation Needed. */
    public int mtu;
    /**
     * Conntrack: the packet's flow as {@code flow << 1 | direction}, or one of
     * {@code conntrack.ConntrackTable.CT_UNTRACKED} (-1, also before conntrack saw it),
     * {@code CT_NEW}, {@code CT_INVALID}.
     */
    public int ctFlow;
    /** Conntrack, a first packet ({@code CT_NEW}): its tuple as received (before DNAT): source, destination, ports. */
    public int ctOrigSrc;
    public int ctOrigDst;
    public int ctOrigPorts;

    /**
     * The packet's trace id while it is being traced ({@link PacketTracer}), else -1. Not reset per
     * frame: only the traced path sets it, and puts it back to -1 when the packet leaves the graph;
     * {@link #save}/{@link #load} keep it, so a parked packet's trace goes on when it resumes.
     */
    public int trace = -1;

    /** Offload state (partial checksum, GSO super-packet): words 15-17, saved and loaded by {@link Offload}. */
    public final Offload offload = new Offload();

    public final EthernetView ethernet = new EthernetView();
    public final Ipv4View ip = new Ipv4View();

    /** Resets the per-packet decisions for a newly received frame. */
    public void reset(int slot, int frameOffset, int frameLength, int ingressPort) {
        this.slot = slot;
        this.frameOffset = frameOffset;
        this.frameLength = frameLength;
        this.ingressPort = ingressPort;
        this.ingressInterface = -1;
        this.ingress = null;
        this.egress = null;
        this.linkBroadcast = false;
        this.localOrigin = false;
        this.nextHop = -1;
        this.egressInterface = -1;
        this.egressPort = -1;
        this.neighbourAddress = 0;
        this.mtu = 0;
        this.vlan = 0;
        offload.clear();
        this.ctFlow = -1;
    }

    /**
     * Takes the route's next hop if it leads out of a port (CONNECTED: ARP for the destination
     * itself; GATEWAY: for the gateway): sets nextHop, egressInterface, neighbourAddress (and
     * egressPort to -1: transmit chooses it). False for
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
        this.egressInterface = nextHops.iface(nextHop);
        this.egressPort = -1;
        return true;
    }

    /**
     * Stores this packet's fields in its slot's metadata words (the packet is about to wait
     * off the run-to-completion path). Views are not stored: {@link #load} rewraps them.
     */
    public void save(PacketMetadata metadata) {
        int[] words = metadata.words();
        int at = PacketMetadata.base(slot);
        words[at + FRAME_OFFSET] = frameOffset;
        words[at + FRAME_LENGTH] = frameLength;
        words[at + INGRESS_PORT] = ingressPort;
        words[at + INGRESS_INTERFACE] = ingressInterface;
        words[at + EGRESS_INTERFACE] = egressInterface;
        words[at + EGRESS_PORT] = egressPort;
        words[at + NEXT_HOP] = nextHop;
        words[at + NEIGHBOUR_ADDRESS] = neighbourAddress;
        words[at + MTU] = mtu;
        words[at + VLAN] = vlan;
        words[at + FLAGS] = (linkBroadcast ? FLAG_LINK_BROADCAST : 0) | (localOrigin ? FLAG_LOCAL_ORIGIN : 0);
        offload.save(words, at);
        words[at + CT_FLOW] = ctFlow;
        words[at + CT_ORIG_SRC] = ctOrigSrc;
        words[at + CT_ORIG_DST] = ctOrigDst;
        words[at + CT_ORIG_PORTS] = ctOrigPorts;
        words[at + TRACE] = trace;
    }

    /**
     * Becomes the packet saved in {@code slot} (exactly the fields {@link #save} stored), with the
     * Ethernet view wrapped over the frame in {@code frames} and, for an IPv4 frame, the IPv4 view
     * over the rest (as the stages leave them: IPv4 header right after Ethernet, up to the frame's end).
     */
    public void load(PacketMetadata metadata, int slot, UnsafeBuffer frames) {
        int[] words = metadata.words();
        int at = PacketMetadata.base(slot);
        this.slot = slot;
        frameOffset = words[at + FRAME_OFFSET];
        frameLength = words[at + FRAME_LENGTH];
        ingressPort = words[at + INGRESS_PORT];
        ingressInterface = words[at + INGRESS_INTERFACE];
        ingress = null;
        egress = null;
        egressInterface = words[at + EGRESS_INTERFACE];
        egressPort = words[at + EGRESS_PORT];
        nextHop = words[at + NEXT_HOP];
        neighbourAddress = words[at + NEIGHBOUR_ADDRESS];
        mtu = words[at + MTU];
        vlan = words[at + VLAN];
        int flags = words[at + FLAGS];
        linkBroadcast = (flags & FLAG_LINK_BROADCAST) != 0;
        localOrigin = (flags & FLAG_LOCAL_ORIGIN) != 0;
        offload.load(words, at);
        ctFlow = words[at + CT_FLOW];
        ctOrigSrc = words[at + CT_ORIG_SRC];
        ctOrigDst = words[at + CT_ORIG_DST];
        ctOrigPorts = words[at + CT_ORIG_PORTS];
        trace = words[at + TRACE];
        if (ethernet.wrap(frames, frameOffset, frameLength) && ethernet.etherType() == EthernetView.ETHERTYPE_IPV4) {
            ip.wrap(frames, ipOffset(), frameLength - EthernetView.HEADER_LENGTH);
        }
    }

    /** Index of the IPv4 header (right after the 14-byte Ethernet header). */
    public int ipOffset() {
        return frameOffset + EthernetView.HEADER_LENGTH;
    }
}
