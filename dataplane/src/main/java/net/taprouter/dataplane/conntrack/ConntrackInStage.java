package net.taprouter.dataplane.conntrack;

import net.taprouter.dataplane.pipeline.ForwardingContext;
import net.taprouter.dataplane.pipeline.HookStage;
import net.taprouter.dataplane.pipeline.Packet;
import net.taprouter.dataplane.pipeline.Stage;
import net.taprouter.dataplane.wire.Ipv4View;

/**
 * Connection tracking at prerouting (first in the hook's chain): finds the packet's flow in the
 * worker's {@link ConntrackTable} with one lookup (either direction), moves its state, refreshes
 * its timeout, counts it, and undoes or applies the flow's destination NAT (the reply of a
 * source-NATed flow goes back to the inside host; the original direction of a DNATed flow to its
 * server) before the route lookup. A packet without a flow that may start one is marked
 * {@code CT_NEW} with its tuple in the packet ({@code ctOrig*}): {@link DnatStage} may rewrite it,
 * {@link ConntrackOutStage} makes its flow once it is routed.
 *
 * <p>Input: a checked IPv4 packet ({@link net.taprouter.dataplane.pipeline.Hook#PREROUTING}).
 * Output: always {@link HookStage#ACCEPT}, with {@code Packet.ctFlow} set: a flow reference,
 * {@code CT_NEW}, a flow reference with {@code CT_RELATED} (an ICMP error about a tracked flow:
 * its quote and outer destination translated, {@link RelatedIcmp}), {@code CT_UNTRACKED} (ICMP
 * that is no query, query replies and errors without a flow) or {@code CT_INVALID} (a truncated
 * L4 header, a TCP segment the state machine or the window tracking ({@link TcpWindow}) refuses: translated as
 * its flow's packets are, so it is dropped as forwarded rather than answered; a later fragment whose first was not seen
 * while NAT rules are in force): an invalid packet is dropped if it is to be forwarded
 * (conntrack_invalid, at postrouting), the router's own stages answer it if it is for the
 * router. A later fragment gets its first fragment's flow ({@link FragmentFlows}). Counters: the
 * table's statistics only.
 */
public final class ConntrackInStage extends Stage {
    private final ForwardingContext context;
    private final ConntrackTable table;
    private final FlowKey key = new FlowKey();

    public ConntrackInStage(ForwardingContext context) {
        this.context = context;
        this.table = context.conntrack;
    }

    /**
     * The common case (a tracked packet of a known flow) is kept small enough for the JIT to
     * inline it into the hook (HotSpot inlines hot methods up to 325 bytecodes); the rest is in
     * {@link #other}, {@link #known} and {@link #begin}.
     */
    @Override
    public Stage process(Packet packet) {
        Ipv4View ip = packet.ip;
        int kind = key.extract(context.buffer, ip);
        if (kind != FlowKey.TRACKED) {
            other(packet, ip, kind);
            return HookStage.ACCEPT;
        }
        int now = table.seconds(context.nowNanos);
        int found = table.lookup(key.protocol, key.source, key.destination, key.ports, now);
        if (found == FlowTable.NONE) {
            begin(packet);
            return HookStage.ACCEPT;
        }
        int ref = table.track(found, key, ip.totalLength(), now);
        if (ref < 0) {
            known(packet, found, ref);
            return HookStage.ACCEPT;
        }
        packet.ctFlow = ref;
        table.translateDestination(ref, context.buffer, packet.ipOffset(), packet.offload.needsChecksum());
        return HookStage.ACCEPT;
    }

    /** A packet without a tuple: malformed, an ICMP error, a later fragment, untracked ICMP. */
    private void other(Packet packet, Ipv4View ip, int kind) {
        switch (kind) {
            case FlowKey.MALFORMED -> {
                table.stats().invalid++;
                packet.ctFlow = ConntrackTable.CT_INVALID;
            }
            case FlowKey.ICMP_ERROR -> related(packet, ip);
            default -> {
                if (ip.fragmentOffset() != 0) {
                    laterFragment(packet, ip);
                } else {
                    packet.ctFlow = ConntrackTable.CT_UNTRACKED;
                }
            }
        }
    }

    /** Flow {@code found} refused the packet ({@link ConntrackTable#track} gave {@code result}: invalid, or new). */
    private void known(Packet packet, int found, int result) {
        if (result == ConntrackTable.CT_INVALID) {
            // a segment of a known flow the state machine or the window refuses: translated all the same, so that it
            // is dropped as forwarded (conntrack_invalid at postrouting) instead of reaching the router's own TCP
            // (a reset from the NAT address would end the flow that a late retransmission belongs to)
            table.translateDestination(found, context.buffer, packet.ipOffset(), packet.offload.needsChecksum());
            packet.ctFlow = ConntrackTable.CT_INVALID;
            return;
        }
        begin(packet); // CT_NEW: a SYN reopened a closed flow, which is gone: a new one starts
    }

    /** A packet without a flow: may it start one? ({@code CT_NEW} with its tuple, else untracked or invalid.) */
    private void begin(Packet packet) {
        if (!key.creates) {
            packet.ctFlow = ConntrackTable.CT_UNTRACKED;
            return;
        }
        if (key.protocol == NatRewrite.PROTO_TCP
            && TcpStates.next(FlowTable.ORIGINAL, TcpStates.kind(key.tcpFlags), TcpStates.NONE) >= TcpStates.COUNT) {
            table.stats().invalid++; // only a SYN (or, picked up mid-stream, an ACK) starts a TCP flow
            packet.ctFlow = ConntrackTable.CT_INVALID;
            return;
        }
        packet.ctFlow = ConntrackTable.CT_NEW;
        packet.ctOrigSrc = key.source;
        packet.ctOrigDst = key.destination;
        packet.ctOrigPorts = key.ports;
    }

    /** An ICMP error: RELATED to the flow of the packet it quotes (translated like it), else untracked. */
    private void related(Packet packet, Ipv4View ip) {
        int related = table.related(context.buffer, ip, table.seconds(context.nowNanos));
        if (related == FlowTable.NONE) {
            packet.ctFlow = ConntrackTable.CT_UNTRACKED;
            return;
        }
        packet.ctFlow = related;
        table.translateRelatedIn(related, context.buffer, packet.ipOffset());
    }

    /**
     * A later fragment: the flow its first fragment had ({@link ConntrackTable#laterFragment}). Without
     * one it passes untracked, unless NAT rules are in force: then it would leave untranslated, so
     * it is invalid (not forwarded).
     */
    private void laterFragment(Packet packet, Ipv4View ip) {
        int ref = table.laterFragment(ip.source(), ip.destination(), ip.protocol(), ip.identification(), ip.totalLength(),
            table.seconds(context.nowNanos));
        if (ref >= 0) {
            packet.ctFlow = ref;
            table.translateDestination(ref, context.buffer, packet.ipOffset(), packet.offload.needsChecksum());
            return;
        }
        NatRuleSet rules = table.config().rules();
        if (rules.snatCount + rules.dnatCount > 0) {
            table.stats().invalid++;
            packet.ctFlow = ConntrackTable.CT_INVALID;
        } else {
            packet.ctFlow = ConntrackTable.CT_UNTRACKED;
        }
    }
}
