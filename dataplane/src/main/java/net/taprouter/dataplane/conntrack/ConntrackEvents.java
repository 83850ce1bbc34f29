package net.taprouter.dataplane.conntrack;

import net.taprouter.dataplane.event.EventTap;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The flow events of one worker's {@link ConntrackTable}, as {@code conntrack -E} shows the
 * kernel's: {@link #NEW} when a flow is made (confirmed), {@link #UPDATE} when a packet changed
 * it (a TCP state change, its first reply, becoming ASSURED: one event per packet, with the flow as
 * the packet left it), {@link #DESTROY} when it goes (expiry, early_drop, {@code -D}, {@code -F},
 * a MASQUERADE address gone, a SYN reopening it). The table calls {@link #emit} only while
 * {@link EventTap#armed} is true; each event copies the flow's fields into the ring of every
 * session that wants its kind (a full ring loses it, counted there).
 *
 * <p>Record (native byte order): id, protocol, state, seconds left, original source,
 * destination, ports, reply source, destination, ports, flags, packets original, packets reply
 * (ints), bytes original, bytes reply (longs): {@value #RECORD} bytes. {@link #entry} reads one
 * back as a {@link ConntrackEntry}.
 */
public final class ConntrackEvents {
    public static final int NEW = 1;
    public static final int UPDATE = 2;
    public static final int DESTROY = 3;
    /** Every kind, as a session's mask. */
    public static final int ALL = 1 << NEW | 1 << UPDATE | 1 << DESTROY;

    static final int RECORD = 13 * 4 + 2 * 8;

    /** The subscribers (armed and disarmed by worker commands). */
    public final EventTap tap = new EventTap();

    /** Writes event {@code kind} of {@code flow} (still in {@code flows}) to every session that wants it. */
    void emit(int kind, FlowTable flows, int flow, int now) {
        MutableDirectBuffer b = tap.record;
        b.putInt(0, flows.id(flow));
        b.putInt(4, flows.protocol(flow));
        b.putInt(8, flows.state(flow));
        b.putInt(12, Math.max(0, flows.expires(flow) - now));
        b.putInt(16, flows.source(flow, FlowTable.ORIGINAL));
        b.putInt(20, flows.destination(flow, FlowTable.ORIGINAL));
        b.putInt(24, flows.ports(flow, FlowTable.ORIGINAL));
        b.putInt(28, flows.source(flow, FlowTable.REPLY));
        b.putInt(32, flows.destination(flow, FlowTable.REPLY));
        b.putInt(36, flows.ports(flow, FlowTable.REPLY));
        b.putInt(40, flows.flags(flow));
        b.putInt(44, (int) flows.packets(flow, FlowTable.ORIGINAL));
        b.putInt(48, (int) flows.packets(flow, FlowTable.REPLY));
        b.putLong(52, flows.bytes(flow, FlowTable.ORIGINAL));
        b.putLong(60, flows.bytes(flow, FlowTable.REPLY));
        tap.publish(kind, RECORD);
    }

    /** The flow of an event record (control thread). */
    public static ConntrackEntry entry(DirectBuffer b, int at) {
        return new ConntrackEntry(b.getInt(at), b.getInt(at + 4), b.getInt(at + 8), b.getInt(at + 12), b.getInt(at + 16),
            b.getInt(at + 20), b.getInt(at + 24), b.getInt(at + 28), b.getInt(at + 32), b.getInt(at + 36), b.getInt(at + 40),
            b.getInt(at + 44) & 0xFFFF_FFFFL, b.getLong(at + 52), b.getInt(at + 48) & 0xFFFF_FFFFL, b.getLong(at + 60));
    }

    /** conntrack's name of an event kind: NEW, UPDATE, DESTROY. */
    public static String name(int kind) {
        return switch (kind) {
            case NEW -> "NEW";
            case UPDATE -> "UPDATE";
            case DESTROY -> "DESTROY";
            default -> "?";
        };
    }
}
