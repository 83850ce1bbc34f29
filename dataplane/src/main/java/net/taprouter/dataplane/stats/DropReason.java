package net.taprouter.dataplane.stats;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Every reason the dataplane drops or consumes a frame without forwarding it. Each has a counter
 * named {@code drop.<name>} shown by {@code routerctl stats}, which lists the {@link #expected()}
 * ones (what any router does by design: answering an expired TTL, ignoring IPv6 or broadcasts)
 * apart from the ones that point at bad input, overload or a failure.
 */
public enum DropReason {
    FRAME_TOO_SHORT("frame_too_short", "shorter than an Ethernet header"),
    FRAME_TOO_LONG("frame_too_long", "longer than a frame slot"),
    RX_NO_BUFFER("rx_no_buffer", "no free frame slot"),
    RX_RING_FULL("rx_ring_full", "forwarding agent's ring full"),
    PORT_DOWN("port_down", "ingress or egress port down"),
    ETHER_NOT_FOR_US("ether_not_for_us", "unicast frame to another MAC"),
    ETHER_UNKNOWN_TYPE("ether_unknown_type", "neither IPv4, ARP nor IPv6"),
    IPV6_NOT_ROUTED("ipv6_not_routed", "IPv6 frame (routerd routes IPv4 only; hosts send IPv6 neighbour discovery on their own)"),
    ARP_MALFORMED("arp_malformed", "ARP frame not Ethernet/IPv4 or truncated"),
    ARP_NOT_FOR_US("arp_not_for_us", "ARP for an address that is not ours"),
    IP_TRUNCATED("ip_truncated", "IPv4 header shorter than 20 bytes or its IHL"),
    IP_BAD_VERSION("ip_bad_version", "IP version not 4"),
    IP_BAD_LENGTH("ip_bad_length", "total length below header length or beyond the frame"),
    IP_BAD_CHECKSUM("ip_bad_checksum", "header checksum wrong"),
    MARTIAN_SOURCE("martian_source", "source 0/8, 127/8, multicast, broadcast, 240/4, or an own address/subnet broadcast of the port"),
    MARTIAN_DESTINATION("martian_destination", "destination 0/8, 127/8 or 240/4"),
    IP_MULTICAST("ip_multicast", "multicast destination (no multicast routing)"),
    IP_BROADCAST("ip_broadcast", "broadcast to the router (ignored like icmp_echo_ignore_broadcasts)"),
    L2_BROADCAST_NOT_FORWARDED("l2_broadcast_not_forwarded", "unicast IP in a link-layer broadcast"),
    FORWARDING_DISABLED("forwarding_disabled", "forwarding off"),
    NO_ROUTE("no_route", "no route to destination (net unreachable sent)"),
    TTL_EXCEEDED("ttl_exceeded", "TTL <= 1 (time exceeded sent)"),
    FRAGMENTATION_NEEDED("fragmentation_needed", "DF set and larger than egress MTU"),
    NEIGHBOUR_UNRESOLVED("neighbour_unresolved", "ARP got no reply (host unreachable sent)"),
    ARP_QUEUE_FULL("arp_queue_full", "too many packets waiting for one ARP reply"),
    ARP_QUEUE_PORT_LIMIT("arp_queue_port_limit", "too many packets from one ingress port waiting for ARP"),
    ARP_QUEUE_TOTAL_LIMIT("arp_queue_total_limit", "packets waiting for ARP at their limit (a quarter of the frame pool)"),
    ARP_REQUEST_RATE_LIMITED("arp_request_rate_limited", "new neighbour not resolved: the egress port's ARP request rate limit"),
    NEIGHBOUR_INCOMPLETE_LIMIT("neighbour_incomplete_limit", "too many neighbours being resolved on the egress port"),
    NEIGHBOUR_TABLE_FULL("neighbour_table_full", "no room for a new neighbour"),
    NEIGHBOUR_FLUSHED("neighbour_flushed", "waiting for ARP when the neighbour was flushed"),
    LOCAL_FRAGMENT("local_fragment", "fragment addressed to the router"),
    LOCAL_NO_LISTENER("local_no_listener", "nothing listens on the router (UDP: port unreachable sent; TCP: reset sent)"),
    LOCAL_ICMP_OTHER("local_icmp_other", "ICMP to the router other than echo request"),
    ICMP_ERROR_SUPPRESSED("icmp_error_suppressed", "no ICMP error allowed for this packet"),
    ICMP_RATE_LIMITED("icmp_rate_limited", "ICMP error over the rate limit"),
    ICMP_NO_SOURCE("icmp_no_source", "no router address to send an ICMP error from"),
    OUTPUT_NO_ROUTE("output_no_route", "no route for a packet the router originated"),
    OUTPUT_TO_SELF("output_to_self", "router-originated packet routed to the router"),
    TX_QUEUE_FULL("tx_queue_full", "TAP write would block"),
    TX_ERROR("tx_error", "TAP write failed (port gone)"),
    INTERNAL_ERROR("internal_error", "a stage failed on this packet (a bug: logged once with its stack)");

    /**
     * Drops a correct router makes in normal operation: the packet was answered (an ICMP error, a
     * reset) or is ignored as the kernel ignores it. Everything else is bad input, a resource limit
     * or a failure.
     */
    private static final Set<DropReason> EXPECTED = Collections.unmodifiableSet(EnumSet.of(
        ETHER_NOT_FOR_US, ETHER_UNKNOWN_TYPE, IPV6_NOT_ROUTED, ARP_NOT_FOR_US, IP_MULTICAST, IP_BROADCAST,
        L2_BROADCAST_NOT_FORWARDED, FORWARDING_DISABLED, NO_ROUTE, TTL_EXCEEDED, FRAGMENTATION_NEEDED,
        NEIGHBOUR_UNRESOLVED, LOCAL_NO_LISTENER, LOCAL_ICMP_OTHER, ICMP_ERROR_SUPPRESSED));

    private final String counterName;
    private final String description;

    DropReason(String counterName, String description) {
        this.counterName = counterName;
        this.description = description;
    }

    /** The name shown in stats, e.g. {@code ip_bad_checksum}. */
    public String counterName() {
        return counterName;
    }

    public String description() {
        return description;
    }

    /** True for drops that are part of normal routing (see {@link #EXPECTED}); false for errors. */
    public boolean expected() {
        return EXPECTED.contains(this);
    }
}
