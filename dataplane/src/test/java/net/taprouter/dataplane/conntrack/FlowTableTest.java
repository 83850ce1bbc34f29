package net.taprouter.dataplane.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

class FlowTableTest {
    private static final int LAN = Ipv4Address.parse("192.0.2.1");
    private static final int WAN = Ipv4Address.parse("203.0.113.254");
    private static final int SERVER = Ipv4Address.parse("203.0.113.1");
    private static final int TCP = 6;
    private static final int UDP = 17;

    @Test
    void bothDirectionsFindTheFlow() {
        FlowTable table = new FlowTable(16);
        int flow = table.insert(LAN, SERVER, FlowTable.packPorts(40000, 80), SERVER, LAN, FlowTable.packPorts(80, 40000), TCP, 100);
        assertEquals(flow << 1 | FlowTable.ORIGINAL, table.lookup(LAN, SERVER, FlowTable.packPorts(40000, 80), TCP, 0));
        assertEquals(flow << 1 | FlowTable.REPLY, table.lookup(SERVER, LAN, FlowTable.packPorts(80, 40000), TCP, 0));
        assertEquals(FlowTable.NONE, table.lookup(LAN, SERVER, FlowTable.packPorts(40000, 80), UDP, 0), "other protocol");
        assertEquals(FlowTable.NONE, table.lookup(LAN, SERVER, FlowTable.packPorts(40001, 80), TCP, 0));
        assertEquals(1, table.size());
    }

    @Test
    void natRewritesTheReplyTuple() {
        FlowTable table = new FlowTable(16);
        int flow = table.insert(LAN, SERVER, FlowTable.packPorts(40000, 80), SERVER, LAN, FlowTable.packPorts(80, 40000), TCP, 100);
        table.replyTuple(flow, SERVER, WAN, FlowTable.packPorts(80, 1024));
        table.addFlags(flow, FlowTable.SRC_NAT);
        assertEquals(FlowTable.NONE, table.lookup(SERVER, LAN, FlowTable.packPorts(80, 40000), TCP, 0));
        assertEquals(flow << 1 | FlowTable.REPLY, table.lookup(SERVER, WAN, FlowTable.packPorts(80, 1024), TCP, 0));
        assertEquals(WAN, table.destination(flow, FlowTable.REPLY));
        assertEquals(FlowTable.packPorts(80, 1024), table.ports(flow, FlowTable.REPLY));
        assertEquals(FlowTable.SRC_NAT, table.flags(flow));
    }

    @Test
    void expiredFlowsAreNotFoundAndSweptIncrementally() {
        FlowTable table = new FlowTable(64);
        for (int i = 0; i < 10; i++) {
            table.insert(LAN, SERVER, FlowTable.packPorts(1000 + i, 53), SERVER, LAN, FlowTable.packPorts(53, 1000 + i), UDP, i < 5 ? 30 : 120);
        }
        assertEquals(FlowTable.NONE, table.lookup(LAN, SERVER, FlowTable.packPorts(1000, 53), UDP, 30), "expired at 30");
        assertNotEquals(FlowTable.NONE, table.lookup(LAN, SERVER, FlowTable.packPorts(1000, 53), UDP, 29));
        List<Integer> gone = new ArrayList<>();
        int removed = 0;
        for (int i = 0; i < 8; i++) {
            removed += table.sweep(60, 8, gone::add);
        }
        assertEquals(5, removed);
        assertEquals(5, gone.size());
        assertEquals(5, table.size());
        assertNotEquals(FlowTable.NONE, table.lookup(LAN, SERVER, FlowTable.packPorts(1009, 53), UDP, 60));
        assertTrue(table.sweep(60, 3, null) == 0, "a call looks at no more than its budget and finds nothing more");
    }

