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
 * Connection tracking and source NAT at postrouting (before the adjacency), for forwarded packets:
 * <ul>
 *   <li>a packet of a flow gets the flow's source NAT (the original direction of a source-NATed
 *       flow its outside address and port; the reply of a DNATed flow the address it was sent to);</li>
 *   <li>a first packet ({@code CT_NEW}) gets its flow made (unless routerd is restoring its state
 *       file: {@link ConntrackTable#holdNewFlows}) ({@link ConntrackTable#create}): the
 *       first MASQUERADE or SNAT rule for its source and out interface gives the outside address (a
 *       MASQUERADE rule: the out interface's address toward the next hop, {@link NatAddresses}); a
 *       flow that was DNATed and comes from inside a rule's prefix but leaves through another one is
 *       hairpinned: source-NATed by that rule all the same, so the server's replies come back
 *       through the router (RFC 4787 REQ-9);</li>
 *   <li>a RELATED ICMP error gets its outer source translated ({@link RelatedIcmp});</li>
 *   <li>an invalid packet ({@code CT_INVALID}) is dropped.</li>
 * </ul>
 * A first fragment leaving with its flow is remembered, so its datagram's later fragments follow
 * the same flow ({@link FragmentFlows}).
 * Packets the router originates (echo replies, ICMP errors, resets) pass untouched and untracked.
 *
 * <p>Input: a routed packet ({@link net.taprouter.dataplane.pipeline.Hook#POSTROUTING}). Output:
 * {@link HookStage#ACCEPT}, or the drops conntrack_invalid, conntrack_table_full (no room even
 * after early_drop), nat_no_mapping (no outside port free, or no address on a MASQUERADE interface),
 * nat_port_limit (the inside address holds its {@code nat portlimit} of outside ports),
 * conntrack_host_limit (the source has its {@code conntrack hostlimit} of flows),
 * conntrack_restoring (a first packet while the state file is read back).
 */
public final class ConntrackOutStage extends Stage {
    private final ForwardingContext context;
    private final ConntrackTable table;
    private final InterfaceTable interfaces;
    private final UnsafeBuffer buffer;
    private final Stage invalid;
    private final Stage tableFull;
    private final Stage noMapping;
    private final Stage portLimit;
    private final Stage hostLimit;
    private final Stage restoring;
    private final FlowKey key = new FlowKey();

    public ConntrackOutStage(ForwardingContext context, ForwardingGraph graph) {
        this.context = context;
        this.table = context.conntrack;
        this.interfaces = context.interfaces;
        this.buffer = context.buffer;
        this.invalid = graph.drop(DropReason.CONNTRACK_INVALID);
        this.tableFull = graph.drop(DropReason.CONNTRACK_TABLE_FULL);
        this.noMapping = graph.drop(DropReason.NAT_NO_MAPPING);
        this.portLimit = graph.drop(DropReason.NAT_PORT_LIMIT);
        this.hostLimit = graph.drop(DropReason.CONNTRACK_HOST_LIMIT);
        this.restoring = graph.drop(DropReason.CONNTRACK_RESTORING);
    }

    @Override
    public Stage process(Packet packet) {
        if (packet.localOrigin) {
            return HookStage.ACCEPT;
        }
        int ref = packet.ctFlow;
        if (ref >= 0) {
            if ((ref & ConntrackTable.CT_RELATED) != 0) {
                table.translateRelatedOut(ref, buffer, packet.ipOffset());
                return HookStage.ACCEPT;
            }
            table.translateSource(ref, buffer, packet.ipOffset(), packet.offload.needsChecksum());
            firstFragment(packet, ref);
            return HookStage.ACCEPT;
        }
        if (ref == ConntrackTable.CT_NEW) {
            return confirm(packet);
        }
        return ref == ConntrackTable.CT_INVALID ? invalid : HookStage.ACCEPT;
    }

    /** A first fragment going out: its datagram's later fragments will follow its flow. */
    private void firstFragment(Packet packet, int ref) {
        Ipv4View ip = packet.ip;
        if (ip.moreFragments() && ip.fragmentOffset() == 0) {
            table.firstFragment(ref, ip.identification(), table.seconds(context.nowNanos));
        }
    }

    private Stage confirm(Packet packet) {
        if (table.holdingNewFlows()) {
            return restoring;
        }
        Ipv4View ip = packet.ip;
        int protocol = ip.protocol();
        int l4 = ip.payloadOffset();
        boolean ports16 = protocol == NatRewrite.PROTO_TCP || protocol == NatRewrite.PROTO_UDP;
        int tuplePorts = ports16 ? buffer.getInt(l4, ByteOrder.BIG_ENDIAN) : packet.ctOrigPorts;
        int tcpFlags = protocol == NatRewrite.PROTO_TCP ? buffer.getByte(l4 + 13) & 0xFF : 0;
        int destination = ip.destination();
        int source = ip.source(); // as received: only source NAT, below, changes it
        int external = 0;
        int natFlags = 0;
        NatRuleSet rules = table.config().rules();
        if (rules.snatCount > 0) {
            int rule = rules.matchSource(source, packet.egressInterface);
            if (rule < 0 && (destination != packet.ctOrigDst || tuplePorts != packet.ctOrigPorts)) {
                rule = rules.matchSourceAnyInterface(source); // hairpin: a DNATed flow from inside
            }
            if (rule >= 0) {
                if (rules.snatKind[rule] == NatRule.MASQUERADE) {
                    int iface = rules.snatInterface[rule];
                    external = NatAddresses.masqueradeSource(interfaces, iface,
                        iface == packet.egressInterface ? packet.neighbourAddress : destination);
                    if (external == 0) {
                        table.stats().insertFailed++;
                        return noMapping;
                    }
                    natFlags = ConntrackTable.masqueradeInterface(iface);
                } else {
                    external = rules.snatTo[rule];
                }
            }
        }
        int ref = table.create(protocol, source, packet.ctOrigDst, packet.ctOrigPorts, destination, tuplePorts, external,
            natFlags, tcpFlags, ip.totalLength(), table.seconds(context.nowNanos));
        if (ref < 0) {
            return switch (ref) {
                case ConntrackTable.FULL -> tableFull;
                case ConntrackTable.PORT_LIMIT -> portLimit;
                case ConntrackTable.HOST_LIMIT -> hostLimit;
                default -> noMapping;
            };
        }
        packet.ctFlow = ref;
        if (protocol == NatRewrite.PROTO_TCP && key.extract(buffer, ip) == FlowKey.TRACKED) {
            table.tcpStart(ref, key); // window tracking from the first segment (before source NAT: it changes no sequence number)
        }
        table.translateSource(ref, buffer, packet.ipOffset(), packet.offload.needsChecksum());
        firstFragment(packet, ref);
        return HookStage.ACCEPT;
    }
}
