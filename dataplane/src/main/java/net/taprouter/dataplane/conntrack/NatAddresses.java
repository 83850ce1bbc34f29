package net.taprouter.dataplane.conntrack;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;

/**
 * The one place that asks the router's interfaces for NAT addresses (so that it is easy to
 * point at another interface model): MASQUERADE's source for a flow leaving through a port, and
 * whether a port still has the address a MASQUERADE flow was given (else the flow is flushed,
 * as the kernel flushes on an address delete).
 */
public final class NatAddresses {
    private NatAddresses() {
    }

    /**
     * MASQUERADE's source address for a flow leaving through {@code port} toward {@code nextHop} (the
     * gateway, or the destination if on-link), as the kernel's inet_select_addr: the port's address
     * on the next hop's subnet, else its first; 0 if the port has none (or is gone).
     */
    public static int masqueradeSource(InterfaceTable ports, int port, int nextHop) {
        Interface out = ports.get(port);
        return out == null ? 0 : out.sourceAddressFor(nextHop);
    }

    /** True if {@code port} still exists and has {@code address}. */
    public static boolean stillOwned(InterfaceTable ports, int port, int address) {
        Interface out = ports.get(port);
        return out != null && out.ownsAddress(address);
    }

    /**
     * The port's address list as an identity to watch: it is replaced (never changed in place)
     * when an address is added or removed; null for no port.
     */
    static Object addressesOf(InterfaceTable ports, int port) {
        Interface p = ports.get(port);
        return p == null ? null : p.addresses();
    }
}
