package net.taprouter.dataplane.stats;

/** Things the dataplane does that are not drops, each with a counter shown by {@code routerctl stats}. */
public enum Event {
    FORWARDED("forwarded"),
    LOCAL_DELIVERED("local_delivered"),
    ICMP_ECHO_REPLIES("icmp_echo_replies_sent"),
    ICMP_ERRORS("icmp_errors_sent"),
    TCP_RESETS_SENT("tcp_resets_sent"),
    ARP_REQUESTS_SENT("arp_requests_sent"),
    ARP_REPLIES_SENT("arp_replies_sent"),
    ARP_REPLIES_RECEIVED("arp_replies_received"),
    ARP_LEARNED("arp_learned"),
    FRAGMENTS_CREATED("fragments_created"),
    NEIGHBOUR_QUEUED("neighbour_queued"),
    NEIGHBOUR_EVICTED("neighbour_evicted"),
    NEIGHBOUR_REFUSED("neighbour_refused");

    private final String counterName;

    Event(String counterName) {
        this.counterName = counterName;
    }

    public String counterName() {
        return counterName;
    }
}
