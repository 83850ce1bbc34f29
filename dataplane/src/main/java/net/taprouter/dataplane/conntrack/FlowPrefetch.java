package net.taprouter.dataplane.conntrack;

import java.nio.ByteOrder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Before a worker runs a batch of received frames through the graph one by one, brings the
 * connection-tracking entries they will look up into the cache, with the cache misses of the
 * whole batch in flight together ({@link FlowTable#prefetch}): with a table far bigger than the
 * caches each lookup is otherwise two memory round trips, one frame after the other. Decides
 * nothing and changes nothing: a frame whose tuple is read wrong here (or not at all) is looked
 * up as before, only without its lines in the cache.
 *
 * <p>Input: the frames' offsets and lengths in the pool's buffer. Reads each frame's tuple as
 * {@link FlowKey#extract} does (IPv4 after an Ethernet header and at most one 802.1Q tag; TCP and
 * UDP ports, an ICMP query's identifier, type and code; not a later fragment, not an ICMP error);
 * anything else, or a header that does not fit the frame, is skipped. Only while the table holds
 * at least {@link #MIN_FLOWS} flows: a smaller one stays in the caches by itself, and reading the
 * tuples would only cost. No allocation; the worker's thread only.
 */
public final class FlowPrefetch {
    /** Flows below which nothing is prefetched. */
    public static final int MIN_FLOWS = 16_384;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_VLAN = 0x8100;

    private final ConntrackTable table;
    private final UnsafeBuffer buffer;
    private final int[] src = new int[FlowTable.PREFETCH_TUPLES];
    private final int[] dst = new int[FlowTable.PREFETCH_TUPLES];
    private final int[] ports = new int[FlowTable.PREFETCH_TUPLES];
    private final int[] protocol = new int[FlowTable.PREFETCH_TUPLES];
    private long tuples;

    public FlowPrefetch(ConntrackTable table, UnsafeBuffer buffer) {
        this.table = table;
        this.buffer = buffer;
    }

    /** Frames {@code 0..count-1} ({@code offsets[i]}, {@code lengths[i]} in the buffer) are about to be received. */
    public void frames(int[] offsets, int[] lengths, int count) {
        if (table.size() < MIN_FLOWS) {
            return;
        }
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (tuple(offsets[i], lengths[i], n)) {
                tuples++;
                if (++n == FlowTable.PREFETCH_TUPLES) {
                    table.flows().prefetch(n, src, dst, ports, protocol);
                    n = 0;
                }
            }
        }
        if (n > 0) {
            table.flows().prefetch(n, src, dst, ports, protocol);
        }
    }

    /** Tuples read so far (for tests). */
    long tuples() {
        return tuples;
    }

    /** Entry {@code at}'s tuple as {@link FlowKey} holds it: protocol, source, destination, ports (for tests). */
    int[] read(int at) {
        return new int[] {protocol[at], src[at], dst[at], ports[at]};
    }

    /** Reads the tuple of the frame at {@code offset} into entry {@code at}; false if it has none to look up. */
    boolean tuple(int offset, int length, int at) {
        int end = offset + length;
        int ip = offset + 14;
        if (ip + 20 > end) {
            return false;
        }
        int type = buffer.getShort(offset + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (type == ETHERTYPE_VLAN) {
            type = buffer.getShort(offset + 16, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            ip += 4;
            if (ip + 20 > end) {
                return false;
            }
        }
        int versionLength = buffer.getByte(ip) & 0xFF;
        if (type != ETHERTYPE_IPV4 || versionLength >>> 4 != 4) {
            return false;
        }
        int l4 = ip + (versionLength & 0x0F) * 4;
        if (l4 + 8 > end || (buffer.getShort(ip + 6, ByteOrder.BIG_ENDIAN) & 0x1FFF) != 0) {
            return false; // no room for ports or an ICMP header, or a later fragment
        }
        int proto = buffer.getByte(ip + 9) & 0xFF;
        int p;
        if (proto == NatRewrite.PROTO_TCP || proto == NatRewrite.PROTO_UDP) {
            p = buffer.getInt(l4, ByteOrder.BIG_ENDIAN);
        } else if (proto == NatRewrite.PROTO_ICMP) {
            int icmpType = buffer.getByte(l4) & 0xFF;
            if (FlowKey.isError(icmpType)) {
                return false;
            }
            p = (buffer.getShort(l4 + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF) << 16 | icmpType << 8 | (buffer.getByte(l4 + 1) & 0xFF);
        } else {
            p = 0;
        }
        src[at] = buffer.getInt(ip + 12, ByteOrder.BIG_ENDIAN);
        dst[at] = buffer.getInt(ip + 16, ByteOrder.BIG_ENDIAN);
        ports[at] = p;
        protocol[at] = proto;
        return true;
    }
}
