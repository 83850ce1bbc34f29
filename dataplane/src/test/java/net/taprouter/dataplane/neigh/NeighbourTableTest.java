package net.taprouter.dataplane.neigh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A full neighbour table (or port) makes room the way the kernel's forced GC does; its limits hold. */
class NeighbourTableTest {
    private final CounterFile file = CounterFile.create(null, 1024);
    private final DataplaneCounters counters = new DataplaneCounters(file);

    @AfterEach
    void close() {
        file.close();
    }

    private NeighbourTable table(int capacity, int perPort) {
        NeighbourTable t = new NeighbourTable(new NeighbourLimits(capacity, 2, 8, 4, 4, perPort));
        t.counters(counters);
        return t;
    }

    @Test
    void aFullTableEvictsTheLeastRecentlyUsedLearnedEntry() {
        NeighbourTable t = table(8, 8);
        int[] e = new int[8];
        for (int i = 0; i < 8; i++) {
            e[i] = t.create(0, 100 + i, NeighbourState.REACHABLE, 0, 0);
        }
        t.touch(e[0]); // in use: second chance
        int fresh = t.create(1, 999, NeighbourState.REACHABLE, 0, 0);
        assertTrue(fresh >= 0, "no room made");
        assertEquals(-1, t.find(0, 101), "the first unused entry goes");
        assertTrue(t.find(0, 100) >= 0, "the entry in use stays");
        assertEquals(1, counters.events(Event.NEIGHBOUR_EVICTED));
        assertEquals(8, t.size());
    }

    @Test
    void largeSlotsWaitingForArpHaveBoundsOfTheirOwn() {
        // 8 frames may wait in all, 4 per port; of 16 large slots (100..115) only 4 in all, 1 per port
        NeighbourTable t = new NeighbourTable(new NeighbourLimits(64, 2, 8, 4, 4, 64));
        t.largeSlots(100, 16);
        int[] dead = new int[8];
        for (int i = 0; i < dead.length; i++) {
            dead[i] = t.create(0, 200 + i, NeighbourState.INCOMPLETE, 0, 0);
        }
        assertEquals(NeighbourTable.QUEUED, t.enqueue(dead[0], 100, 1, false));
        assertEquals(NeighbourTable.QUEUE_PORT_LIMIT, t.enqueue(dead[1], 101, 1, false), "a second large slot from port 1");
        assertEquals(NeighbourTable.QUEUED, t.enqueue(dead[1], 7, 1, false), "small slots still have port 1's share");
        assertEquals(NeighbourTable.QUEUED, t.enqueue(dead[2], 102, 2, false));
        assertEquals(NeighbourTable.QUEUED, t.enqueue(dead[3], 103, 3, false));
        assertEquals(NeighbourTable.QUEUED, t.enqueue(dead[4], 104, 4, false));
        assertEquals(NeighbourTable.QUEUE_TOTAL_LIMIT, t.enqueue(dead[5], 105, 5, false), "a fifth large slot in all");
        assertEquals(NeighbourTable.QUEUED, t.enqueue(dead[5], 8, 5, false), "small slots still have room");
        t.dequeue(dead[0], 1, false); // port 1's large slot resumes: its share comes back
        assertEquals(NeighbourTable.QUEUED, t.enqueue(dead[6], 106, 1, false));
        assertEquals(6, t.queuedTotal());
    }

    @Test
    void permanentEntriesAndEntriesWithWaitingFramesAreNeverEvicted() {
        NeighbourTable t = table(4, 4);
        t.create(0, 1, NeighbourState.PERMANENT, 0, 0);
        int waiting = t.create(0, 2, NeighbourState.INCOMPLETE, 0, 0);
        assertEquals(NeighbourTable.QUEUED, t.enqueue(waiting, 7, 1, false));
        t.create(0, 3, NeighbourState.PERMANENT, 0, 0);
        t.create(0, 4, NeighbourState.PERMANENT, 0, 0);
        assertEquals(-1, t.create(1, 5, NeighbourState.REACHABLE, 0, 0), "nothing may be evicted");
        assertEquals(0, counters.events(Event.NEIGHBOUR_EVICTED));
        t.dequeue(waiting, 1, false);
        assertTrue(t.create(1, 5, NeighbourState.REACHABLE, 0, 0) >= 0, "the entry without frames may go now");
        assertEquals(-1, t.find(0, 2));
    }

    @Test
    void aPortAtItsLimitMakesRoomAmongItsOwnEntries() {
        NeighbourTable t = table(16, 4);
        int other = t.create(1, 50, NeighbourState.REACHABLE, 0, 0);
        for (int i = 0; i < 10; i++) {
            assertTrue(t.create(0, 100 + i, NeighbourState.REACHABLE, 0, 0) >= 0);
        }
        assertEquals(4, t.entries(0));
        assertEquals(other, t.find(1, 50), "another port's entry was evicted");
        assertEquals(6, counters.events(Event.NEIGHBOUR_EVICTED));
        assertTrue(t.find(0, 109) >= 0);
        // PERMANENT entries are not held to the per-port limit
        assertTrue(t.create(0, 200, NeighbourState.PERMANENT, 0, 0) >= 0);
        assertEquals(5, t.entries(0));
    }

    @Test
    void queueLimitsAndIncompleteCounts() {
        NeighbourTable t = table(16, 16); // 2 per neighbour, 4 per ingress port, 8 in all, 4 INCOMPLETE per port
        int a = t.create(1, 1, NeighbourState.INCOMPLETE, 0, 0);
        int b = t.create(1, 2, NeighbourState.INCOMPLETE, 0, 0);
        assertEquals(2, t.incomplete(1));
        assertEquals(NeighbourTable.QUEUED, t.enqueue(a, 1, 0, false));
        assertEquals(NeighbourTable.QUEUED, t.enqueue(a, 2, 0, false));
        assertEquals(NeighbourTable.QUEUE_FULL, t.enqueue(a, 3, 0, false));
        assertEquals(NeighbourTable.QUEUED, t.enqueue(b, 3, 0, false));
        assertEquals(NeighbourTable.QUEUED, t.enqueue(b, 4, 0, false));
        int c = t.create(1, 3, NeighbourState.INCOMPLETE, 0, 0);
        assertEquals(NeighbourTable.QUEUE_PORT_LIMIT, t.enqueue(c, 5, 0, false));
        assertEquals(NeighbourTable.QUEUED, t.enqueue(c, 5, -1, true), "router-originated frames have their own share");
        t.confirm(a, 0x0200_0000_0001L, 0, 0);
        assertEquals(2, t.incomplete(1));
        assertEquals(5, t.queuedTotal());
        assertEquals(1, t.queuedSlot(a), "oldest first");
        t.dequeue(a, 0, false);
        assertEquals(2, t.queuedSlot(a));
        t.dequeue(a, 0, false);
        assertEquals(2, t.queuedFrom(0));
        t.remove(a);
        assertEquals(2, t.entries(1));
    }
}
