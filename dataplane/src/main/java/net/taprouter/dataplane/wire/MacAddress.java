package net.taprouter.dataplane.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * 48-bit Ethernet MAC addresses held in the low 48 bits of a {@code long}, first octet in bits
 * 47..40. Text form is six colon-separated hex octets, e.g. {@code 00:00:5e:00:53:12}.
 */
public final class MacAddress {
    /** ff:ff:ff:ff:ff:ff. */
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    /** Number of bytes of a MAC address on the wire. */
    public static final int LENGTH = 6;

    private static final int TEXT_LENGTH = 17;
    private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();

    private MacAddress() {
    }

    /**
     * Parses {@code xx:xx:xx:xx:xx:xx} (hex digits in either case, exactly two per octet).
     *
     * @throws IllegalArgumentException if the text is not in that form
     */
    public static long parse(String text) {
        if (text == null || text.length() != TEXT_LENGTH) {
            throw bad(text);
        }
        long mac = 0;
        for (int octet = 0; octet < LENGTH; octet++) {
            int at = octet * 3;
            if (octet > 0 && text.charAt(at - 1) != ':') {
                throw bad(text);
            }
            int high = hexValue(text.charAt(at));
            int low = hexValue(text.charAt(at + 1));
            if (high < 0 || low < 0) {
                throw bad(text);
            }
            mac = (mac << 8) | (high << 4) | low;
        }
        return mac;
    }

    /** Formats the low 48 bits as lower-case {@code xx:xx:xx:xx:xx:xx}. */
    public static String format(long mac) {
        char[] text = new char[TEXT_LENGTH];
        for (int octet = 0; octet < LENGTH; octet++) {
            int value = (int) (mac >>> (8 * (LENGTH - 1 - octet))) & 0xFF;
            int at = octet * 3;
            if (octet > 0) {
                text[at - 1] = ':';
            }
            text[at] = HEX_DIGITS[value >>> 4];
            text[at + 1] = HEX_DIGITS[value & 0xF];
        }
        return new String(text);
    }

    /** True if the I/G (group) bit of the first octet is set; broadcast is a multicast address. */
    public static boolean isMulticast(long mac) {
        return ((mac >>> 40) & 1) != 0;
    }

    /** Reads 6 bytes at {@code index}, first byte most significant. */
    public static long get(DirectBuffer buffer, int index) {
        long high = buffer.getShort(index, ByteOrder.BIG_ENDIAN) & 0xFFFFL;
        long low = buffer.getInt(index + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
        return (high << 32) | low;
    }

    /** Writes the low 48 bits of {@code mac} as 6 bytes at {@code index}. */
    public static void put(MutableDirectBuffer buffer, int index, long mac) {
        buffer.putShort(index, (short) (mac >>> 32), ByteOrder.BIG_ENDIAN);
        buffer.putInt(index + 2, (int) mac, ByteOrder.BIG_ENDIAN);
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("bad MAC address \"" + text + "\"");
    }
}
