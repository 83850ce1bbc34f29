package net.taprouter.dataplane.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FdbTest {
    private static final long A = 0x00005e005301L;
    private static final long B = 0x00005e005302L;
    private static final long C = 0x00005e00ff03L;

    @Test
    void learnsAndLooksUpPerVlan() {
        Fdb fdb = new Fdb(16, 16, 4, 300_000);
        assertEquals(Fdb.NONE, fdb.lookup(0, A));
        assertEquals(Fdb.LEARNED, fdb.learn(0, A, 1, 1000));
        assertEquals(Fdb.KNOWN, fdb.learn(0, A, 1, 2000));
        assertEquals(1, fdb.lookup(0, A));
        assertEquals(Fdb.NONE, fdb.lookup(10, A), "another VLAN is another table");
        assertEquals(Fdb.LEARNED, fdb.learn(10, A, 2, 2000));
        assertEquals(2, fdb.lookup(10, A));
        assertEquals(1, fdb.lookup(0, A));
        assertEquals(2, fdb.size());
    }

    @Test
    void aHostThatMovesIsFoundOnItsNewPort() {
        Fdb fdb = new Fdb(16, 16, 4, 300_000);
        fdb.learn(0, A, 1, 0);
        assertEquals(Fdb.MOVED, fdb.learn(0, A, 3, 10));
        assertEquals(3, fdb.lookup(0, A));
        assertEquals(0, fdb.learned(1));
        assertEquals(1, fdb.learned(3));
    }

    @Test
    void entriesAgeOutIncrementally() {
        Fdb fdb = new Fdb(1024, 1024, 4, 5_000);
        fdb.learn(0, A, 1, 0);
        fdb.learn(0, B, 2, 4_000);
        fdb.addStatic(0, C, 3);
        int removed = 0;
        for (int i = 0; i < 2048 / 64 + 1; i++) {
            removed += fdb.age(6_000, 64);
        }
        assertEquals(1, removed);
        assertEquals(Fdb.NONE, fdb.lookup(0, A), "not seen for 6 s with 5 s ageing");
        assertEquals(2, fdb.lookup(0, B));
        assertEquals(3, fdb.lookup(0, C), "static entries never age");
    }

    @Test
    void oneCallLooksAtNoMoreThanItsBudget() {
        Fdb fdb = new Fdb(1024, 1024, 4, 1);
        for (int i = 0; i < 1000; i++) {
            fdb.learn(0, A + i, 1, 0);
        }
        assertTrue(fdb.age(10, 8) <= 8);
    }

    @Test
    void aFullTableLearnsNothingAndEvictsNothing() {
        Fdb fdb = new Fdb(4, 4, 4, 300_000);
        for (int i = 0; i < 4; i++) {
            assertEquals(Fdb.LEARNED, fdb.learn(0, A + i, 1 + i % 2, 0));
        }
        assertEquals(Fdb.FULL, fdb.learn(0, C + 100, 3, 0));
        assertEquals(Fdb.NONE, fdb.lookup(0, C + 100));
        for (int i = 0; i < 4; i++) {
            assertEquals(1 + i % 2, fdb.lookup(0, A + i));
        }
        assertFalse(fdb.addStatic(0, C + 200, 3));
    }

    @Test
    void aFloodingPortCannotTakeTheOthersShare() {
        Fdb fdb = new Fdb(1000, 100, 4, 300_000);
        int refused = 0;
        for (int i = 0; i < 100_000; i++) {
            if (fdb.learn(0, 0x020000000000L + i, 1, 0) == Fdb.PORT_LIMIT) {
                refused++;
            }
        }
        assertEquals(100_000 - 100, refused);
        assertEquals(Fdb.LEARNED, fdb.learn(0, A, 2, 0));
        assertEquals(Fdb.LEARNED, fdb.learn(0, B, 3, 0));
        assertEquals(102, fdb.size());
    }

    @Test
    void staticEntriesDoNotMove() {
        Fdb fdb = new Fdb(16, 16, 4, 300_000);
        fdb.learn(0, A, 1, 0);
        assertTrue(fdb.addStatic(0, A, 2));
        assertEquals(0, fdb.learned(1), "the learned entry became static");
        assertEquals(Fdb.STATIC_CONFLICT, fdb.learn(0, A, 3, 0));
        assertEquals(2, fdb.lookup(0, A));
        assertTrue(fdb.delete(0, A));
        assertFalse(fdb.delete(0, A));
    }

    @Test
    void flushByPortKeepsStaticUnlessAsked() {
        Fdb fdb = new Fdb(64, 64, 4, 300_000);
        for (int i = 0; i < 20; i++) {
            fdb.learn(0, A + i, i % 2, 0);
        }
        fdb.addStatic(0, C, 1);
        assertEquals(10, fdb.flush(1, false));
        assertEquals(1, fdb.lookup(0, C));
        assertEquals(11, fdb.size());
        assertEquals(11, fdb.flush(Fdb.NONE, true));
        assertEquals(0, fdb.size());
    }

    @Test
    void showsEveryEntryWithItsAge() {
        Fdb fdb = new Fdb(16, 16, 4, 300_000);
        fdb.learn(7, A, 1, 1234);
        fdb.addStatic(0, B, 2);
        List<String> seen = new ArrayList<>();
        fdb.forEach((vlan, mac, port, isStatic, lastSeen) -> seen.add(vlan + " " + Long.toHexString(mac) + " " + port + " "
            + isStatic + " " + lastSeen));
        seen.sort(null);
        assertEquals(List.of("0 5e005302 2 true 0", "7 5e005301 1 false 1234"), seen);
    }
}
