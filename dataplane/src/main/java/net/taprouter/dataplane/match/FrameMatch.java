package net.taprouter.dataplane.match;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.wire.Ipv4Address;
import org.agrona.DirectBuffer;

/**
 * Which frames a trace or a capture takes ({@code trace add N match 'PREDICATE'}, {@code capture
 * PORT match 'PREDICATE'}): terms combined as in tcpdump's filters (pcap-filter(7)), with
 * {@code and} ({@code &&}), {@code or} ({@code ||}), {@code not} ({@code !}) and parentheses;
 * as there, {@code not} binds tightest and {@code and} and {@code or} have the same precedence,
 * left to right ({@code a or b and c} is {@code (a or b) and c}). The terms:
 * <pre>
 *   src A.B.C.D[/LEN]      the IPv4 source is in the prefix (also: src host A, src net A/LEN)
 *   dst A.B.C.D[/LEN]      the IPv4 destination is in the prefix (also: dst host A, dst net A/LEN)
 *   host A.B.C.D           the source or the destination is A
 *   net A.B.C.D/LEN        the source or the destination is in the prefix
 *   proto tcp|udp|icmp|N   the IP protocol (also: tcp, udp, icmp alone)
 *   port N                 TCP or UDP, either port is N (not a later fragment: it has no ports)
 *   src port N, dst port N TCP or UDP, that port is N
 * </pre>
 * A frame that is not IPv4 matches only the empty predicate ({@link #ANY}), whatever the terms
 * (even under {@code not}). Evaluated on the frame as it is on the wire (its Ethernet header
 * first; one 802.1Q tag is looked through, so a trunk port's frames match too), with no
 * allocation: the predicate is compiled to a postfix program run over a stack of bits in a
 * {@code long} (nesting deeper than {@link #MAX_DEPTH} is refused). Immutable.
 */
public final class FrameMatch {
    private static final int SRC = 0;
    private static final int DST = 1;
    private static final int EITHER_ADDRESS = 2;
    private static final int PROTO = 3;
    private static final int PORT = 4;
    private static final int SRC_PORT = 5;
    private static final int DST_PORT = 6;
    private static final int AND = 7;
    private static final int OR = 8;
    private static final int NOT = 9;

    /** The deepest evaluation stack a predicate may need (the bits of a long). */
    public static final int MAX_DEPTH = 63;

    private static final String TERMS = "terms: src|dst|host|net A[/LEN], proto tcp|udp|icmp|N, [src|dst] port N;"
        + " with and, or, not, ( )";

    /** Matches every frame. */
    public static final FrameMatch ANY = new FrameMatch(new int[0], new int[0], new int[0], "");

    /** The postfix program: an operation per step, with a term's value and mask. */
    private final int[] ops;
    private final int[] values;
    private final int[] masks;
    private final String text;

    private FrameMatch(int[] ops, int[] values, int[] masks, String text) {
        this.ops = ops;
        this.values = values;
        this.masks = masks;
        this.text = text;
    }

