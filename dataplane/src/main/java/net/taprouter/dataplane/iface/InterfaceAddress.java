package net.taprouter.dataplane.iface;

import net.taprouter.dataplane.wire.Ipv4Address;

/** A router address on an interface: {@code address/prefixLength}. Immutable. */
public record InterfaceAddress(int address, int prefixLength) {
    public int network() {
        return address & Ipv4Address.mask(prefixLength);
    }

    /** Directed broadcast of the subnet, or 0 for /31 and /32 (which have none). */
    public int broadcast() {
        return prefixLength >= 31 ? 0 : network() | ~Ipv4Address.mask(prefixLength);
    }

    public boolean contains(int other) {
        return (other & Ipv4Address.mask(prefixLength)) == network();
    }

    @Override
    public String toString() {
        return Ipv4Address.format(address) + "/" + prefixLength;
    }
}
