package net.taprouter.dataplane.trace;

/**
 * What a step of a trace is: a stage of the forwarding graph (by its class; a drop and an ICMP
 * error stage also carry their reason, a hook its point), or one of the marks the recorder adds
 * ({@link #RX}: the frame as received, {@link #RESUMED}: it left an ARP queue,
 * {@link #INTERNAL_ERROR}: a stage threw). {@link #label} is what {@code trace show} prints.
 */
public enum StageKind {
    RX("rx"),
    RESUMED("resumed"),
    INTERNAL_ERROR("internal-error"),
    ETHERNET_INPUT("ethernet-input"),
    BRIDGE("bridge"),
    ARP_INPUT("arp-input"),
    IPV4_INPUT("ipv4-input"),
    GSO_INPUT("gso-input"),
    PREROUTING("prerouting"),
    ROUTE_LOOKUP("route-lookup"),
    LOCAL_DELIVERY("local-delivery"),
    TCP_RESET("tcp-reset"),
    FORWARD("forward"),
    ROUTE_OUTPUT("route-output"),
    POSTROUTING("postrouting"),
    ADJACENCY("adjacency"),
    MTU("mtu"),
    FRAGMENT("fragment"),
    SEGMENT("segment"),
    OFFLOAD_OUTPUT("offload-output"),
    TRANSMIT("transmit"),
    DROP("drop"),
    ICMP_ERROR("icmp-error"),
    /** A stage of a kind the recorder does not know (a hook's own stage): printed by its class name. */
    OTHER("stage");

    private final String label;

    StageKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
