package net.taprouter.dataplane.conntrack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.SplittableRandom;
import net.taprouter.dataplane.wire.Ipv4View;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * {@link FlowPrefetch} reads a frame's tuple as {@link FlowKey#extract} does, so that what it
 * prefetches is what the lookup will read: over random frames (UDP, TCP, ICMP of every type, other
 * protocols, VLAN tags, IP options, fragments, truncations), every frame FlowKey tracks gets the
 * same (protocol, source, destination, ports) from the prefetch; a frame that is not IPv4, too
 * short, or a later fragment gets none. And {@link FlowTable#prefetch} decides nothing: lookups
 * after it answer as before.
 */
class FlowPrefetchTest {
    private static final int SLOT = 256;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[SLOT * 4]);
    private final FlowPrefetch prefetch = new FlowPrefetch(new ConntrackTable(64, new ConntrackConfig(), new net.taprouter.dataplane.iface.InterfaceTable()), buffer);

    /** A frame at {@code offset}: Ethernet (VLAN tag if asked), IPv4 with {@code options} words, 24 bytes of L4. Returns its length. */
    private int frame(int offset, SplittableRandom r, boolean vlan, int options, int protocol, int fragment, int l4Length) {
        int at = offset + 12;
        if (vlan) {
            buffer.putShort(at, (short) 0x8100, ByteOrder.BIG_ENDIAN);
            buffer.putShort(at + 2, (short) r.nextInt(4096), ByteOrder.BIG_ENDIAN);
            at += 4;
        }
        buffer.putShort(at, (short) 0x0800, ByteOrder.BIG_ENDIAN);
        int ip = at + 2;
        int ihl = 5 + options;
        buffer.putByte(ip, (byte) (0x40 | ihl));
        buffer.putShort(ip + 2, (short) (ihl * 4 + l4Length), ByteOrder.BIG_ENDIAN);
        buffer.putShort(ip + 6, (short) fragment, ByteOrder.BIG_ENDIAN);
        buffer.putByte(ip + 8, (byte) 64);
        buffer.putByte(ip + 9, (byte) protocol);
        buffer.putInt(ip + 12, r.nextInt(), ByteOrder.BIG_ENDIAN);
        buffer.putInt(ip + 16, r.nextInt(), ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < options * 4; i++) {
            buffer.putByte(ip + 20 + i, (byte) 1); // NOP options
        }
        int l4 = ip + ihl * 4;
        for (int i = 0; i < l4Length; i++) {
            buffer.putByte(l4 + i, (byte) r.nextInt(256));
        }
        if (protocol == NatRewrite.PROTO_TCP) {
            buffer.putByte(l4 + 12, (byte) 0x50); // data offset 5
        }
        if (protocol == NatRewrite.PROTO_ICMP) {
            buffer.putByte(l4, (byte) r.nextInt(20)); // every type, queries and errors
        }
        return l4 + l4Length - offset;
    }

    @Test
    void readsTheTupleFlowKeyReads() {
        SplittableRandom r = new SplittableRandom(3);
        int[] protocols = {NatRewrite.PROTO_UDP, NatRewrite.PROTO_TCP, NatRewrite.PROTO_ICMP, 47};
        FlowKey key = new FlowKey();
        Ipv4View ip = new Ipv4View();
        int tracked = 0;
        for (int n = 0; n < 4000; n++) {
            boolean vlan = r.nextInt(4) == 0;
            int options = r.nextInt(4) == 0 ? r.nextInt(4) : 0;
            int protocol = protocols[r.nextInt(protocols.length)];
            int fragment = r.nextInt(5) == 0 ? r.nextInt(1 << 13) : r.nextInt(3) == 0 ? 0x4000 : 0;
            int length = frame(0, r, vlan, options, protocol, fragment, 24);
            int ipAt = vlan ? 18 : 14;
            assertTrue(ip.wrap(buffer, ipAt, length - ipAt));
            int kind = key.extract(buffer, ip);
            boolean read = prefetch.tuple(0, length, 0);
            if (kind == FlowKey.TRACKED) {
                tracked++;
                assertTrue(read, "frame " + n + " is tracked");
                assertArrayEquals(new int[] {key.protocol, key.source, key.destination, key.ports}, prefetch.read(0), "frame " + n);
            }
            if ((fragment & 0x1FFF) != 0) {
                assertFalse(read, "a later fragment has no ports");
            }
            int cut = r.nextInt(ipAt + 28);
            if (cut < ipAt + 20 + options * 4 + 8) {
                assertFalse(prefetch.tuple(0, cut, 0), "a frame cut to " + cut + " bytes");
            }
        }
        assertTrue(tracked > 2000, "tracked: " + tracked);
        buffer.putShort(12, (short) 0x86DD, ByteOrder.BIG_ENDIAN);
        assertFalse(prefetch.tuple(0, 80, 0), "IPv6");
    }

    @Test
    void nothingBelowTheMinimumAndLookupsUnchangedAfter() {
        SplittableRandom r = new SplittableRandom(5);
        int[] offsets = new int[4];
        int[] lengths = new int[4];
        for (int i = 0; i < 4; i++) {
            offsets[i] = i * SLOT;
            lengths[i] = frame(offsets[i], r, false, 0, NatRewrite.PROTO_UDP, 0, 24);
        }
        prefetch.frames(offsets, lengths, 4);
        assertEquals(0, prefetch.tuples(), "an empty table: nothing read");

        FlowTable table = new FlowTable(5000);
        int[] src = new int[FlowTable.PREFETCH_TUPLES + 10];
        int[] dst = new int[src.length];
        int[] ports = new int[src.length];
        int[] protocol = new int[src.length];
        int[] expected = new int[src.length];
        for (int i = 0; i < src.length; i++) {
            src[i] = r.nextInt();
            dst[i] = r.nextInt();
            ports[i] = r.nextInt();
            protocol[i] = 17;
            if (i % 3 != 0) {
                int flow = table.insert(src[i], dst[i], ports[i], dst[i], src[i], ports[i] << 16 | ports[i] >>> 16, 17, 100);
                expected[i] = flow << 1;
            } else {
                expected[i] = FlowTable.NONE;
            }
        }
        table.prefetch(src.length, src, dst, ports, protocol);
        for (int i = 0; i < src.length; i++) {
            assertEquals(expected[i], table.lookup(src[i], dst[i], ports[i], 17, 0), "tuple " + i);
        }
    }
}
