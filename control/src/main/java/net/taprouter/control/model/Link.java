package net.taprouter.control.model;

import net.taprouter.dataplane.port.Port;

/**
 * A router port as configured: its dataplane {@link Port} and how its TAP was made ({@code offload}:
 * asked for with a virtio-net header and offloads, the default; what the kernel accepted is the
 * device's {@code offloads()}).
 */
public record Link(Port port, String ifname, String netns, boolean attach, boolean offload) {
    /** A link with offloads on (the default). */
    public Link(Port port, String ifname, String netns, boolean attach) {
        this(port, ifname, netns, attach, true);
    }

    public String name() {
        return port.name();
    }
}