    @Test
    void fullTableRefusesThenEvictsOnlyNonAssuredNearTheNewTuple() {
        FlowTable table = new FlowTable(4);
        int[] flows = new int[4];
        for (int i = 0; i < 4; i++) {
            flows[i] = table.insert(LAN, SERVER, FlowTable.packPorts(2000 + i, 80), SERVER, LAN, FlowTable.packPorts(80, 2000 + i), TCP, 1000);
            table.addFlags(flows[i], FlowTable.ASSURED);
        }
        assertEquals(FlowTable.NONE, table.insert(LAN, SERVER, 1, SERVER, LAN, 2, TCP, 1000));
        assertEquals(FlowTable.NONE, table.evictNear(LAN, SERVER, 1, TCP, 0, table.indexSlots()),
            "assured flows are never evicted");
        table.state(flows[2], 3);
        assertEquals(3, table.state(flows[2]));
        flows[2] = flows[2]; // still assured
        FlowTable other = new FlowTable(4);
        for (int i = 0; i < 4; i++) {
            other.insert(LAN, SERVER, FlowTable.packPorts(2000 + i, 80), SERVER, LAN, FlowTable.packPorts(80, 2000 + i), TCP, 1000);
        }
        int evicted = other.evictNear(LAN, SERVER, 1, TCP, 0, other.indexSlots());
        assertNotEquals(FlowTable.NONE, evicted);
        assertEquals(3, other.size());
        assertNotEquals(FlowTable.NONE, other.insert(LAN, SERVER, 1, SERVER, LAN, 2, TCP, 1000));
    }

    @Test
    void countsPacketsAndBytesPerDirection() {
        FlowTable table = new FlowTable(4);
        int flow = table.insert(LAN, SERVER, 1, SERVER, LAN, 2, UDP, 100);
        table.account(flow, FlowTable.ORIGINAL, 1500);
        table.account(flow, FlowTable.ORIGINAL, Integer.MAX_VALUE);
        table.account(flow, FlowTable.REPLY, 60);
        assertEquals(2, table.packets(flow, FlowTable.ORIGINAL));
        assertEquals(1500L + Integer.MAX_VALUE, table.bytes(flow, FlowTable.ORIGINAL));
        assertEquals(60, table.bytes(flow, FlowTable.REPLY));
    }

    @Test
    void aFreedFlowNumberIsReusedCleanly() {
        FlowTable table = new FlowTable(1);
        int flow = table.insert(LAN, SERVER, 1, SERVER, LAN, 2, UDP, 100);
        table.addFlags(flow, FlowTable.ASSURED);
        table.account(flow, FlowTable.REPLY, 60);
        int id = table.id(flow);
        table.remove(flow);
        assertFalse(table.inUse(flow));
        int again = table.insert(LAN, SERVER, 3, SERVER, LAN, 4, UDP, 100);
        assertEquals(flow, again);
        assertEquals(0, table.flags(again));
        assertEquals(0, table.bytes(again, FlowTable.REPLY));
        assertNotEquals(id, table.id(again));
        assertEquals(FlowTable.NONE, table.lookup(LAN, SERVER, 1, UDP, 0));
    }

    @Test
    void sizeIsBounded() {
        assertThrows(IllegalArgumentException.class, () -> new FlowTable(0));
        assertThrows(IllegalArgumentException.class, () -> new FlowTable(FlowTable.MAX_FLOWS + 1));
    }

