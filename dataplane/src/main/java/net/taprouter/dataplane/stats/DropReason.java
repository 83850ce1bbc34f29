package net.taprouter.dataplane.stats;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Every reason the dataplane drops a frame or a packet. Each has a counter shown by
 * {@code routerctl stats}, which lists the {@link #expected()} ones (what any router does by
 * design: answering an expired TTL, ignoring IPv6 or broadcasts) apart from the ones that point at
 * bad input, overload or a failure.
 *
 * <p><b>Accounting rule.</b> Every frame read from a port ends in exactly one disposition:
 * <ul>
 *   <li>transmitted on a port (forwarded; whole or as fragments): {@code event.forwarded};</li>
 *   <li>consumed by the router (an echo request it answered, an ARP request for one of its
 *       addresses, an ARP reply to it): {@code event.local_delivered};</li>
 *   <li>dropped for one reason: {@code drop.<reason>} (for the reasons that {@link #endsReceived}),
 *       also counted in the ingress port's {@code rx_drops}. A frame the router answers with an
 *       ICMP error or a TCP reset is dropped for its reason ({@code ttl_exceeded},
 *       {@code no_route}, {@code local_no_listener}...): the answer is a packet of its own.</li>
 * </ul>
 * A frame parked in an ARP queue ({@code event.neighbour_queued}) has none yet: it ends later in
 * one of those. A frame received on a bridge port: a known unicast one is forwarded (or filtered:
 * {@code drop.bridge_filtered}); an unknown unicast one is flooded to the bridge's other ports and
 * counts once, as forwarded if at least one copy went out (else the last copy's drop reason, or
 * {@code drop.bridge_no_port}); one to the bridge's own MAC, or a broadcast/multicast one, is
 * processed by the router as on any interface and ends as that processing says (a broadcast is
 * also flooded to the other ports: those copies count on the ports' tx counters and the ingress
 * port's {@code flooded}, not as a disposition). The two counters that are not dispositions are {@code drop.rx_no_buffer} and {@code
 * drop.rx_ring_full}: they count reads not made (no free slot or the port's share of them; with
 * dedicated threads, the forwarding thread's budget of waiting frames full) while the frames wait
 * in the TAP's queue.
 *
 * <p>Packets the router originates (ICMP errors, echo replies, TCP resets, ARP replies and
 * requests; built in the slot of the frame that caused them, or in a buffer of their own) are
 * counted apart, so that an answer that is then rate-limited or unroutable never gives the frame
 * that caused it a second disposition: made ({@code event.icmp_errors_sent},
 * {@code icmp_echo_replies_sent}, {@code tcp_resets_sent}, {@code arp_replies_sent},
 * {@code arp_requests_sent}), each then ends in exactly one of {@code origin.sent} or
 * {@code origin.drop.<reason>} (for the reasons that {@link #endsOriginated}), or waits for ARP.
 * An ICMP error owed but never built is one {@code origin.drop.icmp_error_suppressed},
 * {@code icmp_rate_limited} or {@code icmp_no_source}; an error about a packet the router
 * originated is never owed (not counted). Port {@code tx_packets} count every frame written
 * (fragments one by one, originated packets included).
 *
 * <p>A new reason says which it can end ({@link #RECEIVED_ONLY}, {@link #ORIGINATED_ONLY}, or
 * both): a stage that drops a packet for a reason not counted for its kind fails (internal_error),
 * which GraphFuzzTest catches. Stages at the postrouting hook see both kinds.
 */
public enum DropReason {
    FRAME_TOO_SHORT("frame_too_short", "shorter than an Ethernet header"),
    FRAME_TOO_LONG("frame_too_long", "longer than a frame slot"),
    RX_NO_BUFFER("rx_no_buffer", "no free frame slot"),
    RX_RING_FULL("rx_ring_full", "forwarding agent's ring full (dedicated threads: reads put off)"),
    PORT_DOWN("port_down", "ingress or egress port down"),
    ETHER_NOT_FOR_US("ether_not_for_us", "unicast frame to another MAC"),
    ETHER_UNKNOWN_TYPE("ether_unknown_type", "neither IPv4, ARP nor IPv6"),
    IPV6_NOT_ROUTED("ipv6_not_routed", "IPv6 frame (routerd routes IPv4 only; hosts send IPv6 neighbour discovery on their own)"),
    BRIDGE_BAD_SOURCE("bridge_bad_source", "bridged frame from a multicast or all-zero source MAC"),
    BRIDGE_FILTERED("bridge_filtered", "bridged frame whose destination MAC is on the port it came in on"),
    BRIDGE_NO_PORT("bridge_no_port", "unknown destination and no other bridge port up to flood to"),
    VLAN_NO_PVID("vlan_no_pvid", "untagged or priority-tagged frame on a VLAN-filtering bridge port without a pvid"),
    VLAN_INGRESS_FILTERED("vlan_ingress_filtered", "tagged frame on a VLAN-filtering bridge port that is no member of its VLAN"),
    VLAN_NO_INTERFACE("vlan_no_interface", "tagged frame for the router in a VLAN it has no interface in (no VLAN sub-interface)"),
    VLAN_EGRESS_FILTERED("vlan_egress_filtered", "frame for a bridge port that is no member of its VLAN"),
    ARP_MALFORMED("arp_malformed", "ARP frame not Ethernet/IPv4 or truncated"),
    ARP_NOT_FOR_US("arp_not_for_us", "ARP for an address that is not ours"),
    ARP_OWN_ADDRESS("arp_own_address", "ARP whose sender claims one of the router's own addresses (not learned, not answered)"),
    IP_TRUNCATED("ip_truncated", "IPv4 header shorter than 20 bytes or its IHL"),
    IP_BAD_VERSION("ip_bad_version", "IP version not 4"),
    IP_BAD_LENGTH("ip_bad_length", "total length below header length or beyond the frame"),
    IP_BAD_CHECKSUM("ip_bad_checksum", "header checksum wrong"),
    MARTIAN_SOURCE("martian_source", "source 0/8, 127/8, multicast, broadcast, 240/4, or an own address/subnet broadcast of the port"),
    MARTIAN_DESTINATION("martian_destination", "destination 0/8, 127/8 or 240/4"),
    OFFLOAD_BAD("offload_bad", "virtio-net header that does not match the packet (GSO type, size or checksum position)"),
    IP_MULTICAST("ip_multicast", "multicast destination (no multicast routing)"),
    IP_BROADCAST("ip_broadcast", "broadcast to the router (ignored like icmp_echo_ignore_broadcasts)"),
    L2_BROADCAST_NOT_FORWARDED("l2_broadcast_not_forwarded", "unicast IP in a link-layer broadcast"),
    FORWARDING_DISABLED("forwarding_disabled", "forwarding off"),
    NO_ROUTE("no_route", "no route to destination (net unreachable sent)"),
    TTL_EXCEEDED("ttl_exceeded", "TTL <= 1 (time exceeded sent)"),
    FRAGMENTATION_NEEDED("fragmentation_needed", "DF set and larger than egress MTU"),
    NEIGHBOUR_UNRESOLVED("neighbour_unresolved", "ARP got no reply (host unreachable sent)"),
    ARP_QUEUE_FULL("arp_queue_full", "too many packets waiting for one ARP reply"),
    ARP_QUEUE_PORT_LIMIT("arp_queue_port_limit", "too many packets (or GSO super-packets) from one ingress port waiting for ARP"),
    ARP_QUEUE_TOTAL_LIMIT("arp_queue_total_limit", "packets waiting for ARP at their limit (a quarter of the frame pool, or of its large GSO slots)"),
    ARP_REQUEST_RATE_LIMITED("arp_request_rate_limited", "new neighbour not resolved: the egress port's ARP request rate limit"),
    NEIGHBOUR_INCOMPLETE_LIMIT("neighbour_incomplete_limit", "too many neighbours being resolved on the egress port"),
    NEIGHBOUR_TABLE_FULL("neighbour_table_full", "no room for a new neighbour"),
    NEIGHBOUR_FLUSHED("neighbour_flushed", "waiting for ARP when the neighbour was flushed"),
    LOCAL_FRAGMENT("local_fragment", "fragment addressed to the router"),
    LOCAL_NO_LISTENER("local_no_listener", "nothing listens on the router (UDP, other protocols: unreachable sent; TCP: reset sent)"),
    LOCAL_ICMP_OTHER("local_icmp_other", "ICMP to the router other than echo request"),
    ICMP_ERROR_SUPPRESSED("icmp_error_suppressed", "no ICMP error allowed for this packet (broadcast, fragment, ICMP error...)"),
    ICMP_RATE_LIMITED("icmp_rate_limited", "ICMP error not sent: over the rate limit for its destination"),
    ICMP_NO_SOURCE("icmp_no_source", "ICMP error not sent: no router address to send it from"),
    OUTPUT_NO_ROUTE("output_no_route", "no route for a packet the router originated"),
    OUTPUT_TO_SELF("output_to_self", "router-originated packet routed to the router"),
    TX_QUEUE_FULL("tx_queue_full", "TAP write would block"),
    TX_ERROR("tx_error", "TAP write failed (port gone)"),
    CONNTRACK_INVALID("conntrack_invalid", "conntrack INVALID, not forwarded: a truncated TCP/UDP/ICMP header, or a TCP segment its flow's state refuses"),
    CONNTRACK_TABLE_FULL("conntrack_table_full", "a new flow, but the conntrack table is full and no unassured flow near it could give way"),
    NAT_UNSOLICITED("nat_unsolicited", "a new flow to a NAT address on its outside port that no DNAT rule forwards (never answered)"),
    NAT_NO_MAPPING("nat_no_mapping", "source NAT found no free outside port (or the MASQUERADE port has no address)"),
    NAT_PORT_LIMIT("nat_port_limit", "a new flow, but its inside address holds its limit of outside ports already (nat portlimit)"),
    CONNTRACK_HOST_LIMIT("conntrack_host_limit", "a new flow, but its source address has its limit of flows in the conntrack table already (conntrack hostlimit)"),
    CONNTRACK_RESTORING("conntrack_restoring", "a new flow while routerd reads its conntrack state file back at start (the flow it may belong to is not restored yet; TCP retransmits)"),
    CONNTRACK_OTHER_WORKER("conntrack_other_worker", "several workers with NAT on: an IPv4 packet read by a worker other than worker 0, which tracks every flow (one left in a queue when NAT started)"),
    INTERNAL_ERROR("internal_error", "a stage failed on this packet (a bug: logged once with its stack)");

    /**
     * Drops a correct router makes in normal operation: the packet was answered (an ICMP error, a
     * reset) or is ignored as the kernel ignores it. Everything else is bad input, a resource limit
     * or a failure.
     */
    private static final Set<DropReason> EXPECTED = Collections.unmodifiableSet(EnumSet.of(
        ETHER_NOT_FOR_US, ETHER_UNKNOWN_TYPE, IPV6_NOT_ROUTED, BRIDGE_FILTERED, BRIDGE_NO_PORT, VLAN_NO_PVID,
        VLAN_INGRESS_FILTERED, VLAN_NO_INTERFACE, VLAN_EGRESS_FILTERED, ARP_NOT_FOR_US, IP_MULTICAST, IP_BROADCAST,
        L2_BROADCAST_NOT_FORWARDED, FORWARDING_DISABLED, NO_ROUTE, TTL_EXCEEDED, FRAGMENTATION_NEEDED,
        NEIGHBOUR_UNRESOLVED, LOCAL_NO_LISTENER, LOCAL_ICMP_OTHER, ICMP_ERROR_SUPPRESSED, NAT_UNSOLICITED));

    /**
     * Malformed received frames: counted also as their ingress port's {@code rx_errors} (the
     * errors column of {@code link show -s}, as the kernel counts length and checksum errors).
     */
    private static final Set<DropReason> ERRORS = Collections.unmodifiableSet(EnumSet.of(
        FRAME_TOO_SHORT, FRAME_TOO_LONG, ARP_MALFORMED, IP_TRUNCATED, IP_BAD_VERSION, IP_BAD_LENGTH, IP_BAD_CHECKSUM, OFFLOAD_BAD));

    /** Reasons only a received frame can be dropped for (no {@code origin.drop} counter). */
    private static final Set<DropReason> RECEIVED_ONLY = Collections.unmodifiableSet(EnumSet.of(
        FRAME_TOO_SHORT, FRAME_TOO_LONG, RX_NO_BUFFER, RX_RING_FULL, ETHER_NOT_FOR_US, ETHER_UNKNOWN_TYPE,
        BRIDGE_BAD_SOURCE, BRIDGE_FILTERED, BRIDGE_NO_PORT, VLAN_NO_PVID, VLAN_INGRESS_FILTERED, VLAN_NO_INTERFACE,
        IPV6_NOT_ROUTED, ARP_MALFORMED, ARP_NOT_FOR_US, IP_TRUNCATED, IP_BAD_VERSION, IP_BAD_LENGTH, IP_BAD_CHECKSUM,
        MARTIAN_SOURCE, MARTIAN_DESTINATION, OFFLOAD_BAD, IP_MULTICAST, IP_BROADCAST, L2_BROADCAST_NOT_FORWARDED,
        FORWARDING_DISABLED, NO_ROUTE, TTL_EXCEEDED, LOCAL_FRAGMENT, LOCAL_NO_LISTENER, LOCAL_ICMP_OTHER,
        CONNTRACK_INVALID, CONNTRACK_TABLE_FULL, NAT_UNSOLICITED, NAT_NO_MAPPING, NAT_PORT_LIMIT, CONNTRACK_HOST_LIMIT, CONNTRACK_RESTORING,
        CONNTRACK_OTHER_WORKER));

    /** Reasons only a packet the router originates (or an ICMP error it owes) can be dropped for (no {@code drop} counter). */
    private static final Set<DropReason> ORIGINATED_ONLY = Collections.unmodifiableSet(EnumSet.of(
        ICMP_ERROR_SUPPRESSED, ICMP_RATE_LIMITED, ICMP_NO_SOURCE, OUTPUT_NO_ROUTE, OUTPUT_TO_SELF));

    private final String counterName;
    private final String description;

    DropReason(String counterName, String description) {
        this.counterName = counterName;
        this.description = description;
    }

    /** The name shown in stats, e.g. {@code ip_bad_checksum}. */
    /** Is it a malformed received frame (also a port's {@code rx_errors})? */
    public boolean isError() {
        return ERRORS.contains(this);
    }

    public String counterName() {
        return counterName;
    }

    public String description() {
        return description;
    }

    /** True if a received frame can end with this reason: it has a {@code drop.<name>} counter. */
    public boolean endsReceived() {
        return !ORIGINATED_ONLY.contains(this);
    }

    /** True if a packet the router originated can end with this reason: it has an {@code origin.drop.<name>} counter. */
    public boolean endsOriginated() {
        return !RECEIVED_ONLY.contains(this);
    }

    /** True for drops that are part of normal routing (see {@link #EXPECTED}); false for errors. */
    public boolean expected() {
        return EXPECTED.contains(this);
    }
}
