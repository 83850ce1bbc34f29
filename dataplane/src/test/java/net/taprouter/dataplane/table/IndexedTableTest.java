package net.taprouter.dataplane.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortTable;
import org.junit.jupiter.api.Test;

/** The copy-on-write tables of ports and interfaces: an index stays reserved until its removal finished. */
class IndexedTableTest {
    @Test
    void anUnpublishedIndexIsReservedUntilReleased() {
        PortTable ports = new PortTable();
        Port a = new Port(ports.freeIndex(), "a", null, null);
        ports.put(a);
        assertEquals(1, ports.freeIndex());
        Port[] before = ports.snapshot();
        assertTrue(ports.unpublish(a));
        assertNull(ports.get(0));
        assertSame(a, before[0], "readers of the old snapshot still see the port (copy on write)");
        assertEquals(1, ports.freeIndex(), "index 0 is reserved while its removal goes on");
        Port b = new Port(1, "b", null, null);
        ports.put(b);
        assertFalse(ports.unpublish(new Port(1, "not b", null, null)), "only the port at its index is unpublished");
        assertSame(b, ports.get(1));
        ports.release(0);
        assertEquals(0, ports.freeIndex());
    }

    @Test
    void putAgainEndsTheReservation() {
        InterfaceTable interfaces = new InterfaceTable();
        Interface br = Interface.bridge(0, "br0", 0x0200_0000_0001L, 1500);
        interfaces.put(br);
        interfaces.unpublish(br);
        assertEquals(1, interfaces.freeIndex());
        interfaces.put(br); // a rolled-back link del
        assertSame(br, interfaces.get(0));
        assertEquals(1, interfaces.freeIndex());
        assertThrows(IllegalArgumentException.class,
            () -> interfaces.put(Interface.bridge(InterfaceTable.MAX_INTERFACES, "x", 1, 1500)));
    }

    @Test
    void aPortInterfaceDelegatesItsStateToItsPort() {
        Port port = new Port(3, "gw0", null, null);
        Interface iface = Interface.forPort(7, port, 0x0200_0000_0002L, 1500);
        assertSame(iface, port.upper());
        assertEquals("gw0", iface.name());
        iface.adminUp(false);
        assertFalse(port.adminUp());
        port.adminUp(true);
        port.markCarrierLost();
        assertFalse(iface.isUp());
        assertTrue(iface.adminUp());
    }
}