    /**
     * The batch lookup answers as the one-tuple lookup does, tuple by tuple: 20,000 flows in a
     * 24,000-flow table (long probe runs, many 9-bit tag collisions), both directions, tuples that
     * are not there (a 1-bit change of a present one), other protocols, expired flows, and batches
     * of every length from 1 to 40 at every offset.
     */
    @Test
    void batchLookupAgreesWithSingleLookups() {
        FlowTable table = new FlowTable(24_000);
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        int n = 50_000;
        int[] src = new int[n];
        int[] dst = new int[n];
        int[] ports = new int[n];
        int[] protocol = new int[n];
        for (int flow = 0; flow < 20_000; flow++) {
            int s = random.nextInt();
            int d = random.nextInt();
            int p = random.nextInt();
            table.insert(s, d, p, d, s, p << 16 | p >>> 16, flow % 3 == 0 ? TCP : UDP, 10 + random.nextInt(20));
        }
        for (int i = 0; i < n; i++) {
            int flow = random.nextInt(20_000);
            int dir = random.nextInt(2);
            src[i] = table.source(flow, dir);
            dst[i] = table.destination(flow, dir);
            ports[i] = table.ports(flow, dir);
            protocol[i] = table.protocol(flow);
            switch (i % 7) {
                case 5 -> ports[i] ^= 1 << random.nextInt(32); // not there
                case 6 -> protocol[i] = protocol[i] == TCP ? UDP : TCP; // other protocol: not there
                default -> { }
            }
        }
        int[] refs = new int[n];
        int[] found = {0};
        for (int now : new int[] {0, 20}) {
            java.util.Arrays.fill(refs, -7);
            for (int i = 0, length = 1; i < n; i += length, length = length % 40 + 1) {
                int count = Math.min(length, n - i);
                table.lookup(i, count, src, dst, ports, protocol, now, refs);
            }
            for (int i = 0; i < n; i++) {
                int expected = table.lookup(src[i], dst[i], ports[i], protocol[i], now);
                assertEquals(expected, refs[i], "tuple " + i + " at " + now);
                found[0] += expected != FlowTable.NONE ? 1 : 0;
            }
        }
        assertTrue(found[0] > 30_000, "most present tuples found: " + found[0]); // at 20 about half have expired
    }

    /**
     * Both tuples of 20 flows hash to the same index slot (found by search), so the index holds a
     * run of 40 entries where most sit {@value FlowTable#FAR} slots or more from home: removing
     * flows in a scrambled order shifts the run back through entries whose distance is stored and
     * entries whose home must be read from the flow; every remaining tuple stays found, every
     * entry's stored distance stays exact (a far one that moves near enough says so again), and
     * the slots freed are reused.
     */
    @Test
    void aCrowdedHomeSlotShiftsBackPastTheStoredDistance() {
        FlowTable table = new FlowTable(32); // 128 index slots
        int mask = table.indexSlots() - 1;
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        List<int[]> crowd = new ArrayList<>();
        while (crowd.size() < 20) {
            int s = random.nextInt();
            int d = random.nextInt();
            int p = random.nextInt();
            int reply = p << 16 | p >>> 16;
            if ((FlowTable.hash(s, d, p, UDP) & mask) == 7 && (FlowTable.hash(d, s, reply, UDP) & mask) == 7) {
                crowd.add(new int[] {s, d, p, reply});
            }
        }
        int[] flows = new int[crowd.size()];
        for (int i = 0; i < flows.length; i++) {
            int[] t = crowd.get(i);
            flows[i] = table.insert(t[0], t[1], t[2], t[1], t[0], t[3], UDP, 100);
        }
        boolean[] gone = new boolean[flows.length];
        for (int step = 0; step < flows.length; step++) {
            int victim = (step * 7 + 3) % flows.length;
            table.remove(flows[victim]);
            gone[victim] = true;
            for (int i = 0; i < flows.length; i++) {
                int[] t = crowd.get(i);
                int original = table.lookup(t[0], t[1], t[2], UDP, 0);
                int reply = table.lookup(t[1], t[0], t[3], UDP, 0);
                assertEquals(gone[i] ? FlowTable.NONE : flows[i] << 1, original, "flow " + i + " after step " + step);
                assertEquals(gone[i] ? FlowTable.NONE : flows[i] << 1 | 1, reply, "reply " + i + " after step " + step);
            }
            assertEquals(0, table.misstatedDistances(), "every entry says its distance after step " + step);
            if (step == 9) { // half gone: put them back, which lands them at new distances in the run
                for (int i = 0; i < flows.length; i++) {
                    if (gone[i]) {
                        int[] t = crowd.get(i);
                        flows[i] = table.insert(t[0], t[1], t[2], t[1], t[0], t[3], UDP, 100);
                        gone[i] = false;
                    }
                }
            }
        }
        assertEquals(10, table.size());
    }
}
