package net.taprouter.dataplane.port;



/**
 * A router port: the routerd end of a TAP device whose kernel end is a host's NIC.
 *
 * <p>Immutable identity (index, name); the device is replaced only when a lost port is revived; the mutable parts (MAC, MTU, up/down, addresses) are
 * written by the control thread and read by the dataplane: MTU and state are volatile, the
 * address list is an immutable array replaced on change.
 */
public final class Port {
    private static final InterfaceAddress[] NO_ADDRESSES = new InterfaceAddress[0];

    private final int index;
    private final String name;
    private volatile FrameIo tap;
    private final PortCounters counters;
    private volatile long mac;
    private volatile int mtu;
    private volatile boolean adminUp = true;
    private volatile boolean carrierLost;
    private volatile InterfaceAddress[] addresses = NO_ADDRESSES;

    public Port(int index, String name, FrameIo tap, long mac, int mtu, PortCounters counters) {
        this.index = index;
        this.name = name;
        this.tap = tap;
        this.mac = mac;
        this.mtu = mtu;
        this.counters = counters;
    }

    public int index() {
        return index;
    }

    public String name() {
        return name;
    }

    /** The port's device (its TAP); replaced when a lost port is revived. */
    public FrameIo tap() {
        return tap;
    }

    /** Control thread: a new device for a lost port (see Dataplane.revivePort). */
    public void device(FrameIo device) {
        this.tap = device;
    }

    public PortCounters counters() {
        return counters;
    }

    public long mac() {
        return mac;
    }

    public void mac(long mac) {
        this.mac = mac;
    }

    public int mtu() {
        return mtu;
    }

    public void mtu(int mtu) {
        this.mtu = mtu;
    }

    public boolean adminUp() {
        return adminUp;
    }

    public void adminUp(boolean up) {
        this.adminUp = up;
    }

    /** True once the TAP reported an error (its namespace vanished); the port stays down. */
    public boolean carrierLost() {
        return carrierLost;
    }

    public void markCarrierLost() {
        this.carrierLost = true;
    }

    /** Control thread: the port has a working device again. */
    public void carrierRestored() {
        this.carrierLost = false;
    }

    /** Forwarding uses the port only when it is administratively up and its TAP works. */
    public boolean isUp() {
        return adminUp && !carrierLost;
    }

    public InterfaceAddress[] addresses() {
        return addresses;
    }

    public void addresses(InterfaceAddress[] addresses) {
        this.addresses = addresses;
    }

    /** True if {@code address} is one of this port's own addresses. */
    public boolean ownsAddress(int address) {
        for (InterfaceAddress a : addresses) {
            if (a.address() == address) {
                return true;
            }
        }
        return false;
    }

    /** The port's address on the subnet containing {@code peer}; else its first address; else 0. */
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
     * True if a packet arriving on this port cannot really come from {@code source}: it is one of
     * the port's own addresses or the directed broadcast of one of its subnets.
     */
    public boolean isMartianSource(int source) {
        for (InterfaceAddress a : addresses) {
            if (a.address() == source || a.broadcast() == source) {
                return true;
            }
        }
        return false;
    }

    /** True if {@code peer} is on one of this port's connected subnets. */
    public boolean isOnLink(int peer) {
        for (InterfaceAddress a : addresses) {
            if (a.contains(peer)) {
                return true;
            }
        }
        return false;
    }
}
