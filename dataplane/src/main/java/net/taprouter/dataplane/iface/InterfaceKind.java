package net.taprouter.dataplane.iface;

/** What an L3 interface stands on. */
public enum InterfaceKind {
    /** One L2 port (a TAP): frames in and out of that port only. */
    PORT,
    /** A learning bridge over member ports: the egress port of a frame comes from its FDB. */
    BRIDGE,
    /**
     * An 802.1Q sub-interface ({@code link add gw0.10 link gw0 type vlan id 10}): the frames of its
     * parent (a PORT interface or a VLAN-filtering bridge) tagged with its VLAN id; tagged on
     * transmit, untagged on receive.
     */
    VLAN
}
