package net.taprouter.control.command;

import net.taprouter.dataplane.wire.Ipv4Address;

/** An IPv4 address with a prefix length, as written on the command line. */
public record Prefix(int address, int length) {
    public int network() {
        return address & Ipv4Address.mask(length);
    }

    /** Parses A.B.C.D/LEN; null if malformed (or host bits set when not allowed). */
    public static Prefix parse(String text, boolean hostBitsAllowed) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return null;
        }
        try {
            int address = Ipv4Address.parse(text.substring(0, slash));
            String lengthText = text.substring(slash + 1);
            if (lengthText.isEmpty() || lengthText.length() > 2 || !isAsciiDigits(lengthText)) {
                return null;
            }
            int length = Integer.parseInt(lengthText);
            if (length > 32) {
                return null;
            }
            Prefix prefix = new Prefix(address, length);
            return !hostBitsAllowed && prefix.network() != address ? null : prefix;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** True if every char is 0-9 (no stream: this runs once per line of a batch). */
    private static boolean isAsciiDigits(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** "default" for 0.0.0.0/0, else A.B.C.D/LEN. */
    public String toRouteString() {
        return length == 0 && address == 0 ? "default" : toString();
    }

    @Override
    public String toString() {
        return Ipv4Address.format(address) + "/" + length;
    }
}
