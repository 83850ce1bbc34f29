package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.IcmpView;
import net.taprouter.dataplane.wire.Ipv4Address;
import net.taprouter.dataplane.wire.Ipv4View;

/**
 * Turns a packet the router cannot deliver into an ICMP error to its source (RFC 1812 4.3.2),
 * in place: the new Ethernet, IP and ICMP headers go into the slot's headroom in front of the
 * offending IP header, which is quoted with as much of its data as fits in 576 bytes.
 *
 * <pre>
 *   before:            [eth][ offending IP header | data ... ]
 *   after:  [eth][IP][ICMP][ offending IP header | data (quote) ]
 * </pre>
 *
 * Input: an IPv4 packet (view wrapped) that is dropped for {@code reason}; what NAT did to it is
 * undone first ({@code conntrack.QuoteRestore}), so the error quotes it as received. Never answers an ICMP
 * error, a non-first fragment, a link-layer broadcast, a packet from a broadcast/multicast/zero
 * source, or a packet the router originated; rate-limited per destination ({@link IcmpRateLimiter}),
 * except Fragmentation Needed, which is never limited. Source address:
 * that of the interface the error leaves through (as Linux), else the ingress interface's.
 * Next: {@link RouteOutputStage} (the slot is now an originated packet: {@code localOrigin}).
 * Counters (the accounting rule of {@link DropReason}): the packet's end, drop.{reason} (or
 * origin.drop.{reason} for a packet the router originated, which gets no error); then event
 * icmp_errors_sent, or the error not sent: origin.drop.icmp_error_suppressed, icmp_rate_limited,
 * icmp_no_source.
 */
public final class IcmpErrorStage extends Stage {
    /** RFC 1812: the error must not exceed 576 bytes of IP. */
    private static final int MAX_QUOTE = 576 - Ipv4View.MIN_HEADER_LENGTH - IcmpView.HEADER_LENGTH;
    private static final int PREPENDED = Ipv4View.MIN_HEADER_LENGTH + IcmpView.HEADER_LENGTH;
    private static final int ERROR_TTL = 64;

    private final ForwardingContext context;
    private final int type;
    private final int code;
    private final DropReason reason;
    /** Fragmentation Needed: path-MTU discovery must never be silenced (as Linux). */
    private final boolean neverLimited;
    private final IcmpView icmp = new IcmpView();
    private Stage routeOutput;
    private int identification;

    public IcmpErrorStage(ForwardingContext context, ForwardingGraph graph, int type, int code, DropReason reason) {
        this.context = context;
        this.type = type;
        this.code = code;
        this.reason = reason;
        this.neverLimited = type == IcmpView.TYPE_DEST_UNREACHABLE && code == IcmpView.CODE_FRAGMENTATION_NEEDED;
    }

    void next(Stage output) {
        this.routeOutput = output;
    }

    /** What the packet is dropped for (its counter). */
    public DropReason reason() {
        return reason;
    }

    /** The ICMP type of the error. */
    public int type() {
        return type;
    }

    /** The ICMP code of the error. */
    public int code() {
        return code;
    }

    @Override
    public Stage process(Packet packet) {
        context.countDrop(packet, reason);
        if (packet.localOrigin) {
            context.release(packet.slot); // no error about the router's own packets: none is owed
            return null;
        }
        net.taprouter.dataplane.conntrack.QuoteRestore.apply(context, packet); // the quote as the sender sent it
        Ipv4View ip = packet.ip;
        int source = ip.source();
        if (packet.linkBroadcast || ip.fragmentOffset() != 0 || !isUnicast(source)
            || !isUnicast(ip.destination()) || isIcmpError(ip)) {
            return notSent(packet, DropReason.ICMP_ERROR_SUPPRESSED);
        }
        int errorSource = sourceToward(source, context.interfaces.get(packet.ingressInterface));
        if (errorSource == 0) {
            return notSent(packet, DropReason.ICMP_NO_SOURCE);
        }
        if (!neverLimited && !context.icmpLimiter.tryAcquire(source, context.nowNanos)) {
            return notSent(packet, DropReason.ICMP_RATE_LIMITED);
        }
        int quote = Math.min(ip.totalLength(), MAX_QUOTE);
        int newIp = packet.ipOffset() - PREPENDED;
        int totalLength = PREPENDED + quote;
        context.buffer.putByte(newIp, (byte) 0x45);
        ip.wrap(context.buffer, newIp, totalLength);
        ip.tos(0xC0);
        ip.totalLength(totalLength);
        ip.identification(identification++ & 0xFFFF);
        ip.flagsFragment(0);
        ip.ttl(ERROR_TTL);
        ip.protocol(Ipv4View.PROTO_ICMP);
        ip.source(errorSource);
        ip.destination(source);
        ip.updateHeaderChecksum();
        icmp.wrap(context.buffer, newIp + Ipv4View.MIN_HEADER_LENGTH, IcmpView.HEADER_LENGTH + quote);
        icmp.type(type);
        icmp.code(code);
        if (code == IcmpView.CODE_FRAGMENTATION_NEEDED && type == IcmpView.TYPE_DEST_UNREACHABLE) {
            icmp.nextHopMtu(packet.mtu);
        } else {
            icmp.restOfHeader(0);
        }
        icmp.updateChecksum();
        packet.frameOffset = newIp - EthernetView.HEADER_LENGTH;
        // an IPv4 frame from here on, even before the adjacency writes its addresses: a packet parked
        // for ARP is reloaded by its EtherType (the headroom held anything)
        context.buffer.putShort(newIp - 2, (short) EthernetView.ETHERTYPE_IPV4, java.nio.ByteOrder.BIG_ENDIAN);
        packet.frameLength = EthernetView.HEADER_LENGTH + totalLength;
        packet.localOrigin = true;
        context.event(Event.ICMP_ERRORS);
        return routeOutput;
    }

    /** The error owed for the packet is not sent ({@code origin.drop.<why>}); the packet's slot goes back. */
    private Stage notSent(Packet packet, DropReason why) {
        context.counters.originDrop(why);
        context.release(packet.slot);
        return null;
    }

    /**
     * The error's source address: like Linux (icmp_errors_use_inbound_ifaddr=0), the address of
     * the interface the error leaves through toward {@code destination}; if that has none, the
     * ingress interface's. (The error path only: one extra LPM lookup.)
     */
    private int sourceToward(int destination, Interface ingress) {
        int nextHop = context.routes.lookup(destination);
        if (nextHop != RouteTable.NO_ROUTE) {
            int type = context.nextHops.type(nextHop);
            Interface out = context.interfaces.get(context.nextHops.iface(nextHop));
            if (out != null && (type == NextHops.TYPE_CONNECTED || type == NextHops.TYPE_GATEWAY)) {
                int address = out.sourceAddressFor(type == NextHops.TYPE_GATEWAY ? context.nextHops.address(nextHop) : destination);
                if (address != 0) {
                    return address;
                }
            }
        }
        return ingress == null ? 0 : ingress.sourceAddressFor(destination);
    }

    private static boolean isUnicast(int address) {
        return address != 0 && !Ipv4Address.isMulticast(address) && !Ipv4Address.isLimitedBroadcast(address);
    }

    private boolean isIcmpError(Ipv4View ip) {
        if (ip.protocol() != Ipv4View.PROTO_ICMP || ip.totalLength() <= ip.headerLength()) {
            return false;
        }
        return IcmpView.isError(context.buffer.getByte(ip.payloadOffset()) & 0xFF);
    }

}