    /**
     * Parses a predicate (the words of {@code match '...'}, as one string or several). Throws
     * IllegalArgumentException with a one-line message naming what is wrong.
     */
    public static FrameMatch parse(String predicate) {
        List<String> words = tokens(predicate);
        if (words.isEmpty()) {
            throw new IllegalArgumentException("empty match (" + TERMS + ")");
        }
        Parser parser = new Parser(words);
        parser.expression(0);
        if (parser.at < words.size()) {
            String word = words.get(parser.at);
            throw new IllegalArgumentException(word.equals(")") ? "match has a \")\" without its \"(\""
                : "expected \"and\" or \"or\" between match terms, got \"" + word + "\"");
        }
        int n = parser.program.size();
        int[] ops = new int[n];
        int[] values = new int[n];
        int[] masks = new int[n];
        int depth = 0;
        for (int i = 0; i < n; i++) {
            int[] step = parser.program.get(i);
            ops[i] = step[0];
            values[i] = step[1];
            masks[i] = step[2];
            depth += step[0] == AND || step[0] == OR ? -1 : step[0] == NOT ? 0 : 1;
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException("match is nested too deeply (at most " + MAX_DEPTH + " terms waiting)");
            }
        }
        return new FrameMatch(ops, values, masks, String.join(" ", words));
    }

    /** The words of the predicate, parentheses and a leading {@code !} split off as words of their own. */
    private static List<String> tokens(String predicate) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < predicate.length(); i++) {
            char c = predicate.charAt(i);
            boolean alone = c == '(' || c == ')' || (c == '!' && word.length() == 0
                && (i + 1 == predicate.length() || predicate.charAt(i + 1) != '='));
            if (Character.isWhitespace(c) || alone) {
                if (word.length() > 0) {
                    words.add(word.toString());
                    word.setLength(0);
                }
                if (alone) {
                    words.add(String.valueOf(c));
                }
            } else {
                word.append(c);
            }
        }
        if (word.length() > 0) {
            words.add(word.toString());
        }
        return words;
    }

    /** Recursive descent over the words, writing the postfix program. */
    private static final class Parser {
        private final List<String> words;
        private final List<int[]> program = new ArrayList<>();
        private int at;

        Parser(List<String> words) {
            this.words = words;
        }

        private String peek() {
            return at < words.size() ? words.get(at) : null;
        }

        /** expression := unary (("and" | "or") unary)*, left to right. */
        void expression(int nesting) {
            unary(nesting);
            while (true) {
                String word = peek();
                int op = word == null ? -1 : switch (word) {
                    case "and", "&&" -> AND;
                    case "or", "||" -> OR;
                    default -> -1;
                };
                if (op < 0) {
                    return;
                }
                at++;
                if (peek() == null) {
                    throw new IllegalArgumentException("match ends after \"" + word + "\"");
                }
                unary(nesting);
                program.add(new int[] {op, 0, 0});
            }
        }

        /** unary := ("not" | "!") unary | "(" expression ")" | term. */
        private void unary(int nesting) {
            if (nesting > MAX_DEPTH) {
                throw new IllegalArgumentException("match is nested too deeply (at most " + MAX_DEPTH + " levels)");
            }
            String word = peek();
            if (word == null) {
                throw new IllegalArgumentException("match ends where a term should be");
            }
            switch (word) {
                case "not", "!" -> {
                    at++;
                    if (peek() == null) {
                        throw new IllegalArgumentException("match ends after \"" + word + "\"");
                    }
                    unary(nesting + 1);
                    program.add(new int[] {NOT, 0, 0});
                }
                case "(" -> {
                    at++;
                    expression(nesting + 1);
                    if (!")".equals(peek())) {
                        throw new IllegalArgumentException(peek() == null ? "match has a \"(\" without its \")\""
                            : "expected \")\" or \"and\"/\"or\", got \"" + peek() + "\"");
                    }
                    at++;
                }
                case ")", "and", "&&", "or", "||" -> throw new IllegalArgumentException("expected a match term, got \"" + word + "\"");
                default -> term();
            }
        }

        private String value(String what) {
            String word = peek();
            if (word == null || word.equals("(") || word.equals(")")) {
                throw new IllegalArgumentException(what);
            }
            at++;
            return word;
        }

        private void term() {
            String key = words.get(at++);
            switch (key) {
                case "src", "dst" -> {
                    boolean src = key.equals("src");
                    String next = peek();
                    if ("port".equals(next)) {
                        at++;
                        program.add(new int[] {src ? SRC_PORT : DST_PORT, port(value("match " + key + " port needs a number")), 0});
                        return;
                    }
                    if ("host".equals(next) || "net".equals(next)) {
                        at++;
                    }
                    String address = value("match " + key + " needs an address (A.B.C.D or A.B.C.D/LEN)");
                    program.add(prefix(src ? SRC : DST, key, address, !"host".equals(next)));
                }
                case "host" -> program.add(prefix(EITHER_ADDRESS, key, value("match host needs an address (A.B.C.D)"), false));
                case "net" -> program.add(prefix(EITHER_ADDRESS, key, value("match net needs a prefix (A.B.C.D/LEN)"), true));
                case "proto" -> program.add(new int[] {PROTO, protocol(value("match proto needs tcp, udp, icmp or a number")), 0});
                case "tcp", "udp", "icmp" -> program.add(new int[] {PROTO, protocol(key), 0});
                case "port" -> program.add(new int[] {PORT, port(value("match port needs a number")), 0});
                default -> throw new IllegalArgumentException("unknown match term \"" + key + "\" (" + TERMS + ")");
            }
        }
    }

    private static int[] prefix(int kind, String key, String value, boolean lengthAllowed) {
        int slash = value.indexOf('/');
        if (slash >= 0 && !lengthAllowed) {
            throw new IllegalArgumentException("match " + key + " takes an address, not a prefix: \"" + value + "\" (net A/LEN)");
        }
        int length = slash < 0 ? 32 : number(value.substring(slash + 1), 0, 32, "prefix length");
        int address;
        try {
            address = Ipv4Address.parse(slash < 0 ? value : value.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("match " + key + ": \"" + value + "\" is not A.B.C.D"
                + (lengthAllowed ? " or A.B.C.D/LEN" : ""));
        }
        int mask = Ipv4Address.mask(length);
        return new int[] {kind, address & mask, mask};
    }

    private static int port(String value) {
        return number(value, 0, 65535, "port");
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

    /** True if the frame at {@code offset} (Ethernet header first, {@code length} bytes) satisfies the predicate. */
    public boolean matches(DirectBuffer buffer, int offset, int length) {
        int[] program = ops;
        if (program.length == 0) {
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
        int source = buffer.getInt(ip + 12, ByteOrder.BIG_ENDIAN);
        int destination = buffer.getInt(ip + 16, ByteOrder.BIG_ENDIAN);
        int l4 = ip + (buffer.getByte(ip) & 0x0F) * 4;
        boolean hasPorts = (protocol == 6 || protocol == 17) && (buffer.getShort(ip + 6, ByteOrder.BIG_ENDIAN) & 0x1FFF) == 0
            && l4 + 4 <= offset + length;
        int sourcePort = hasPorts ? buffer.getShort(l4, ByteOrder.BIG_ENDIAN) & 0xFFFF : -1;
        int destinationPort = hasPorts ? buffer.getShort(l4 + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF : -1;
        long stack = 0; // bit 0: the top
        for (int i = 0; i < program.length; i++) {
            int value = values[i];
            int mask = masks[i];
            boolean bit;
            switch (program[i]) {
                case AND -> {
                    stack = (stack >>> 1) & (stack | ~1L);
                    continue;
                }
                case OR -> {
                    stack = (stack >>> 1) | (stack & 1L);
                    continue;
                }
                case NOT -> {
                    stack ^= 1L;
                    continue;
                }
                case SRC -> bit = (source & mask) == value;
                case DST -> bit = (destination & mask) == value;
                case EITHER_ADDRESS -> bit = (source & mask) == value || (destination & mask) == value;
                case PROTO -> bit = protocol == value;
                case PORT -> bit = sourcePort == value || destinationPort == value;
                case SRC_PORT -> bit = sourcePort == value;
                default -> bit = destinationPort == value; // DST_PORT
            }
            stack = stack << 1 | (bit ? 1L : 0L);
        }
        return (stack & 1L) != 0;
    }

    /** The predicate as given (words joined by one space); "" for {@link #ANY}. */
    @Override
    public String toString() {
        return text;
    }
}
