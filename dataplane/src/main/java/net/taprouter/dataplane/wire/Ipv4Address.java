package net.taprouter.dataplane.wire;

/**
 * IPv4 addresses as an {@code int} holding the address in network order: 192.0.2.1 is
 * {@code 0xC0000201}. Compare with {@link Integer#compareUnsigned} when ordering matters.
 */
public final class Ipv4Address {
    /** 255.255.255.255. */
    public static final int LIMITED_BROADCAST = 0xFFFF_FFFF;
    /** 0.0.0.0. */
    public static final int ANY = 0;

    private Ipv4Address() {
    }

    /**
     * Parses a strict dotted quad: exactly four decimal parts of 1 to 3 ASCII digits, each 0..255,
     * no signs, spaces or leading zeros ({@code "010.0.0.1"} is rejected because other parsers
     * read it as octal).
     *
     * @throws IllegalArgumentException if the text is not in that form
     */
    public static int parse(String text) {
        if (text == null) {
            throw bad(null);
        }
        int length = text.length();
        int address = 0;
        int parts = 0;
        int at = 0;
        while (parts < 4) {
            int start = at;
            int value = 0;
            while (at < length && at - start < 4) {
                char c = text.charAt(at);
                if (c < '0' || c > '9') {
                    break;
                }
                value = value * 10 + (c - '0');
                at++;
            }
            int digits = at - start;
            if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && text.charAt(start) == '0')) {
                throw bad(text);
            }
            address = (address << 8) | value;
            parts++;
            if (parts < 4) {
                if (at >= length || text.charAt(at) != '.') {
                    throw bad(text);
                }
                at++;
            }
        }
        if (at != length) {
            throw bad(text);
        }
        return address;
    }

    /** Formats as a dotted quad, e.g. {@code "192.0.2.1"}. */
    public static String format(int address) {
        return ((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "."
                + ((address >>> 8) & 0xFF) + "." + (address & 0xFF);
    }

    /**
     * The netmask for a prefix length: 0 gives 0, 24 gives {@code 0xFFFFFF00}, 32 gives
     * {@code 0xFFFFFFFF}.
     *
     * @throws IllegalArgumentException if {@code prefixLength} is outside 0..32
     */
    public static int mask(int prefixLength) {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("bad IPv4 prefix length " + prefixLength);
        }
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** 224.0.0.0/4. */
    public static boolean isMulticast(int a) {
        return (a >>> 28) == 0xE;
    }

    /** 127.0.0.0/8. */
    public static boolean isLoopback(int a) {
        return (a >>> 24) == 127;
    }

    /** 0.0.0.0/8 ("this network", RFC 1122 3.2.1.3). */
    public static boolean isThisNetwork(int a) {
        return (a >>> 24) == 0;
    }

    /** 240.0.0.0/4 except 255.255.255.255. */
    public static boolean isReservedClassE(int a) {
        return (a >>> 28) == 0xF && a != LIMITED_BROADCAST;
    }

    /** 255.255.255.255. */
    public static boolean isLimitedBroadcast(int a) {
        return a == LIMITED_BROADCAST;
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("bad IPv4 address \"" + text + "\"");
    }
}
