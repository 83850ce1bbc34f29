package net.taprouter.dataplane.stats;

/**
 * Things the dataplane does that are not drops, each with a counter shown by {@code routerctl stats}.
 * Two of them are dispositions of a received frame (see the accounting rule of {@link DropReason}):
 * {@link #FORWARDED} and {@link #LOCAL_DELIVERED}; five count packets the router originates when
 * it makes them (whether they then go out is {@code origin.sent} or {@code origin.drop.<reason>}).
 */
public enum Event {
    /** A received frame went out of a port (whole or as fragments): a disposition. */
    FORWARDED("forwarded"),
    /** A received frame the router consumed: an echo request it answered, ARP for it: a disposition. */
    LOCAL_DELIVERED("local_delivered"),
    /** Made: an echo reply. */
    ICMP_ECHO_REPLIES("icmp_echo_replies_sent"),
    /** Made: an ICMP error (built, then routed like any originated packet). */
    ICMP_ERRORS("icmp_errors_sent"),
    /** Made: a TCP reset. */
    TCP_RESETS_SENT("tcp_resets_sent"),
    /** Made: an ARP request (broadcast, or a unicast probe). */
    ARP_REQUESTS_SENT("arp_requests_sent"),
    /** Made: an ARP reply for one of the router's addresses. */
    ARP_REPLIES_SENT("arp_replies_sent"),
    ARP_REPLIES_RECEIVED("arp_replies_received"),
    ARP_LEARNED("arp_learned"),
    FRAGMENTS_CREATED("fragments_created"),
    /** A GSO super-packet (TSO/USO, up to 64 KiB) came in from a TAP with offloads. */
    GSO_RECEIVED("gso_received"),
    /** A GSO super-packet was cut into segments in software (its egress port has no offloads, or the MTU). */
    GSO_SEGMENTED("gso_segmented"),
    /** Made: a segment of a super-packet segmented in software. */
    GSO_SEGMENTS_CREATED("gso_segments_created"),
    /** A partial checksum (virtio-net NEEDS_CSUM) was completed in software (egress port without offloads). */
    CHECKSUMS_COMPLETED("checksums_completed"),
    /**
     * A packet of a tracked flow took the flow fast path (conntrack sent it the way the flow's last
     * packet through the whole graph went: {@code pipeline.FlowRoutes}).
     */
    FLOW_FAST_PATH("flow_fast_path"),
    /**
     * A packet connection tracking does not see took the route fast path (sent the way the last
     * packet to its destination through the whole graph went: {@code pipeline.FlowRoutes}).
     */
    ROUTE_FAST_PATH("route_fast_path"),
    /** A packet parked in an ARP queue (not a disposition: it ends later). */
    NEIGHBOUR_QUEUED("neighbour_queued"),
    NEIGHBOUR_EVICTED("neighbour_evicted"),
    NEIGHBOUR_REFUSED("neighbour_refused"),
    /** A bridge learned a new source MAC (on a port). */
    FDB_LEARNED("fdb_learned"),
    /** A learned MAC was seen on another port of its bridge: its entry moved. */
    FDB_MOVED("fdb_moved"),
    /** A source MAC not learned: the bridge's FDB is full (its frames to it are flooded). */
    FDB_FULL("fdb_not_learned_full"),
    /** A source MAC not learned: its port has as many learned entries as it may. */
    FDB_PORT_LIMIT("fdb_not_learned_port_limit"),
    /** A frame from a MAC with a static entry on another port (the entry does not move). */
    FDB_STATIC_CONFLICT("fdb_static_conflict"),
    /** Learned entries removed by ageing. */
    FDB_AGED("fdb_aged"),
    /** Several workers: a learned neighbour or FDB entry sent to another worker ({@code pipeline.PeerEvents}). */
    PEER_EVENTS_SENT("peer_events_sent"),
    /** Several workers: what another worker learned, applied here at the start of a batch. */
    PEER_EVENTS_APPLIED("peer_events_applied"),
    /** Several workers: a learn event not sent, the ring to that worker being full (it learns on its own later). */
    PEER_EVENTS_LOST("peer_events_lost");

    private final String counterName;

    Event(String counterName) {
        this.counterName = counterName;
    }

    public String counterName() {
        return counterName;
    }
}
