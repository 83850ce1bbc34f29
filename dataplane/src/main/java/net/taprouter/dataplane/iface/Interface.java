package net.taprouter.dataplane.iface;

import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.table.ForwardingVersion;
import net.taprouter.dataplane.table.IndexedTable;

/**
 * An L3 interface of the router: what routes, next hops and neighbours refer to. It has a name, a
 * MAC (the source of the frames the router sends on it, the destination it accepts), an MTU, the
 * router's addresses on it and an up state; it stands on L2 {@link Port}s: a {@link
 * InterfaceKind#PORT PORT} interface on exactly one port (a TAP link: frames go out of that port),
 * a {@link InterfaceKind#BRIDGE BRIDGE} on its member ports (the worker's FDB picks the port of a
 * frame; unknown destinations are flooded). A port names the interface it belongs to with
 * {@link Port#upper()}. A {@link InterfaceKind#VLAN VLAN} interface is a sub-interface of a PORT
 * interface or of a VLAN-filtering bridge ({@link #parent()}): the parent's frames of its
 * {@link #vid()}, untagged on receive and tagged on transmit ({@link #l2()} is the interface whose
 * port or FDB carries them). A VLAN-filtering bridge's own frames are those of its pvid VLAN
 * ({@link #txVlan()}, as a Linux bridge's {@code self} port with default_pvid 1).
 *
 * <p>Immutable identity (index, kind, name, the port of a PORT interface); the mutable parts are
 * written by the control thread and read by the dataplane: MAC, MTU and state are volatile, the
 * address list and the member list are immutable arrays replaced on change.
 */
public final class Interface implements IndexedTable.Indexed {
    private static final InterfaceAddress[] NO_ADDRESSES = new InterfaceAddress[0];
    private static final Port[] NO_PORTS = new Port[0];
    private static final Interface[] NO_INTERFACES = new Interface[0];

    private final int index;
    private final InterfaceKind kind;
    private final String name;
    /** PORT: its one port; BRIDGE: null; VLAN: its parent's port (null over a bridge). */
    private final Port port;
    /** VLAN: the interface it is a sub-interface of; else null. */
    private final Interface parent;
    /** VLAN: its VLAN id; else 0. */
    private final int vid;
    /** BRIDGE: VLAN filtering on ({@code vlan_filtering 1}). */
    private volatile boolean vlanFiltering;
    /** PORT, BRIDGE: its VLAN sub-interfaces (the control thread replaces the array). */
    private volatile Interface[] vlanUppers = NO_INTERFACES;
    private volatile Port[] members = NO_PORTS;
    private volatile long mac;
    private volatile int mtu;
    /** BRIDGE: its own admin state (a PORT interface's is its port's). */
    private volatile boolean adminUp = true;
    private volatile InterfaceAddress[] addresses = NO_ADDRESSES;
    /** What {@link #isMartianSource} compares with: each address and its subnet's broadcast (kept with {@link #addresses}). */
    private volatile int[] martianSources = new int[0];

    private Interface(int index, InterfaceKind kind, String name, Port port, long mac, int mtu) {
        this(index, kind, name, port, null, 0, mac, mtu);
    }

    private Interface(int index, InterfaceKind kind, String name, Port port, Interface parent, int vid, long mac, int mtu) {
        this.index = index;
        this.kind = kind;
        this.name = name;
        this.port = port;
        this.parent = parent;
        this.vid = vid;
        this.mac = mac;
        this.mtu = mtu;
    }

    /** The PORT interface of {@code port} (same name); the port's {@link Port#upper()} becomes it. */
    public static Interface forPort(int index, Port port, long mac, int mtu) {
        Interface iface = new Interface(index, InterfaceKind.PORT, port.name(), port, mac, mtu);
        port.upper(iface);
        return iface;
    }

    /** A bridge interface with no member ports yet. */
    public static Interface bridge(int index, String name, long mac, int mtu) {
        return new Interface(index, InterfaceKind.BRIDGE, name, null, mac, mtu);
    }

    /**
     * A VLAN sub-interface of {@code parent} (a PORT or BRIDGE interface) for VLAN {@code vid}; it
     * is not in the parent's {@link #vlanUppers()} until the control thread adds it.
     */
    public static Interface vlan(int index, String name, Interface parent, int vid, long mac, int mtu) {
        if (parent.kind == InterfaceKind.VLAN) {
            throw new IllegalArgumentException("a VLAN interface over a VLAN interface");
        }
        return new Interface(index, InterfaceKind.VLAN, name, parent.port, parent, vid, mac, mtu);
    }

    @Override
    public int index() {
        return index;
    }

    public InterfaceKind kind() {
        return kind;
    }

    public boolean isBridge() {
        return kind == InterfaceKind.BRIDGE;
    }

    public String name() {
        return name;
    }

    public boolean isVlan() {
        return kind == InterfaceKind.VLAN;
    }

