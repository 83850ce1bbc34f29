package net.taprouter.control.model;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.port.Port;

/**
 * A link as configured: its L3 {@link Interface} (what addresses, routes and neighbours name) and,
 * for a TAP link, its L2 {@link Port} and how its TAP was made ({@code offload}: asked for with a
 * virtio-net header and offloads, the default; what the kernel accepted is the device's
 * {@code offloads()}); a bridge has no port of its own ({@code port} null, no TAP) but its
 * {@link Bridge} settings. A TAP link's port belongs to its own interface, or, while it is a
 * bridge port, to the bridge ({@link Port#upper()}). A VLAN sub-interface has neither a port nor
 * bridge settings: its interface names its parent and VLAN id. {@code queues}: a TAP link's queues
 * (a multi-queue TAP for more than one; 0 for a bridge or VLAN).
 */
public record Link(Interface iface, Port port, String ifname, String netns, boolean attach, boolean offload, Bridge bridge,
                   int queues) {
    /** A TAP link of one queue. */
    public Link(Interface iface, Port port, String ifname, String netns, boolean attach, boolean offload) {
        this(iface, port, ifname, netns, attach, offload, null, 1);
    }

    /** A TAP link of {@code queues} queues ({@code link add ... queues N}). */
    public Link(Interface iface, Port port, String ifname, String netns, boolean attach, boolean offload, int queues) {
        this(iface, port, ifname, netns, attach, offload, null, queues);
    }

    /** A TAP link with offloads on (the default). */
    public Link(Interface iface, Port port, String ifname, String netns, boolean attach) {
        this(iface, port, ifname, netns, attach, true, null, 1);
    }

    /** A bridge: an interface over member ports. */
    public static Link bridge(Interface iface, Bridge settings) {
        return new Link(iface, null, null, null, false, false, settings, 0);
    }

    /** A VLAN sub-interface ({@code link add NAME link PARENT type vlan id N}): an interface, no port. */
    public static Link vlan(Interface iface) {
        return new Link(iface, null, null, null, false, false, null, 0);
    }

    /** A VLAN sub-interface (its parent is {@code iface().parent()}). */
    public boolean isVlan() {
        return iface.isVlan();
    }

    public String name() {
        return iface.name();
    }

    public boolean isBridge() {
        return iface.isBridge();
    }

    /** The bridge this TAP link's port is a member of, or null. */
    public Interface master() {
        return port != null && port.upper() != iface ? port.upper() : null;
    }
}
