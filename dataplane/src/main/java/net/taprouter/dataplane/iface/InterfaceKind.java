package net.taprouter.dataplane.iface;

/** What an L3 interface stands on. */
public enum InterfaceKind {
    /** One L2 port (a TAP): frames in and out of that port only. */
    PORT,
    /** A learning bridge over member ports: the egress port of a frame comes from its FDB. */
    BRIDGE
}
