package net.taprouter.dataplane.conntrack;

import java.nio.ByteOrder;
import net.taprouter.dataplane.pipeline.ForwardingContext;
import net.taprouter.dataplane.pipeline.Packet;
import net.taprouter.dataplane.wire.Ipv4View;
import org.agrona.MutableDirectBuffer;

/**
 * Before the router quotes a packet in an ICMP error of its own (time exceeded, unreachable,
 * fragmentation needed): whatever NAT did to the packet is undone, so that the error goes to the
 * packet's sender (not to a NAT address) and quotes the packet as the sender sent it (DNAT's
 * destination at prerouting, MASQUERADE's source at postrouting — fragmentation needed and an
 * unresolved neighbour come after it). The kernel gets the same from nf_nat's ICMP translation of
 * the error it sends. A packet that NAT did not touch is left alone. Called by the ICMP error stage;
 * no allocation.
 */
public final class QuoteRestore {
    private QuoteRestore() {
    }

    public static void apply(ForwardingContext context, Packet packet) {
        int ref = packet.ctFlow;
        Ipv4View ip = packet.ip;
        int src;
        int dst;
        int ports;
        if (ref == ConntrackTable.CT_NEW) {
            src = ip.source(); // DNAT leaves the source as it was
            dst = packet.ctOrigDst;
            ports = packet.ctOrigPorts;
        } else if (ref >= 0 && (ref & ConntrackTable.CT_RELATED) == 0) {
            FlowTable flows = context.conntrack.flows();
            int flow = ref >>> 1;
            int dir = ref & 1;
            if (!flows.inUse(flow) || flows.protocol(flow) != ip.protocol()
                || (flows.flags(flow) & (FlowTable.SRC_NAT | FlowTable.DST_NAT)) == 0) {
                return;
            }
            src = flows.source(flow, dir);
            dst = flows.destination(flow, dir);
            ports = flows.ports(flow, dir);
        } else {
            return;
        }
        MutableDirectBuffer buffer = context.buffer;
        int protocol = ip.protocol();
        int at = packet.ipOffset();
        boolean first = ip.fragmentOffset() == 0;
        int current = first && FlowKey.hasPorts(protocol) && ip.totalLength() - ip.headerLength() >= 8
            ? currentPorts(buffer, ip, protocol) : ports;
        if (ip.source() != src || FlowKey.sourcePort(current) != FlowKey.sourcePort(ports)) {
            NatRewrite.source(buffer, at, src, FlowKey.sourcePort(ports), packet.offload.needsChecksum());
        }
        if (ip.destination() != dst || FlowKey.destinationPort(protocol, current) != FlowKey.destinationPort(protocol, ports)) {
            NatRewrite.destination(buffer, at, dst, FlowKey.destinationPort(protocol, ports), packet.offload.needsChecksum());
        }
    }

    /** The packet's ports as {@link FlowKey} packs them (ICMP: only the identifier matters here). */
    private static int currentPorts(MutableDirectBuffer buffer, Ipv4View ip, int protocol) {
        int l4 = ip.payloadOffset();
        if (protocol == NatRewrite.PROTO_ICMP) {
            return (buffer.getShort(l4 + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF) << 16;
        }
        return buffer.getInt(l4, ByteOrder.BIG_ENDIAN);
    }
}
