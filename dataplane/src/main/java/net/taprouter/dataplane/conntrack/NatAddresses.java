package net.taprouter.dataplane.conntrack;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;

/**
 * The one place that asks the router's L3 interfaces for NAT addresses: MASQUERADE's source for a
 * flow leaving through an interface, and whether an interface still has the address a MASQUERADE
 * flow was given (else the flow is flushed, as the kernel flushes on an address delete).
 */
public final class NatAddresses {
    private NatAddresses() {
    }

    /**
     * MASQUERADE's source address for a flow leaving through interface {@code iface} toward
     * {@code nextHop} (the gateway, or the destination if on-link), as the kernel's
     * inet_select_addr: the interface's address on the next hop's subnet, else its first; 0 if it
     * has none (or is gone).
     */
    public static int masqueradeSource(InterfaceTable interfaces, int iface, int nextHop) {
        Interface out = interfaces.get(iface);
        return out == null ? 0 : out.sourceAddressFor(nextHop);
    }

    /** True if interface {@code iface} still exists and has {@code address}. */
    public static boolean stillOwned(InterfaceTable interfaces, int iface, int address) {
        Interface out = interfaces.get(iface);
        return out != null && out.ownsAddress(address);
    }

    /**
     * The interface's address list as an identity to watch: it is replaced (never changed in place)
     * when an address is added or removed; null for no interface.
     */
    static Object addressesOf(InterfaceTable interfaces, int iface) {
        Interface i = interfaces.get(iface);
        return i == null ? null : i.addresses();
    }
}