    /** A VLAN interface's parent; null for the others. */
    public Interface parent() {
        return parent;
    }

    /** A VLAN interface's VLAN id; 0 for the others. */
    public int vid() {
        return vid;
    }

    /** The interface whose port (or FDB) carries this one's frames: a VLAN interface's parent, else itself. */
    public Interface l2() {
        return parent != null ? parent : this;
    }

    /** A bridge's VLAN filtering ({@code vlan_filtering 1}); false for the others. */
    public boolean vlanFiltering() {
        return vlanFiltering;
    }

    public void vlanFiltering(boolean on) {
        this.vlanFiltering = on;
        ForwardingVersion.changed();
    }

    /**
     * The VLAN of the frames this interface sends and receives on its {@link #l2()}: a VLAN
     * interface's id; a VLAN-filtering bridge's pvid ({@code PortVlans.DEFAULT_PVID}, as a Linux
     * bridge's own port); else 0 (untagged, no VLAN).
     */
    public int txVlan() {
        if (parent != null) {
            return vid;
        }
        return vlanFiltering ? net.taprouter.dataplane.l2.PortVlans.DEFAULT_PVID : 0;
    }

    /** A PORT or BRIDGE interface's VLAN sub-interfaces. */
    public Interface[] vlanUppers() {
        return vlanUppers;
    }

    public void vlanUppers(Interface[] uppers) {
        this.vlanUppers = uppers;
        ForwardingVersion.changed();
    }

    /** The VLAN sub-interface of this interface for {@code vid}, or null (a scan: a port has few). */
    public Interface vlanUpper(int vid) {
        for (Interface upper : vlanUppers) {
            if (upper.vid == vid) {
                return upper;
            }
        }
        return null;
    }

    /** The port of a PORT interface (and of a VLAN interface over one); null for a bridge. */
    public Port port() {
        return port;
    }

    /** A bridge's member ports (control thread replaces the array); empty for a PORT interface. */
    public Port[] members() {
        return members;
    }

    public void members(Port[] ports) {
        this.members = ports;
        ForwardingVersion.changed();
    }

    public long mac() {
        return mac;
    }

    public void mac(long mac) {
        this.mac = mac;
        ForwardingVersion.changed();
    }

    public int mtu() {
        return mtu;
    }

    public void mtu(int mtu) {
        this.mtu = mtu;
        ForwardingVersion.changed();
    }

    /** Administratively up: a PORT interface's is its port's ({@code link set NAME up|down}). */
    public boolean adminUp() {
        return kind == InterfaceKind.PORT ? port.adminUp() : adminUp;
    }

    public void adminUp(boolean up) {
        if (kind == InterfaceKind.PORT) {
            port.adminUp(up);
        } else {
            this.adminUp = up;
        }
        ForwardingVersion.changed();
    }

    /**
     * Usable: a PORT interface when its port is up (admin up, TAP working); a bridge when admin
     * up; a VLAN interface when admin up and its parent is usable.
     */
    public boolean isUp() {
        return switch (kind) {
            case PORT -> port.isUp();
            case BRIDGE -> adminUp;
            case VLAN -> adminUp && parent.isUp();
        };
    }

    public InterfaceAddress[] addresses() {
        return addresses;
    }

    public void addresses(InterfaceAddress[] addresses) {
        int[] martians = new int[addresses.length * 2];
        for (int i = 0; i < addresses.length; i++) {
            martians[2 * i] = addresses[i].address();
            martians[2 * i + 1] = addresses[i].broadcast();
        }
        this.martianSources = martians; // before the addresses: a reader of the new addresses sees their martians
        this.addresses = addresses;
        ForwardingVersion.changed();
    }

    /** True if {@code address} is one of this interface's own addresses. */
    public boolean ownsAddress(int address) {
        for (InterfaceAddress a : addresses) {
            if (a.address() == address) {
                return true;
            }
        }
        return false;
    }

    /** The interface's address on the subnet containing {@code peer}; else its first address; else 0. */
    public int sourceAddressFor(int peer) {
        InterfaceAddress[] list = addresses;
        for (InterfaceAddress a : list) {
            if (a.contains(peer)) {
                return a.address();
            }
        }
        return list.length > 0 ? list[0].address() : 0;
    }

    /**
     * True if a packet arriving on this interface cannot really come from {@code source}: it is one
     * of the interface's own addresses or the directed broadcast of one of its subnets.
     */
    public boolean isMartianSource(int source) {
        for (int martian : martianSources) { // per packet: a plain int array, no object per address to load
            if (martian == source) {
                return true;
            }
        }
        return false;
    }

    /** True if {@code peer} is on one of this interface's connected subnets. */
    public boolean isOnLink(int peer) {
        for (InterfaceAddress a : addresses) {
            if (a.contains(peer)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return name + "(" + kind + " " + index + ")";
    }
}
