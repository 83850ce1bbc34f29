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

    /** Why {@code text} is not an A.B.C.D/LEN prefix (for error messages), e.g. "length > 32". */
    public static String problem(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return "missing /LENGTH";
        }
        String address = addressProblem(text.substring(0, slash));
        if (address != null) {
            return address;
        }
        String lengthText = text.substring(slash + 1);
        if (lengthText.isEmpty()) {
            return "missing length after /";
        }
        if (!isAsciiDigits(lengthText)) {
            return "length \"" + lengthText + "\" is not a number";
        }
        if (lengthText.length() > 2 || Integer.parseInt(lengthText) > 32) {
            return "length > 32";
        }
        return null;
    }

    /** Why {@code text} is not a dotted-quad IPv4 address, or null if it is one. */
    public static String addressProblem(String text) {
        if (text.isEmpty()) {
            return "empty address";
        }
        String[] octets = text.split("\\.", -1);
        if (octets.length != 4) {
            return "an IPv4 address has 4 octets A.B.C.D, not " + octets.length;
        }
        for (String octet : octets) {
            if (octet.isEmpty()) {
                return "empty octet";
            }
            if (!isAsciiDigits(octet)) {
                return "octet \"" + octet + "\" is not a number";
            }
            if (octet.length() > 3 || Integer.parseInt(octet) > 255) {
                return "octet " + octet + " > 255";
            }
            if (octet.length() > 1 && octet.charAt(0) == '0') {
                return "octet " + octet + " has a leading zero";
            }
        }
        try {
            Ipv4Address.parse(text);
            return null;
        } catch (IllegalArgumentException e) {
            return "not an IPv4 address";
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

    /** As {@code ip route} prints a destination: "default" for 0.0.0.0/0, a host route's address alone, else A.B.C.D/LEN. */
    public String toRouteString() {
        if (length == 0 && address == 0) {
            return "default";
        }
        return length == 32 ? Ipv4Address.format(address) : toString();
    }

    @Override
    public String toString() {
        return Ipv4Address.format(address) + "/" + length;
    }
}
