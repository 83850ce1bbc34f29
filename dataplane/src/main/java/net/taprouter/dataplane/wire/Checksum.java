package net.taprouter.dataplane.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;

/**
 * The Internet checksum (RFC 1071): the 16-bit ones'-complement of the ones'-complement sum of the
 * data taken as big-endian 16-bit words, plus incremental update after a field change (RFC 1624).
 *
 * <p>Sums are carried "unfolded" in an {@code int} treated as an unsigned 32-bit number, so they
 * can be chained (pseudo-header, then header, then payload) and folded once with {@link #fold}.
 * Any such value is congruent to the true ones'-complement sum modulo 0xFFFF.
 *
 * <p>For data that is not all zero, {@link #finish} never yields 0xFFFF; the incremental updates
 * keep that property, so they agree bit for bit with a full recomputation. (The one exception is
 * data that becomes all zero, where a full computation gives 0xFFFF and an update 0x0000; an IPv4
 * header, with its version nibble, is never all zero.)
 */
public final class Checksum {
    private static final long LOW_32 = 0xFFFF_FFFFL;

    private Checksum() {
    }

    /**
     * Adds {@code length} bytes at {@code index} as big-endian 16-bit words to {@code initial}; an
     * odd final byte is padded with a zero byte on the right. Works for any length up to
     * {@code Integer.MAX_VALUE}; the result is an unfolded unsigned 32-bit sum.
     */
    public static int sum(DirectBuffer buffer, int index, int length, int initial) {
        // 32-bit words: 2^32 = 1 (mod 0xFFFF), so adding 32-bit words is adding their two halves.
        long sum = initial & LOW_32;
        int at = index;
        int end = index + length;
        int end4 = end - 3;
        while (at < end4) {
            sum += buffer.getInt(at, ByteOrder.BIG_ENDIAN) & LOW_32;
            at += 4;
        }
        if (end - at >= 2) {
            sum += buffer.getShort(at, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            at += 2;
        }
        if (at < end) {
            sum += (buffer.getByte(at) & 0xFF) << 8;
        }
        return foldTo32(sum);
    }

    /**
     * True if the Internet checksum over {@code length} bytes at {@code index} (a multiple of 4: an
     * IPv4 header, its checksum field included) verifies, i.e. {@code compute(...) == 0}. Reads
     * 64-bit words in the machine's byte order: the one's complement sum of byte-swapped words is
     * the byte-swapped sum (RFC 1071 2(B)), and the sum that verifies, 0xFFFF, reads the same
     * swapped.
     */
    public static boolean verifies(DirectBuffer buffer, int index, int length) {
        long sum = 0;
        int at = index;
        int end = index + length;
        for (; at + 8 <= end; at += 8) {
            long word = buffer.getLong(at);
            sum += (word >>> 32) + (word & LOW_32);
        }
        if (at < end) {
            sum += buffer.getInt(at) & LOW_32;
        }
        return fold(foldTo32(sum)) == 0xFFFF;
    }

    /** Folds an unfolded sum to 16 bits with end-around carry (result 0..0xFFFF). */
    public static int fold(int sum) {
        int folded = (sum >>> 16) + (sum & 0xFFFF);
        return (folded >>> 16) + (folded & 0xFFFF);
    }

    /** The checksum field value for an unfolded sum: {@code ~fold(sum) & 0xFFFF}. */
    public static int finish(int sum) {
        return ~fold(sum) & 0xFFFF;
    }

    /** The Internet checksum of {@code length} bytes at {@code index}. */
    public static int compute(DirectBuffer buffer, int index, int length) {
        return finish(sum(buffer, index, length, 0));
    }

    /**
     * The unfolded sum of the TCP/UDP pseudo-header: source, destination, zero byte + protocol,
     * and the TCP/UDP length (header plus data, in bytes).
     */
    public static int pseudoHeaderSum(int source, int destination, int protocol, int length) {
        return (source >>> 16) + (source & 0xFFFF)
                + (destination >>> 16) + (destination & 0xFFFF)
                + (protocol & 0xFF) + (length & 0xFFFF);
    }

    /**
     * The new checksum after one 16-bit word covered by {@code checksum} changed from
     * {@code oldValue} to {@code newValue}: RFC 1624 eqn. 3, {@code HC' = ~(~HC + ~m + m')}.
     */
    public static int update16(int checksum, int oldValue, int newValue) {
        int sum = (~checksum & 0xFFFF) + (~oldValue & 0xFFFF) + (newValue & 0xFFFF);
        return finish(sum);
    }

    /**
     * The new checksum after a 32-bit value (two adjacent, 16-bit aligned words, e.g. an IPv4
     * address rewritten by NAT) changed from {@code oldValue} to {@code newValue}.
     */
    public static int update32(int checksum, int oldValue, int newValue) {
        int sum = (~checksum & 0xFFFF)
                + (~oldValue >>> 16) + (~oldValue & 0xFFFF)
                + (newValue >>> 16) + (newValue & 0xFFFF);
        return finish(sum);
    }

    private static int foldTo32(long sum) {
        long folded = (sum >>> 32) + (sum & LOW_32);
        return (int) ((folded >>> 32) + (folded & LOW_32));
    }
}
