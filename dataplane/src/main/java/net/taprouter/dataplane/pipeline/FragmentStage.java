package net.taprouter.dataplane.pipeline;

import java.nio.ByteBuffer;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.offload.PartialChecksum;
import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.Ipv4View;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * IPv4 fragmentation (RFC 791). Input: a packet without DF, Ethernet header written, larger than
 * the egress interface's MTU (a partial checksum is completed first: event checksums_completed);
 * also, through {@link #fragment}, the segments {@link SegmentStage} cuts from a super-packet
 * without DF that are still larger. Output: fragments of at most MTU bytes written out of the egress interface, each built in
 * a scratch frame: the Ethernet header, the IP header (options without the copy flag only in the
 * first fragment), a multiple of 8 data bytes. Counts event fragments_created; the packet once as
 * forwarded (origin.sent if the router originated it) when every fragment went out.
 * Drops: fragmentation_needed (MTU too small for 8 data bytes); port_down, tx_queue_full, tx_error
 * (a fragment could not be written: the remaining ones are not sent).
 */
public final class FragmentStage extends Stage {
    private static final int MAX_HEADER = 60;
    /** Where a fragment starts in the scratch buffer: room for the device's header in front. */
    private static final int AT = FramePool.MAX_DEVICE_HEADROOM;

    private final ForwardingContext context;
    private final UnsafeBuffer scratch;
    private final Ipv4View fragmentHeader = new Ipv4View();
    private final byte[] laterHeader = new byte[MAX_HEADER];
    private final Stage tooSmall;
    private final Stage portDown;

    public FragmentStage(ForwardingContext context, ForwardingGraph graph) {
        this.context = context;
        ByteBuffer memory = BufferUtil.allocateDirectAligned(AT + context.pool.frameCapacity(), 64);
        this.scratch = new UnsafeBuffer(memory);
        this.tooSmall = graph.drop(DropReason.FRAGMENTATION_NEEDED);
        this.portDown = graph.drop(DropReason.PORT_DOWN);
    }

    @Override
    public Stage process(Packet packet) {
        Offload offload = packet.offload;
        if (offload.needsChecksum()) { // fragments cannot carry a partial checksum: complete it first
            PartialChecksum.complete(context.buffer, packet.frameOffset, packet.frameLength, offload.checksumStart,
                offload.checksumOffset);
            offload.clear();
            context.event(Event.CHECKSUMS_COMPLETED);
        }
        DropReason failed = fragment(context.buffer, packet.frameOffset, packet.ip, packet.egressInterface);
        if (failed == DropReason.PORT_DOWN) {
            return portDown;
        }
        if (failed == DropReason.FRAGMENTATION_NEEDED) {
            return tooSmall;
        }
        if (failed != null) {
            context.drop(packet, failed); // the rest is useless without this fragment
            return null;
        }
        context.sent(packet);
        context.release(packet.slot);
        return null;
    }

    /**
     * Writes the IPv4 packet {@code ip} (in {@code source}, its Ethernet header at
     * {@code frameOffset}, DF clear, complete checksums) out of interface {@code egressInterface} as
     * fragments of at most its MTU; counts fragments_created. Returns null when every fragment went
     * out, else why not (port_down; fragmentation_needed for an MTU too small for 8 data bytes,
     * before any fragment; or the write's failure: the fragments after it are not sent). The caller
     * counts the packet.
     */
    DropReason fragment(MutableDirectBuffer source, int frameOffset, Ipv4View ip, int egressInterface) {
        Interface out = context.interfaces.get(egressInterface);
        if (out == null) {
            return DropReason.PORT_DOWN; // removed since MtuStage looked (link del)
        }
        int mtu = out.mtu();
        int headerLength = ip.headerLength();
        int laterHeaderLength = buildLaterHeader(source, ip, headerLength);
        if (((mtu - headerLength) & ~7) < 8 || ((mtu - laterHeaderLength) & ~7) < 8) {
            return DropReason.FRAGMENTATION_NEEDED;
        }
        int dataStart = ip.payloadOffset();
        int dataLength = ip.totalLength() - headerLength;
        int baseOffset = ip.fragmentOffset();
        boolean originalMoreFragments = ip.moreFragments();
        int flagsKept = ip.flagsFragment() & 0x8000; // reserved bit travels; DF is clear here
        int position = 0;
        boolean first = true;
        while (position < dataLength) {
            int thisHeaderLength = first ? headerLength : laterHeaderLength;
            int chunk = Math.min(dataLength - position, (mtu - thisHeaderLength) & ~7);
            boolean last = position + chunk == dataLength;
            scratch.putBytes(AT, source, frameOffset, EthernetView.HEADER_LENGTH);
            int ipAt = AT + EthernetView.HEADER_LENGTH;
            if (first) {
                scratch.putBytes(ipAt, source, ip.offset(), headerLength);
            } else {
                scratch.putBytes(ipAt, laterHeader, 0, laterHeaderLength);
            }
            scratch.putBytes(ipAt + thisHeaderLength, source, dataStart + position, chunk);
            fragmentHeader.wrap(scratch, ipAt, thisHeaderLength + chunk);
            fragmentHeader.totalLength(thisHeaderLength + chunk);
            int moreFragments = (!last || originalMoreFragments) ? 0x2000 : 0;
            fragmentHeader.flagsFragment(flagsKept | moreFragments | (baseOffset + position / 8));
            fragmentHeader.updateHeaderChecksum();
            DropReason failed = context.transmit(egressInterface, scratch, AT, EthernetView.HEADER_LENGTH + thisHeaderLength + chunk);
            if (failed != null) {
                return failed;
            }
            context.event(Event.FRAGMENTS_CREATED);
            position += chunk;
            first = false;
        }
        return null;
    }

    /** Header for fragments after the first: options with the copy flag only. Returns its length. */
    private int buildLaterHeader(MutableDirectBuffer source, Ipv4View ip, int headerLength) {
        int at = ip.offset();
        source.getBytes(at, laterHeader, 0, Ipv4View.MIN_HEADER_LENGTH);
        int out = Ipv4View.MIN_HEADER_LENGTH;
        int i = Ipv4View.MIN_HEADER_LENGTH;
        while (i < headerLength) {
            int type = source.getByte(at + i) & 0xFF;
            if (type == 0) {
                break;
            }
            if (type == 1) {
                i++;
                continue;
            }
            if (i + 1 >= headerLength) {
                break;
            }
            int length = source.getByte(at + i + 1) & 0xFF;
            if (length < 2 || i + length > headerLength) {
                break;
            }
            if ((type & 0x80) != 0) {
                source.getBytes(at + i, laterHeader, out, length);
                out += length;
            }
            i += length;
        }
        while ((out & 3) != 0) {
            laterHeader[out++] = 0;
        }
        laterHeader[0] = (byte) (0x40 | (out / 4));
        return out;
    }
}
