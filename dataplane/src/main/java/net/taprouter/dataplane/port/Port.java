package net.taprouter.dataplane.port;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.l2.PortVlans;
import net.taprouter.dataplane.table.ForwardingVersion;
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
    /** The device's queues (one fd each): {@code [0, rxQueues)} read and written, the rest written only. */
    private volatile FrameIo[] queues;
    private final int rxQueues;
    private final PortCounters counters;
    private volatile boolean adminUp = true;
    private volatile boolean carrierLost;
    private volatile Interface upper;
    private volatile PortVlans vlans = PortVlans.DEFAULT;

    public Port(int index, String name, FrameIo tap, PortCounters counters) {
        this(index, name, new FrameIo[] {tap}, 1, counters);
    }

    /**
     * A port over a multi-queue device: {@code queues[0, rxQueues)} are its queues (read, and
     * written), the others are written only (a TAP's detached queues: see
     * {@code TapDevice.openQueues}). Which worker uses which queue: {@link #rxQueue},
     * {@link #txQueue}.
     */
    public Port(int index, String name, FrameIo[] queues, int rxQueues, PortCounters counters) {
        if (queues.length == 0 || rxQueues < 1) {
            throw new IllegalArgumentException("port " + name + ": " + rxQueues + " queues of " + queues.length);
        }
        this.index = index;
        this.name = name;
        this.queues = queues.clone();
        this.rxQueues = rxQueues;
        this.counters = counters;
    }

    @Override
    public int index() {
        return index;
    }

    public String name() {
        return name;
    }

    /** The port's device (its TAP; its first queue if it has several); replaced when a lost port is revived. */
    public FrameIo tap() {
        return queues[0];
    }

    /** Control thread: a new device for a lost port (see Dataplane.revivePort). */
    public void device(FrameIo device) {
        devices(new FrameIo[] {device});
    }

    /**
     * Control thread: the new queues of a lost port's device (as many as before, or one: an
     * absent device).
     */
    public void devices(FrameIo[] devices) {
        if (devices.length == 0) {
            throw new IllegalArgumentException("no device");
        }
        this.queues = devices.clone();
        ForwardingVersion.changed();
    }

    /** The queues the port was made with (the device's own, read by the workers; {@code link show}: queues N). */
    public int rxQueues() {
        return rxQueues;
    }

    /** The queues to read now: {@link #rxQueues()}, or fewer while the device has fewer fds (an absent device: one). */
    public int readQueues() {
        return Math.min(rxQueues, queues.length);
    }

    /** Every fd of the device: its queues, then the transmit-only ones (a snapshot: replaced whole on revive). */
    public FrameIo[] queues() {
        return queues.clone();
    }

    /**
     * Queue {@code q} of the device ({@code q < rxQueues()}), or the single device if it has
     * fewer (an absent device, an in-memory one).
     */
    public FrameIo rxQueue(int q) {
        FrameIo[] all = queues;
        return q < all.length ? all[q] : all[0];
    }

    /**
     * The fd worker {@code worker} writes on: its own one (fd {@code worker mod fds}; routerd
     * opens at least as many fds as workers, so no two workers write on one fd).
     */
    public FrameIo txQueue(int worker) {
        FrameIo[] all = queues;
        return all[worker % all.length];
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
        ForwardingVersion.changed();
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
        ForwardingVersion.changed();
    }

    public boolean adminUp() {
        return adminUp;
    }

    public void adminUp(boolean up) {
        this.adminUp = up;
        ForwardingVersion.changed();
    }

    /** True once the TAP reported an error (its namespace vanished); the port stays down. */
    public boolean carrierLost() {
        return carrierLost;
    }

    public void markCarrierLost() {
        this.carrierLost = true;
        ForwardingVersion.changed();
    }

    /** Control thread: the port has a working device again. */
    public void carrierRestored() {
        this.carrierLost = false;
        ForwardingVersion.changed();
    }

    /** Forwarding uses the port only when it is administratively up and its TAP works. */
    public boolean isUp() {
        return adminUp && !carrierLost;
    }
}
