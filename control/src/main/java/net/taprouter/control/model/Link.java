package net.taprouter.control.model;

import net.taprouter.dataplane.port.Port;

/** A router port as configured: its dataplane {@link Port} and how its TAP was made. */
public record Link(Port port, String ifname, String netns, boolean attach) {
    public String name() {
        return port.name();
    }
}
