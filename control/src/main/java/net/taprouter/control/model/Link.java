package net.taprouter.control.model;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.port.Port;

/**
 * A link as configured: its L3 {@link Interface} (what addresses, routes and neighbours name) and,
 * for a TAP link, its L2 {@link Port} and how its TAP was made; a bridge has no port of its own
 * ({@code port} null, no TAP).
 */
public record Link(Interface iface, Port port, String ifname, String netns, boolean attach) {
    /** A bridge: an interface over member ports. */
    public static Link bridge(Interface iface) {
        return new Link(iface, null, null, null, false);
    }

    public String name() {
        return iface.name();
    }

    public boolean isBridge() {
        return iface.isBridge();
    }
}
