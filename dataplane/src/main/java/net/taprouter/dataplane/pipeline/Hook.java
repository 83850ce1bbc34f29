package net.taprouter.dataplane.pipeline;

/**
 * The named hook points of the forwarding graph, where stages registered when a worker is built
 * ({@link Hooks}) see every packet that passes (netfilter's hooks of the same names):
 *
 * <ul>
 *   <li>{@link #PREROUTING}: every IPv4 packet received, after the IPv4 input checks and before
 *       the route lookup, so a stage here that rewrites the destination (DNAT) changes the route.
 *       The packets are received ones only ({@code localOrigin} false).</li>
 *   <li>{@link #POSTROUTING}: every IPv4 packet about to leave, after its route (and, when
 *       forwarded, the TTL decrement) and before the adjacency: forwarded packets and the ones
 *       the router originates (echo replies, ICMP errors, TCP resets), so a stage here that
 *       rewrites the source (SNAT, MASQUERADE) covers both. {@code egressInterface},
 *       {@code neighbourAddress} and {@code nextHop} are set; {@code egressPort} is not chosen
 *       yet (transmit does, from the egress interface). A packet parked for ARP after this
 *       hook does not pass it again when it resumes. Fragmentation comes after it.</li>
 * </ul>
 *
 * ARP frames pass neither hook.
 */
public enum Hook {
    PREROUTING("prerouting"),
    POSTROUTING("postrouting");

    private final String hookName;

    Hook(String hookName) {
        this.hookName = hookName;
    }

    /** The name shown in diagnostics, e.g. {@code prerouting}. */
    public String hookName() {
        return hookName;
    }
}
