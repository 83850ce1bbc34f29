package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.Ipv4Address;
import net.taprouter.dataplane.wire.Ipv4View;

/**
 * IPv4 input checks (RFC 1812 section 5.2.2): header present, version 4, IHL >= 5, total length
 * between header length and the frame, header checksum; martian sources (also the ingress
 * interface's own addresses and subnet broadcasts) and destinations.
 * Trims Ethernet padding. Input: an IPv4 frame. Next: {@link GsoInputStage} for a packet with
 * offload state; else the prerouting hook ({@link Hook}), or while it runs nothing the route
 * lookup ({@link HookStage#entry}).
 * Drops: ip_truncated, ip_bad_version, ip_bad_length, ip_bad_checksum, martian_source, martian_destination.
 */
public final class Ipv4InputStage extends Stage {
    private final ForwardingContext context;
    private Stage gsoInput;
    private HookStage prerouting;
    private final Stage truncated;
    private final Stage badVersion;
    private final Stage badLength;
    private final Stage badChecksum;
    private final Stage martianSource;
    private final Stage martianDestination;
    private final Stage portDown;

    public Ipv4InputStage(ForwardingContext context, ForwardingGraph graph) {
        this.context = context;
        this.truncated = graph.drop(DropReason.IP_TRUNCATED);
        this.badVersion = graph.drop(DropReason.IP_BAD_VERSION);
        this.badLength = graph.drop(DropReason.IP_BAD_LENGTH);
        this.badChecksum = graph.drop(DropReason.IP_BAD_CHECKSUM);
        this.martianSource = graph.drop(DropReason.MARTIAN_SOURCE);
        this.martianDestination = graph.drop(DropReason.MARTIAN_DESTINATION);
        this.portDown = graph.drop(DropReason.PORT_DOWN);
    }

    void next(Stage gso, HookStage preroutingHook) {
        this.gsoInput = gso;
        this.prerouting = preroutingHook;
    }

    @Override
    public Stage process(Packet packet) {
        Ipv4View ip = packet.ip;
        int available = packet.frameLength - EthernetView.HEADER_LENGTH;
        if (!ip.wrap(context.buffer, packet.ipOffset(), available)) {
            return truncated;
        }
        if (ip.version() != 4) {
            return badVersion;
        }
        int totalLength = ip.totalLength();
        if (totalLength < ip.headerLength() || totalLength > available) {
            return badLength;
        }
        if (!ip.isHeaderChecksumValid()) {
            return badChecksum;
        }
        Interface in = packet.ingress;
        if (in == null || in.index() != packet.ingressInterface) {
            in = context.interfaces.get(packet.ingressInterface);
        }
        if (in == null) {
            return portDown; // removed since EthernetInput looked (link del)
        }
        int source = ip.source();
        // by first octet: 0/8, 127/8, and from 224 on multicast, class E and the limited broadcast
        int first = source >>> 24;
        if (first == 0 || first == 127 || first >= 224 || in.isMartianSource(source)) {
            return martianSource;
        }
        int destination = ip.destination();
        // 0/8, 127/8, class E (240/4 but the limited broadcast, which route lookup drops as such)
        first = destination >>> 24;
        if (first == 0 || first == 127 || (first >= 240 && destination != Ipv4Address.LIMITED_BROADCAST)) {
            return martianDestination;
        }
        if (totalLength != available) {
            packet.frameLength = EthernetView.HEADER_LENGTH + totalLength;
            ip.wrap(context.buffer, packet.ipOffset(), totalLength);
        }
        if (packet.offload.any()) {
            return gsoInput;
        }
        Stage next = prerouting.entry(); // the hook, or the route lookup: an untraced packet goes on by a direct call
        return packet.trace < 0 ? next.process(packet) : next;
    }
}
