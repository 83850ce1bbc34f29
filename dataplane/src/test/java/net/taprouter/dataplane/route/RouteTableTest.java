package net.taprouter.dataplane.route;

import static net.taprouter.dataplane.route.RouteTable.NO_ROUTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class RouteTableTest {

    static int ip(String dotted) {
        String[] p = dotted.split("\\.");
        return (Integer.parseInt(p[0]) << 24) | (Integer.parseInt(p[1]) << 16) | (Integer.parseInt(p[2]) << 8)
                | Integer.parseInt(p[3]);
    }

    private static RouteTable table() {
        return new RouteTable(16, GracePeriod.NONE);
    }

    private static List<String> dump(RouteTable t) {
        List<String> out = new ArrayList<>();
        t.forEach((prefix, length, nextHop) -> out.add(PrefixFile.format(prefix, length) + "=" + nextHop));
        return out;
    }

    @Test
    void heldChangesReachLookupsOnlyWhenPublished() {
        RouteTable t = table();
        t.add(ip("10.0.0.0"), 8, 1);
        t.holdPublication();
        t.add(ip("10.1.2.0"), 24, 2);
        t.add(ip("10.1.2.128"), 25, 3);
        t.add(ip("11.0.0.0"), 8, 4);
        t.add(ip("10.1.2.0"), 24, 5); // a /16 changed twice is published once, with its last state
        assertEquals(5, t.get(ip("10.1.2.0"), 24));
        assertEquals(4, t.size());
        assertEquals(1, t.lookup(ip("10.1.2.1")), "held: readers still see the table as before");
        assertEquals(1, t.lookup(ip("10.1.2.200")));
        assertEquals(NO_ROUTE, t.lookup(ip("11.2.3.4")));
        t.publishHeld();
        assertFalse(t.holdingPublication());
        assertEquals(5, t.lookup(ip("10.1.2.1")));
        assertEquals(3, t.lookup(ip("10.1.2.200")));
        assertEquals(4, t.lookup(ip("11.2.3.4")));
        assertEquals(1, t.lookup(ip("10.9.9.9")));
        t.checkInvariants();
        // removing the only prefix longer than /24 of a /24 unlinks its group at once, even while held
        t.holdPublication();
        assertTrue(t.remove(ip("10.1.2.128"), 25));
        assertEquals(5, t.lookup(ip("10.1.2.200")));
        assertEquals(1, t.tbl8GroupsPending());
        t.publishHeld();
        t.checkInvariants();
        t.add(ip("10.0.0.0"), 8, 6); // not held: at once
        assertEquals(6, t.lookup(ip("10.9.9.9")));
    }

    @Test
    void emptyTableHasNoRoutes() {
        RouteTable t = table();
        assertEquals(0, t.size());
        for (int a : new int[] {0, -1, ip("10.1.2.3"), ip("128.0.0.0"), ip("127.255.255.255")}) {
            assertEquals(NO_ROUTE, t.lookup(a));
        }
        assertEquals(NO_ROUTE, t.get(0, 0));
        assertEquals(0, t.tbl8GroupsInUse());
        t.checkInvariants();
    }

    @Test
    void defaultRouteMatchesEverything() {
        RouteTable t = table();
        t.add(0, 0, 7);
        assertEquals(1, t.size());
        assertEquals(7, t.get(0, 0));
        for (int a : new int[] {0, -1, ip("10.1.2.3"), ip("128.0.0.0"), ip("127.255.255.255")}) {
            assertEquals(7, t.lookup(a));
        }
        t.add(ip("10.0.0.0"), 8, 8);
        assertEquals(8, t.lookup(ip("10.200.0.1")));
        assertEquals(7, t.lookup(ip("11.0.0.0")));
        assertTrue(t.remove(0, 0));
        assertEquals(NO_ROUTE, t.lookup(ip("11.0.0.0")));
        assertEquals(8, t.lookup(ip("10.200.0.1")));
        assertFalse(t.remove(0, 0));
        t.checkInvariants();
    }

    @Test
    void hostRouteMatchesOnlyItsAddress() {
        RouteTable t = table();
        int a = ip("192.0.2.1");
        t.add(a, 32, 3);
        assertEquals(3, t.lookup(a));
        assertEquals(NO_ROUTE, t.lookup(a - 1));
        assertEquals(NO_ROUTE, t.lookup(a + 1));
        assertEquals(1, t.tbl8GroupsInUse());
        // edges of the address space and the sign bit
        t.add(0, 32, 10);
        t.add(-1, 32, 11);
        t.add(ip("128.0.0.0"), 32, 12);
        t.add(ip("127.255.255.255"), 32, 13);
        assertEquals(10, t.lookup(0));
        assertEquals(11, t.lookup(-1));
        assertEquals(12, t.lookup(ip("128.0.0.0")));
        assertEquals(13, t.lookup(ip("127.255.255.255")));
        assertEquals(NO_ROUTE, t.lookup(1));
        assertEquals(NO_ROUTE, t.lookup(-2));
        assertEquals(5, t.tbl8GroupsInUse());
        t.checkInvariants();
    }

    @Test
    void longestPrefixWinsInAnyInsertionOrder() {
        String[][] routes = {
            {"10.0.0.0", "8", "1"}, {"10.1.0.0", "16", "2"}, {"10.1.2.0", "24", "3"}, {"10.1.2.0", "25", "4"},
            {"10.1.2.64", "26", "5"}, {"10.1.2.80", "28", "6"}, {"10.1.2.85", "32", "7"}, {"0.0.0.0", "1", "9"},
        };
        for (int rotation = 0; rotation < routes.length; rotation++) {
            for (boolean reverse : new boolean[] {false, true}) {
                RouteTable t = table();
                for (int k = 0; k < routes.length; k++) {
                    int idx = (rotation + (reverse ? routes.length - k : k)) % routes.length;
                    String[] r = routes[idx];
                    t.add(ip(r[0]), Integer.parseInt(r[1]), Integer.parseInt(r[2]));
                }
                assertEquals(9, t.lookup(ip("9.255.255.255")));
                assertEquals(1, t.lookup(ip("10.0.0.0")));
                assertEquals(1, t.lookup(ip("10.2.0.0")));
                assertEquals(2, t.lookup(ip("10.1.0.0")));
                assertEquals(2, t.lookup(ip("10.1.255.255")));
                assertEquals(3, t.lookup(ip("10.1.2.128")));
                assertEquals(3, t.lookup(ip("10.1.2.255")));
                assertEquals(4, t.lookup(ip("10.1.2.0")));
                assertEquals(4, t.lookup(ip("10.1.2.63")));
                assertEquals(5, t.lookup(ip("10.1.2.64")));
                assertEquals(5, t.lookup(ip("10.1.2.79")));
                assertEquals(6, t.lookup(ip("10.1.2.80")));
                assertEquals(6, t.lookup(ip("10.1.2.84")));
                assertEquals(7, t.lookup(ip("10.1.2.85")));
                assertEquals(6, t.lookup(ip("10.1.2.86")));
                assertEquals(6, t.lookup(ip("10.1.2.95")));
                assertEquals(5, t.lookup(ip("10.1.2.96")));
                assertEquals(5, t.lookup(ip("10.1.2.127")));
                assertEquals(NO_ROUTE, t.lookup(ip("128.0.0.0")));
                assertEquals(routes.length, t.size());
                assertEquals(1, t.tbl8GroupsInUse());
            }
        }
    }

    @Test
    void removeRestoresTheNextCoveringPrefix() {
        RouteTable t = table();
        t.add(ip("10.0.0.0"), 8, 1);
        t.add(ip("10.1.0.0"), 16, 2);
        t.add(ip("10.1.2.0"), 24, 3);
        t.add(ip("10.1.2.0"), 28, 4);
        t.add(ip("10.1.2.5"), 32, 5);

        assertTrue(t.remove(ip("10.1.2.0"), 24)); // cover of a tbl8 group goes away, the group stays
        assertEquals(2, t.lookup(ip("10.1.2.200")));
        assertEquals(4, t.lookup(ip("10.1.2.4")));
        assertEquals(5, t.lookup(ip("10.1.2.5")));
        assertEquals(1, t.tbl8GroupsInUse());

        assertTrue(t.remove(ip("10.1.2.0"), 28)); // /32 left in the group, its cover is now the /16
        assertEquals(2, t.lookup(ip("10.1.2.4")));
        assertEquals(5, t.lookup(ip("10.1.2.5")));
        assertEquals(1, t.tbl8GroupsInUse());

        assertTrue(t.remove(ip("10.1.2.5"), 32)); // last long prefix: the group is unlinked
        assertEquals(2, t.lookup(ip("10.1.2.5")));
        assertEquals(0, t.tbl8GroupsInUse());
        assertEquals(1, t.tbl8GroupsPending());

        assertTrue(t.remove(ip("10.1.0.0"), 16));
        assertEquals(1, t.lookup(ip("10.1.2.5")));
        assertTrue(t.remove(ip("10.0.0.0"), 8));
        assertEquals(NO_ROUTE, t.lookup(ip("10.1.2.5")));
        assertEquals(0, t.size());
        t.checkInvariants();
    }

    @Test
    void removeLongPrefixRestoresLongerCover() {
        RouteTable t = table();
        t.add(ip("10.1.2.0"), 25, 1);
        t.add(ip("10.1.2.0"), 27, 2);
        t.add(ip("10.1.2.0"), 30, 3);
        assertTrue(t.remove(ip("10.1.2.0"), 27));
        assertEquals(3, t.lookup(ip("10.1.2.1")));
        assertEquals(1, t.lookup(ip("10.1.2.4")));
        assertEquals(1, t.lookup(ip("10.1.2.31")));
        assertEquals(NO_ROUTE, t.lookup(ip("10.1.2.128")));
        assertTrue(t.remove(ip("10.1.2.0"), 25));
        assertEquals(3, t.lookup(ip("10.1.2.1")));
        assertEquals(NO_ROUTE, t.lookup(ip("10.1.2.4")));
        assertTrue(t.remove(ip("10.1.2.0"), 30));
        assertEquals(NO_ROUTE, t.lookup(ip("10.1.2.1")));
        assertEquals(0, t.tbl8GroupsInUse());
        t.checkInvariants();
    }

    @Test
    void removeAbsentReturnsFalseAndChangesNothing() {
        RouteTable t = table();
        t.add(ip("10.0.0.0"), 8, 1);
        t.add(ip("10.1.2.128"), 25, 2);
        assertFalse(t.remove(ip("10.0.0.0"), 9));
        assertFalse(t.remove(ip("10.1.2.0"), 25));
        assertFalse(t.remove(ip("10.1.2.128"), 26));
        assertFalse(t.remove(ip("11.0.0.0"), 8));
        assertEquals(2, t.size());
        assertEquals(1, t.lookup(ip("10.1.2.1")));
        assertEquals(2, t.lookup(ip("10.1.2.129")));
        assertTrue(t.remove(ip("10.1.2.128"), 25));
        assertFalse(t.remove(ip("10.1.2.128"), 25));
        t.checkInvariants();
    }

    @Test
    void addReplacesTheNextHopOfAnIdenticalPrefix() {
        RouteTable t = table();
        t.add(ip("10.0.0.0"), 8, 1);
        t.add(ip("10.1.0.0"), 16, 2);
        t.add(ip("10.1.2.128"), 25, 3);
        t.add(ip("10.0.0.0"), 8, 11);
        t.add(ip("10.1.2.128"), 25, 13);
        t.add(ip("10.1.2.128"), 25, 13); // same again: no-op
        assertEquals(3, t.size());
        assertEquals(11, t.get(ip("10.0.0.0"), 8));
        assertEquals(13, t.get(ip("10.1.2.128"), 25));
        assertEquals(11, t.lookup(ip("10.2.0.0")));
        assertEquals(2, t.lookup(ip("10.1.0.0")));      // the longer prefix keeps winning
        assertEquals(2, t.lookup(ip("10.1.2.0")));
        assertEquals(13, t.lookup(ip("10.1.2.200")));
        t.add(ip("10.1.0.0"), 16, 12);
        assertEquals(12, t.lookup(ip("10.1.2.0")));     // replaced inside the tbl8 group too
        assertEquals(13, t.lookup(ip("10.1.2.200")));
        assertEquals(1, t.tbl8GroupsInUse());
        t.checkInvariants();
    }

    @Test
    void tbl8GroupsAreCreatedFreedAndReusedAfterAGracePeriod() {
        AtomicInteger awaits = new AtomicInteger();
        RouteTable t = new RouteTable(3, awaits::incrementAndGet);
        assertEquals(3, t.tbl8GroupCapacity());
        t.add(ip("10.0.0.0"), 8, 1);
        t.add(ip("10.0.1.0"), 25, 2);
        t.add(ip("10.0.1.128"), 26, 3);           // same /24: same group
        assertEquals(1, t.tbl8GroupsInUse());
        t.add(ip("10.0.2.7"), 32, 4);
        t.add(ip("10.0.3.7"), 32, 5);
        assertEquals(3, t.tbl8GroupsInUse());

        assertTrue(t.remove(ip("10.0.1.0"), 25));   // group of 10.0.1 still holds the /26
        assertEquals(3, t.tbl8GroupsInUse());
        assertTrue(t.remove(ip("10.0.1.128"), 26));
        assertTrue(t.remove(ip("10.0.2.7"), 32));
        assertEquals(1, t.tbl8GroupsInUse());
        assertEquals(2, t.tbl8GroupsPending());
        assertEquals(1, t.lookup(ip("10.0.1.130")));
        assertEquals(1, t.lookup(ip("10.0.2.7")));
        assertEquals(0, awaits.get());
        t.checkInvariants();

        t.add(ip("10.0.4.0"), 30, 6);               // free list empty, two pending: one grace period
        assertEquals(1, awaits.get());
        assertEquals(1, t.gracePeriodsAwaited());
        assertEquals(0, t.tbl8GroupsPending());
        assertEquals(2, t.tbl8GroupsInUse());
        t.add(ip("10.0.5.0"), 30, 7);               // the other recycled group: no further wait
        assertEquals(1, awaits.get());
        assertEquals(3, t.tbl8GroupsInUse());
        assertEquals(6, t.lookup(ip("10.0.4.3")));
        assertEquals(1, t.lookup(ip("10.0.4.4")));  // recycled group was refilled completely
        assertEquals(7, t.lookup(ip("10.0.5.0")));
        assertEquals(1, t.lookup(ip("10.0.5.200")));
        assertEquals(5, t.lookup(ip("10.0.3.7")));
        t.checkInvariants();
    }

    @Test
    void fullTableThrowsAndLeavesTheTableUnchanged() {
        RouteTable t = new RouteTable(2, GracePeriod.NONE);
        t.add(ip("10.0.0.0"), 8, 1);
        t.add(ip("10.0.1.0"), 25, 2);
        t.add(ip("10.0.2.0"), 25, 3);
        List<String> before = dump(t);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.add(ip("10.0.3.0"), 25, 4));
        assertEquals("route table full: no free tbl8 group (capacity 2)", e.getMessage());
        assertEquals(before, dump(t));
        assertEquals(3, t.size());
        assertEquals(NO_ROUTE, t.get(ip("10.0.3.0"), 25));
        assertEquals(1, t.lookup(ip("10.0.3.0")));
        assertEquals(2, t.tbl8GroupsInUse());
        t.checkInvariants();

        // prefixes that need no new group still go in
        t.add(ip("10.0.1.128"), 25, 5);
        t.add(ip("10.0.3.0"), 24, 6);
        assertEquals(5, t.lookup(ip("10.0.1.200")));
        assertEquals(6, t.lookup(ip("10.0.3.0")));

        // a table with no groups at all
        RouteTable none = new RouteTable(0, GracePeriod.NONE);
        none.add(0, 0, 1);
        IllegalStateException e0 = assertThrows(IllegalStateException.class, () -> none.add(ip("1.2.3.4"), 32, 2));
        assertEquals("route table full: no free tbl8 group (capacity 0)", e0.getMessage());
        assertEquals(1, none.size());
        assertEquals(1, none.lookup(ip("1.2.3.4")));
    }

    @Test
    void fullTableWithPendingGroupsWaitsOnceThenReuses() {
        AtomicInteger awaits = new AtomicInteger();
        RouteTable t = new RouteTable(1, awaits::incrementAndGet);
        t.add(ip("10.0.1.0"), 25, 2);
        assertTrue(t.remove(ip("10.0.1.0"), 25));
        assertEquals(1, t.tbl8GroupsPending());
        t.add(ip("10.0.2.0"), 25, 3);
        assertEquals(1, awaits.get());
        assertEquals(3, t.lookup(ip("10.0.2.1")));
        assertEquals(NO_ROUTE, t.lookup(ip("10.0.2.128")));
        assertEquals(NO_ROUTE, t.lookup(ip("10.0.1.1")));
        assertThrows(IllegalStateException.class, () -> t.add(ip("10.0.3.0"), 25, 4));
        assertEquals(1, awaits.get()); // nothing pending: no wait
    }

    @Test
    void nextHopRange() {
        RouteTable t = table();
        t.add(ip("10.0.0.0"), 8, RouteTable.MAX_NEXT_HOP);
        t.add(ip("10.0.0.0"), 32, 0);
        t.add(ip("10.0.0.1"), 32, RouteTable.MAX_NEXT_HOP);
        assertEquals(RouteTable.MAX_NEXT_HOP, t.lookup(ip("10.9.9.9")));
        assertEquals(0, t.lookup(ip("10.0.0.0")));
        assertEquals(RouteTable.MAX_NEXT_HOP, t.lookup(ip("10.0.0.1")));
        assertEquals(RouteTable.MAX_NEXT_HOP, t.lookup(ip("10.0.0.2")));
        assertTrue(RouteTable.MAX_NEXT_HOP >= (1 << 20) - 1);
    }

    @Test
    void badArgumentsAreRejected() {
        RouteTable t = table();
        assertThrows(IllegalArgumentException.class, () -> t.add(0, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> t.add(0, 33, 1));
        assertThrows(IllegalArgumentException.class, () -> t.add(ip("10.0.0.1"), 24, 1));
        assertThrows(IllegalArgumentException.class, () -> t.add(ip("11.0.0.0"), 7, 1));
        assertThrows(IllegalArgumentException.class, () -> t.add(1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> t.add(ip("10.0.0.0"), 8, -1));
        assertThrows(IllegalArgumentException.class, () -> t.add(ip("10.0.0.0"), 8, RouteTable.MAX_NEXT_HOP + 1));
        assertThrows(IllegalArgumentException.class, () -> t.add(ip("10.0.0.0"), 8, Integer.MIN_VALUE));
        assertThrows(IllegalArgumentException.class, () -> t.remove(ip("10.0.0.1"), 24));
        assertThrows(IllegalArgumentException.class, () -> t.remove(0, 33));
        assertThrows(IllegalArgumentException.class, () -> t.get(ip("10.0.0.1"), 31));
        assertThrows(IllegalArgumentException.class, () -> t.get(0, -1));
        assertThrows(IllegalArgumentException.class, () -> new RouteTable(-1, GracePeriod.NONE));
        assertThrows(NullPointerException.class, () -> new RouteTable(1, null));
        assertEquals(0, t.size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.add(ip("10.0.0.1"), 24, 1));
        assertTrue(e.getMessage().contains("10.0.0.1/24"), e.getMessage());
    }

    @Test
    void forEachOrdersByUnsignedPrefixThenLength() {
        RouteTable t = table();
        t.add(ip("200.0.0.0"), 8, 1);
        t.add(ip("10.0.0.0"), 8, 2);
        t.add(ip("10.0.0.0"), 16, 3);
        t.add(ip("10.0.0.0"), 32, 4);
        t.add(0, 0, 5);
        t.add(ip("128.0.0.0"), 1, 6);
        t.add(ip("10.0.0.128"), 25, 7);
        t.add(-1, 32, RouteTable.MAX_NEXT_HOP);
        assertEquals(List.of("0.0.0.0/0=5", "10.0.0.0/8=2", "10.0.0.0/16=3", "10.0.0.0/32=4", "10.0.0.128/25=7",
                "128.0.0.0/1=6", "200.0.0.0/8=1", "255.255.255.255/32=" + RouteTable.MAX_NEXT_HOP), dump(t));

        // the visitor may modify the table
        t.forEach((prefix, length, nextHop) -> t.remove(prefix, length));
        assertEquals(0, t.size());
        assertEquals(List.of(), dump(t));
        assertEquals(0, t.tbl8GroupsInUse());
        t.checkInvariants();
    }
}
