package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.wire.EthernetView;
import net.taprouter.dataplane.wire.VirtioNetHeaderView;
import org.agrona.MutableDirectBuffer;

/**
 * The offload state of a packet ({@link Packet#offload}): what the virtio-net header it arrived
 * with said, and what its header must say when it leaves through a TAP that takes one.
 *
 * <ul>
 *   <li>{@link #needsChecksum()} (CHECKSUM_PARTIAL): the checksum field at {@link #checksumStart}
 *       + {@link #checksumOffset} (counted from the first byte of the Ethernet header) holds the
 *       folded, <em>uncomplemented</em> pseudo-header sum; the rest is summed by whoever completes
 *       it (the receiving kernel, or {@code offload.PartialChecksum} when the packet leaves through
 *       a port without offloads). A stage that changes an address in the pseudo-header (NAT) must
 *       adjust that sum uncomplemented; a port change needs no L4 update.</li>
 *   <li>{@link #isGso()}: a super-packet of many segments of {@link #gsoSize} payload bytes each
 *       ({@link #gsoType} TCPV4 (with its ECN bit) or UDP_L4), always with {@link #needsChecksum()};
 *       {@link #headerLength} is then its Ethernet + IP + TCP/UDP header length (set by
 *       {@link GsoInputStage}, which also checks the rest).</li>
 * </ul>
 *
 * A plain frame has everything 0. The RX agent fills a slot's words from the device's header
 * ({@link #receive}); {@link Packet} owns where the words are ({@link #FIRST_WORD}) and carries
 * them through {@code save}/{@code load}; the forwarding agent loads them for each received frame.
 */
public final class Offload {
    /** Index of this state's first word among a slot's metadata words (see {@link Packet}). */
    static final int FIRST_WORD = 15;
    /** Words it uses (15, 16, 17): [flags | gsoType << 8 | gsoSize << 16], [checksumStart | checksumOffset << 16], [headerLength]. */
    static final int WORDS = 3;

    /** virtio-net flags: {@link VirtioNetHeaderView#FLAG_NEEDS_CSUM} or 0. */
    public int flags;
    /** {@link VirtioNetHeaderView#GSO_NONE}, {@code GSO_TCPV4} (| {@code GSO_ECN}), {@code GSO_UDP_L4}. */
    public int gsoType;
    /** L4 payload bytes per segment (the MSS); 0 unless {@link #isGso()}. */
    public int gsoSize;
    /** Where checksumming starts, from the first byte of the Ethernet header. */
    public int checksumStart;
    /** Where the checksum field is, from {@link #checksumStart}. */
    public int checksumOffset;
    /** Headers before the payload of a GSO packet (Ethernet + IP + TCP/UDP), from the frame's start. */
    public int headerLength;

    /** No offload: a complete frame. */
    public void clear() {
        flags = 0;
        gsoType = 0;
        gsoSize = 0;
        checksumStart = 0;
        checksumOffset = 0;
        headerLength = 0;
    }

    /** True if the packet carries any offload state (the fast paths test this first). */
    public boolean any() {
        return (flags | gsoType) != 0;
    }

    public boolean needsChecksum() {
        return (flags & VirtioNetHeaderView.FLAG_NEEDS_CSUM) != 0;
    }

    public boolean isGso() {
        return gsoType != VirtioNetHeaderView.GSO_NONE;
    }

    /** A GSO packet's per-segment IP length (IP + TCP/UDP headers + gsoSize): what the MTU applies to. */
    public int segmentIpLength() {
        return headerLength - EthernetView.HEADER_LENGTH + gsoSize;
    }

    /** No longer a super-packet (too short to be one): a frame that still needs its checksum. */
    void demote() {
        gsoType = VirtioNetHeaderView.GSO_NONE;
        gsoSize = 0;
        headerLength = 0;
    }

    void save(int[] words, int base) {
        int at = base + FIRST_WORD;
        words[at] = (flags & 0xFF) | (gsoType & 0xFF) << 8 | gsoSize << 16;
        words[at + 1] = (checksumStart & 0xFFFF) | checksumOffset << 16;
        words[at + 2] = headerLength;
    }

    /** Becomes the state stored at {@code base} (a slot's first word) by {@link #save} or {@link #receive}. */
    public void load(int[] words, int base) {
        int at = base + FIRST_WORD;
        int w = words[at];
        flags = w & 0xFF;
        gsoType = (w >>> 8) & 0xFF;
        gsoSize = w >>> 16;
        w = words[at + 1];
        checksumStart = w & 0xFFFF;
        checksumOffset = w >>> 16;
        headerLength = words[at + 2];
    }

    /**
     * RX side: stores, in the words of the slot at {@code base}, the offload state of the frame at
     * {@code frameOffset} read from a device with {@code headroom} bytes in front of its frames:
     * for a device that takes a virtio-net header (headroom &ge; 10) and an IPv4 frame, the header's
     * NEEDS_CSUM flag, GSO type and size and checksum position (not yet checked: that is
     * {@link GsoInputStage}'s job, with the IP header at hand); else nothing (all 0). The header of
     * a frame the router does not route (ARP, IPv6) is ignored.
     */
    public static void receive(int[] words, int base, MutableDirectBuffer buffer, int frameOffset, int frameLength,
                               int headroom, VirtioNetHeaderView header) {
        int at = base + FIRST_WORD;
        if (headroom < VirtioNetHeaderView.LENGTH || frameLength < EthernetView.HEADER_LENGTH
            || !header.wrap(buffer, frameOffset - headroom, VirtioNetHeaderView.LENGTH)
            || (buffer.getShort(frameOffset + 12, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF) != EthernetView.ETHERTYPE_IPV4) {
            words[at] = 0;
            words[at + 1] = 0;
            words[at + 2] = 0;
            return;
        }
        int flags = header.flags() & VirtioNetHeaderView.FLAG_NEEDS_CSUM; // DATA_VALID: nothing to do for a router
        int gsoType = header.gsoType();
        words[at] = flags | gsoType << 8 | (gsoType == VirtioNetHeaderView.GSO_NONE ? 0 : header.gsoSize() << 16);
        words[at + 1] = flags == 0 ? 0 : header.checksumStart() | header.checksumOffset() << 16;
        words[at + 2] = 0;
    }

    /**
     * Writes this state as the 10-byte virtio-net header right in front of the frame at
     * {@code frameOffset} (where a device with offloads, headroom 10, reads it; a device without
     * ignores those bytes): all zeros for a plain frame. hdr_len: the headers of a GSO packet, up
     * to the checksum field's end for a partial checksum.
     */
    void writeHeader(MutableDirectBuffer buffer, int frameOffset, VirtioNetHeaderView header) {
        int at = frameOffset - VirtioNetHeaderView.LENGTH;
        if (!any()) {
            header.wrapNew(buffer, at, VirtioNetHeaderView.LENGTH);
        } else {
            header.wrap(buffer, at, VirtioNetHeaderView.LENGTH);
            int hdrLen = isGso() ? headerLength : checksumStart + checksumOffset + 2;
            header.set(flags, gsoType, hdrLen, gsoSize, checksumStart, checksumOffset);
        }
    }
}
