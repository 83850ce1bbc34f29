package net.taprouter.dataplane.port;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.l2.PortVlans;
import net.taprouter.dataplane.table.IndexedTable;

/**
 * An L2 router port: the routerd end of a TAP device whose kernel end is a host's NIC. It moves
 * frames: its device, its counters, its admin and carrier state, and the L3 interface it belongs
 * to ({@link #upper()}: its own PORT interface, or the bridge it is a member of). MAC, MTU and
 * addresses are the interface's ({@link Interface}).
 *
 * <p>Immutable identity (index, name); the device is replaced only when a lost port is revived;
 * state and upper are volatile, written by the control thread and read by the dataplane.
 */
public final class Port implements IndexedTable.Indexed {
    private final int index;
    private final String name;
    private volatile FrameIo tap;
    private final PortCounters counters;
    private volatile boolean adminUp = true;
    private volatile boolean carrierLost;
    private volatile Interface upper;
    private volatile PortVlans vlans = PortVlans.DEFAULT;

    public Port(int index, String name, FrameIo tap, PortCounters counters) {
        this.index = index;
        this.name = name;
        this.tap = tap;
        this.counters = counters;
    }

    @Override
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

    /** The L3 interface whose frames this port carries: its own PORT interface, or its bridge. */
    public Interface upper() {
        return upper;
    }

    /** Control thread: the port joins (or leaves, back to its own interface) a bridge. */
    public void upper(Interface iface) {
        this.upper = iface;
    }

    /**
     * The port's VLANs as a bridge port ({@code bridge vlan}): used while its bridge filters VLANs.
     * Starts as VLAN 1 pvid untagged; the control thread replaces it (immutable, one store).
     */
    public PortVlans vlans() {
        return vlans;
    }

    public void vlans(PortVlans vlans) {
        this.vlans = vlans;
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
}
