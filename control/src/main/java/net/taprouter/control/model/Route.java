package net.taprouter.control.model;

import net.taprouter.control.command.Prefix;
import net.taprouter.dataplane.iface.Interface;

/**
 * A route of the main table.
 *
 * @param prefix  destination network (host bits zero)
 * @param kernel  true for connected routes made by {@code addr add} (proto kernel)
 * @param gateway next-hop router, 0 for on-link routes
 * @param iface   egress L3 interface (a TAP link's own interface, or a bridge)
 * @param source  preferred source (connected routes), 0 if none
 * @param nextHop index in the dataplane's next-hop table
 */
public record Route(Prefix prefix, boolean kernel, int gateway, Interface iface, int source, int nextHop) {
}
