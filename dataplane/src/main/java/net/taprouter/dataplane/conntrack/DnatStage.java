package net.taprouter.dataplane.conntrack;

import java.nio.ByteOrder;
import net.taprouter.dataplane.pipeline.ForwardingContext;
import net.taprouter.dataplane.pipeline.ForwardingGraph;
import net.taprouter.dataplane.pipeline.HookStage;
import net.taprouter.dataplane.pipeline.Packet;
import net.taprouter.dataplane.pipeline.Stage;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.wire.Ipv4View;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The NAT rules at prerouting (after {@link ConntrackInStage}), for the first packet of a flow
 * ({@code CT_NEW}) only: the first DNAT rule for its protocol, destination and port rewrites the
 * destination (address, and port if the rule gives one; checksums updated incrementally) before
 * the route lookup. Without a DNAT rule, a TCP or UDP (or other non-ICMP) packet to a NAT address
 * — the address of a MASQUERADE rule's out interface, or an SNAT rule's address — arriving on that
 * rule's out interface is unsolicited: dropped and counted, never answered (RFC 5382 REQ-4: no reset
 * for an unsolicited SYN). ICMP queries to the router's addresses are still answered.
 *
 * <p>Input: a packet marked by {@link ConntrackInStage}. Output: {@link HookStage#ACCEPT}, or the
 * drop nat_unsolicited.
 */
public final class DnatStage extends Stage {
    private final ForwardingContext context;
    private final ConntrackConfig config;
    private final InterfaceTable interfaces;
    private final UnsafeBuffer buffer;
    private final Stage unsolicited;

    public DnatStage(ForwardingContext context, ForwardingGraph graph) {
        this.context = context;
        this.config = context.conntrack.config();
        this.interfaces = context.interfaces;
        this.buffer = context.buffer;
        this.unsolicited = graph.drop(DropReason.NAT_UNSOLICITED);
    }

    @Override
    public Stage process(Packet packet) {
        if (packet.ctFlow != ConntrackTable.CT_NEW) {
            return HookStage.ACCEPT;
        }
        NatRuleSet rules = config.rules();
        Ipv4View ip = packet.ip;
        int protocol = ip.protocol();
        int destination = ip.destination();
        if (rules.dnatCount > 0 && (protocol == NatRewrite.PROTO_TCP || protocol == NatRewrite.PROTO_UDP)) {
            int port = buffer.getShort(ip.payloadOffset() + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            int rule = rules.matchDestination(protocol, destination, port);
            if (rule >= 0) {
                int toPort = rules.dnatToPort[rule];
                NatRewrite.destination(buffer, packet.ipOffset(), rules.dnatTo[rule], toPort != 0 ? toPort : port,
                    packet.offload.needsChecksum());
                return HookStage.ACCEPT;
            }
        }
        if (protocol != NatRewrite.PROTO_ICMP && rules.snatCount > 0 && isNatAddress(rules, destination, packet.ingressInterface)) {
            return unsolicited;
        }
        return HookStage.ACCEPT;
    }

    /** Is {@code address} the outside address of a source-NAT rule whose out interface the packet came in on? */
    private boolean isNatAddress(NatRuleSet rules, int address, int ingressInterface) {
        for (int i = 0; i < rules.snatCount; i++) {
            if (rules.snatInterface[i] != ingressInterface) {
                continue;
            }
            if (rules.snatKind[i] == NatRule.MASQUERADE ? NatAddresses.stillOwned(interfaces, ingressInterface, address)
                : rules.snatTo[i] == address) {
                return true;
            }
        }
        return false;
    }
}
