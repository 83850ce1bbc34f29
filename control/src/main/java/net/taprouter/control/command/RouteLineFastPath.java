package net.taprouter.control.command;

import net.taprouter.control.model.RouteService;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.wire.Ipv4Address;

/**
 * The two lines a routing table is made of, {@code route add A.B.C.D/LEN via A.B.C.D} and
 * {@code route del A.B.C.D/LEN}, run straight from their bytes: no String, word list, {@link Args}
 * or {@link Prefix} per line, and the gateway's port looked up once per run of such lines. A
 * full BGP table is 900,000 of them.
 *
 * <p>Only the plain form is taken here (the words exactly these, dotted quads without leading
 * zeros, a valid prefix with no host bits set, a gateway that is usable and on a connected
 * network, no comment): for anything else {@link #run} does nothing and returns
 * false, and the line goes the ordinary way ({@link CommandProcessor}), which then reports the
 * error exactly as before. What is run here is what the ordinary path runs for the same line
 * ({@link RouteService#add(int, int, int, Interface, boolean, int, String) RouteService.add} /
 * {@link RouteService#delete}), so its results and errors ("route ... exists") are the same.
 */
final class RouteLineFastPath {
    private static final byte[] ROUTE = ascii("route");
    private static final byte[] ADD = ascii("add");
    private static final byte[] DEL = ascii("del");
    private static final byte[] VIA = ascii("via");

    private final RouteService routes;
    /** The gateway resolved last and its port, while only lines of this class ran (they change no address). */
    private int knownGateway;
    private Interface knownPort;
    /** Parse results (one line at a time, control thread only). */
    private int parsed;
    /** The words of the line being tried: {@code b[wordStart[k], wordEnd[k])}; a line of more than 5 is not one of ours. */
    private final int[] wordStart = new int[5];
    private final int[] wordEnd = new int[5];
    private final byte[] scratch = new byte[128];

    private static byte[] ascii(String word) {
        return word.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    RouteLineFastPath(RouteService routes) {
        this.routes = routes;
    }

    /** Lines run here so far (for tests). */
    private long taken;

    long taken() {
        return taken;
    }

    /** Another command ran: what was learnt about gateways may be stale. */
    void forget() {
        knownPort = null;
    }

    /** As {@link #run(byte[], int, int, Output)} for a line given as a String. */
    boolean run(String line, Output out) {
        int n = line.length();
        if (n > scratch.length) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = line.charAt(i);
            if (c > 127) {
                return false;
            }
            scratch[i] = (byte) c;
        }
        return run(scratch, 0, n, out);
    }

    /**
     * Runs the line {@code b[from, to)} if it is one this class takes (settling {@code out} first, as
     * the ordinary path does before every command); false (nothing done) if not.
     * Words are split as {@link CommandProcessor#words} splits them (runs of space, tab, CR, LF, VT,
     * FF; the BGP table's lines end in CR); a line with '#' or another control character goes the
     * ordinary way.
     *
     * @throws CommandException as the ordinary path would for the same line
     */
    boolean run(byte[] b, int from, int to, Output out) {
        int words = 0;
        int i = from;
        while (true) {
            while (i < to && isSpace(b[i])) {
                i++;
            }
            if (i == to) {
                break;
            }
            if (words == wordStart.length) {
                return false;
            }
            wordStart[words] = i;
            while (i < to && !isSpace(b[i])) {
                byte c = b[i];
                if (c == '#' || (c >= 0 && c < ' ') || c == 0x7F) {
                    return false;
                }
                i++;
            }
            wordEnd[words++] = i;
        }
        if (words < 3 || !is(b, 0, ROUTE)) {
            return false;
        }
        if (words == 5 && is(b, 1, ADD) && is(b, 3, VIA)) {
            if (!prefix(b, 2)) {
                return false;
            }
            int network = parsed;
            int length = this.length;
            if (!quad(b, wordStart[4], wordEnd[4])) {
                return false;
            }
            int gateway = parsed;
            Interface port = portFor(gateway);
            if (port == null) {
                return false;
            }
            out.settle(); // as before any command: an earlier listing is drained before the change
            routes.add(network, length, gateway, port, false, 0, "route add");
            taken++;
            return true;
        }
        if (words == 3 && is(b, 1, DEL)) {
            if (!prefix(b, 2)) {
                return false;
            }
            out.settle();
            routes.delete(new Prefix(parsed, length), "route del");
            taken++;
            return true;
        }
        return false;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    /** Is word {@code w} exactly {@code word}? */
    private boolean is(byte[] b, int w, byte[] word) {
        int from = wordStart[w];
        if (wordEnd[w] - from != word.length) {
            return false;
        }
        for (int k = 0; k < word.length; k++) {
            if (b[from + k] != word[k]) {
                return false;
            }
        }
        return true;
    }

    /** The port a static route via {@code gateway} goes out of, or null if the ordinary path would refuse it. */
    private Interface portFor(int gateway) {
        if (knownPort != null && gateway == knownGateway) {
            return knownPort;
        }
        if (gateway == 0 || Ipv4Address.isMulticast(gateway) || Ipv4Address.isLimitedBroadcast(gateway) || routes.isLocal(gateway)) {
            return null;
        }
        Interface port = routes.portForGateway(gateway);
        if (port != null) {
            knownGateway = gateway;
            knownPort = port;
        }
        return port;
    }

    private int length;

    /** Word {@code w} as A.B.C.D/LEN, LEN 0..32 without leading zero, no host bits set: {@link #parsed}, {@link #length}. */
    private boolean prefix(byte[] b, int w) {
        int from = wordStart[w];
        int to = wordEnd[w];
        int slash = from;
        while (slash < to && b[slash] != '/') {
            slash++;
        }
        int digits = to - slash - 1;
        if (slash == to || digits < 1 || digits > 2 || !quad(b, from, slash)) {
            return false;
        }
        int value = 0;
        for (int k = slash + 1; k < to; k++) {
            if (b[k] < '0' || b[k] > '9') {
                return false;
            }
            value = value * 10 + (b[k] - '0');
        }
        if (value > 32 || (digits > 1 && b[slash + 1] == '0')) {
            return false;
        }
        length = value;
        return (parsed & Ipv4Address.mask(value)) == parsed;
    }

    /** {@code b[from, to)} as a dotted quad, each octet 0..255 without leading zeros, into {@link #parsed}. */
    private boolean quad(byte[] b, int from, int to) {
        int address = 0;
        int at = from;
        for (int part = 0; part < 4; part++) {
            if (part > 0) {
                if (at >= to || b[at] != '.') {
                    return false;
                }
                at++;
            }
            int start = at;
            int value = 0;
            while (at < to && at - start < 3 && b[at] >= '0' && b[at] <= '9') {
                value = value * 10 + (b[at] - '0');
                at++;
            }
            int digits = at - start;
            if (digits == 0 || value > 255 || (digits > 1 && b[start] == '0')) {
                return false;
            }
            address = (address << 8) | value;
        }
        if (at != to) {
            return false;
        }
        parsed = address;
        return true;
    }
}
