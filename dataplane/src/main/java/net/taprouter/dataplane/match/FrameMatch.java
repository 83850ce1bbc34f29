package net.taprouter.dataplane.match;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.wire.Ipv4Address;
import org.agrona.DirectBuffer;

/**
 * Which frames a trace or a capture takes ({@code trace add N match 'PREDICATE'}, {@code capture
 * PORT match 'PREDICATE'}): terms joined by {@code and}, each one of
 * <pre>
 *   src A.B.C.D[/LEN]      the IPv4 source is in the prefix
 *   dst A.B.C.D[/LEN]      the IPv4 destination is in the prefix
 *   proto tcp|udp|icmp|N   the IP protocol
 *   port N                 TCP or UDP, either port is N (not a later fragment: it has no ports)
 * </pre>
 * A frame matches when every term holds; a frame that is not IPv4 matches only the empty
 * predicate ({@link #ANY}). Evaluated on the frame as it is on the wire (its Ethernet header
 * first; one 802.1Q tag is looked through, so a trunk port's frames match too), with no
 * allocation. Immutable.
 */
public final class FrameMatch {
    private static final int SRC = 0;
    private static final int DST = 1;
    private static final int PROTO = 2;
    private static final int PORT = 3;

    /** Matches every frame. */
    public static final FrameMatch ANY = new FrameMatch(new int[0], new int[0], new int[0], "");

    private final int[] kinds;
    private final int[] values;
    private final int[] masks;
    private final String text;

    private FrameMatch(int[] kinds, int[] values, int[] masks, String text) {
        this.kinds = kinds;
        this.values = values;
        this.masks = masks;
        this.text = text;
    }

    /**
     * Parses a predicate (the words of {@code match '...'}, as one string or several). Throws
     * IllegalArgumentException with a one-line message naming what is wrong.
     */
    public static FrameMatch parse(String predicate) {
        String[] words = predicate.trim().isEmpty() ? new String[0] : predicate.trim().split("\\s+");
        if (words.length == 0) {
            throw new IllegalArgumentException("empty match (terms: src A/LEN, dst A/LEN, proto tcp|udp|icmp, port N, joined by and)");
        }
        List<int[]> terms = new ArrayList<>();
        int i = 0;
        while (true) {
            if (i >= words.length) {
                throw new IllegalArgumentException("match ends after \"and\"");
            }
            String key = words[i++];
            if (i >= words.length) {
                throw new IllegalArgumentException(switch (key) {
                    case "src", "dst" -> "match " + key + " needs an address (A.B.C.D or A.B.C.D/LEN)";
                    case "proto" -> "match proto needs tcp, udp, icmp or a number";
                    case "port" -> "match port needs a number";
                    default -> unknownTerm(key);
                });
            }
            String value = words[i++];
            terms.add(switch (key) {
                case "src" -> prefix(SRC, value);
                case "dst" -> prefix(DST, value);
                case "proto" -> new int[] {PROTO, protocol(value), 0};
                case "port" -> new int[] {PORT, number(value, 0, 65535, "port"), 0};
                default -> throw new IllegalArgumentException(unknownTerm(key));
            });
            if (i == words.length) {
                break;
            }
            if (!words[i].equals("and") && !words[i].equals("&&")) {
                throw new IllegalArgumentException("expected \"and\" between match terms, got \"" + words[i] + "\"");
            }
            i++;
        }
        int[] kinds = new int[terms.size()];
        int[] values = new int[terms.size()];
        int[] masks = new int[terms.size()];
        for (int t = 0; t < terms.size(); t++) {
            kinds[t] = terms.get(t)[0];
            values[t] = terms.get(t)[1];
            masks[t] = terms.get(t)[2];
        }
        return new FrameMatch(kinds, values, masks, String.join(" ", words));
    }

    private static String unknownTerm(String key) {
        return "unknown match term \"" + key + "\" (terms: src A/LEN, dst A/LEN, proto tcp|udp|icmp, port N, joined by and)";
    }

    private static int[] prefix(int kind, String value) {
        int slash = value.indexOf('/');
        int length = slash < 0 ? 32 : number(value.substring(slash + 1), 0, 32, "prefix length");
        int address;
        try {
            address = Ipv4Address.parse(slash < 0 ? value : value.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("match " + (kind == SRC ? "src" : "dst") + ": \"" + value + "\" is not A.B.C.D or A.B.C.D/LEN");
        }
        int mask = Ipv4Address.mask(length);
        return new int[] {kind, address & mask, mask};
    }

    private static int protocol(String value) {
        return switch (value) {
            case "tcp" -> 6;
            case "udp" -> 17;
            case "icmp" -> 1;
            default -> {
                if (!value.chars().allMatch(Character::isDigit)) {
                    throw new IllegalArgumentException("match proto is tcp, udp, icmp or a number, not \"" + value + "\"");
                }
                yield number(value, 0, 255, "proto");
            }
        };
    }

    private static int number(String value, int min, int max, String what) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("match " + what + " must be " + min + ".." + max + ", not \"" + value + "\"");
    }

    /** True if the frame at {@code offset} (Ethernet header first, {@code length} bytes) satisfies every term. */
    public boolean matches(DirectBuffer buffer, int offset, int length) {
        int[] k = kinds;
        if (k.length == 0) {
            return true;
        }
        int ip = offset + 14;
        if (length >= 18 && buffer.getShort(offset + 12, ByteOrder.BIG_ENDIAN) == (short) 0x8100) {
            ip += 4; // one 802.1Q tag
        }
        if (ip + 20 > offset + length || buffer.getShort(ip - 2, ByteOrder.BIG_ENDIAN) != 0x0800) {
            return false;
        }
        int protocol = buffer.getByte(ip + 9) & 0xFF;
        for (int t = 0; t < k.length; t++) {
            switch (k[t]) {
                case SRC -> {
                    if ((buffer.getInt(ip + 12, ByteOrder.BIG_ENDIAN) & masks[t]) != values[t]) {
                        return false;
                    }
                }
                case DST -> {
                    if ((buffer.getInt(ip + 16, ByteOrder.BIG_ENDIAN) & masks[t]) != values[t]) {
                        return false;
                    }
                }
                case PROTO -> {
                    if (protocol != values[t]) {
                        return false;
                    }
                }
                default -> { // PORT
                    int l4 = ip + (buffer.getByte(ip) & 0x0F) * 4;
                    boolean laterFragment = (buffer.getShort(ip + 6, ByteOrder.BIG_ENDIAN) & 0x1FFF) != 0;
                    if ((protocol != 6 && protocol != 17) || laterFragment || l4 + 4 > offset + length) {
                        return false;
                    }
                    int port = values[t];
                    if ((buffer.getShort(l4, ByteOrder.BIG_ENDIAN) & 0xFFFF) != port
                        && (buffer.getShort(l4 + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF) != port) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** The predicate as given (words joined by one space); "" for {@link #ANY}. */
    @Override
    public String toString() {
        return text;
    }
}
