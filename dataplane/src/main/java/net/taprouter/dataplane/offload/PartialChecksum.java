package net.taprouter.dataplane.offload;

import java.nio.ByteOrder;
import net.taprouter.dataplane.wire.Checksum;
import org.agrona.MutableDirectBuffer;

/**
 * Completes a partial checksum (virtio-net NEEDS_CSUM, the kernel's CHECKSUM_PARTIAL) in
 * software, as the kernel's {@code skb_checksum_help} does for a device without checksum
 * offload: the field at {@code checksumStart + checksumOffset} holds the folded pseudo-header sum;
 * the Internet checksum of everything from {@code checksumStart} to the end of the frame, that
 * field included as it is, is stored there (a result of 0 is sent as 0xFFFF, as the kernel does).
 */
public final class PartialChecksum {
    private PartialChecksum() {
    }

    /**
     * Completes the checksum of the frame {@code [frameOffset, frameOffset + frameLength)}; the
     * positions count from the frame's first byte. Returns false (nothing written) if the field
     * does not lie inside the frame.
     */
    public static boolean complete(MutableDirectBuffer buffer, int frameOffset, int frameLength, int checksumStart,
                                   int checksumOffset) {
        if (checksumStart < 0 || checksumOffset < 0 || checksumStart + checksumOffset + 2 > frameLength) {
            return false;
        }
        int start = frameOffset + checksumStart;
        int sum = Checksum.sum(buffer, start, frameLength - checksumStart, 0);
        int checksum = Checksum.finish(sum);
        buffer.putShort(start + checksumOffset, (short) (checksum == 0 ? 0xFFFF : checksum), ByteOrder.BIG_ENDIAN);
        return true;
    }
}
