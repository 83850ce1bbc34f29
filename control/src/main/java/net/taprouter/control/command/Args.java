package net.taprouter.control.command;

import java.util.List;
import net.taprouter.dataplane.wire.Ipv4Address;
import net.taprouter.dataplane.wire.MacAddress;

/**
 * The words of one command with a cursor and parsers that fail with a clear
 * {@link CommandException} naming the command (e.g. {@code route add: bad prefix "10.0.0.1/33"}).
 */
public final class Args {
    private final List<String> words;
    private int position;
    private String command = "";

    public Args(List<String> words) {
        this.words = words;
    }

    /** The command name used in error messages, e.g. "route add". */
    public void command(String name) {
        this.command = name;
    }

    public String command() {
        return command;
    }

    public boolean hasNext() {
        return position < words.size();
    }

    public String peek() {
        return hasNext() ? words.get(position) : null;
    }

    /** The next word, or an error naming what was expected. */
    public String next(String what) {
        if (!hasNext()) {
            throw error("missing " + what);
        }
        return words.get(position++);
    }

    /** Consumes the next word if it equals {@code keyword}. */
    public boolean accept(String keyword) {
        if (hasNext() && words.get(position).equals(keyword)) {
            position++;
            return true;
        }
        return false;
    }

    /** The next word must be {@code keyword}. */
    public void expect(String keyword) {
        String word = next("\"" + keyword + "\"");
        if (!word.equals(keyword)) {
            throw error("expected \"" + keyword + "\", got \"" + word + "\"");
        }
    }

    /** No words may be left. */
    public void end() {
        if (hasNext()) {
            throw error("unexpected \"" + peek() + "\"");
        }
    }

    public CommandException error(String message) {
        return new CommandException(command.isEmpty() ? message : command + ": " + message);
    }

    /** {@code bad prefix 10.0.0.0/33 (length > 32)}: the word as typed and why it is wrong. */
    static String bad(String what, String word, String why) {
        return "bad " + what + " " + word + (why == null ? "" : " (" + why + ")");
    }

    public int address(String what) {
        String word = next(what);
        try {
            return Ipv4Address.parse(word);
        } catch (IllegalArgumentException e) {
            throw error(bad(what, word, Prefix.addressProblem(word)));
        }
    }

    public long mac() {
        String word = next("MAC address");
        try {
            long mac = MacAddress.parse(word);
            if (MacAddress.isMulticast(mac) || mac == 0) {
                throw error("MAC address \"" + word + "\" is not a unicast address");
            }
            return mac;
        } catch (IllegalArgumentException e) {
            throw error("bad MAC address \"" + word + "\"");
        }
    }

    public int integer(String what, int min, int max) {
        String word = next(what);
        try {
            int value = Integer.parseInt(word);
            if (value < min || value > max) {
                throw error(what + " " + value + " out of range " + min + ".." + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw error("bad " + what + " \"" + word + "\"");
        }
    }

    /** A.B.C.D/LEN (host bits allowed when {@code hostBitsAllowed}, as for addresses). */
    public Prefix prefix(String what, boolean hostBitsAllowed) {
        String word = next(what);
        Prefix prefix = Prefix.parse(word, hostBitsAllowed);
        if (prefix == null) {
            String why = Prefix.problem(word);
            throw error(bad(what, word, why != null ? why : "host bits set"));
        }
        return prefix;
    }

    /** A prefix, {@code default}, or a bare address meaning /32 (as ip route does). */
    public Prefix routePrefix() {
        String word = next("prefix");
        if (word.equals("default")) {
            return new Prefix(0, 0);
        }
        Prefix prefix = Prefix.parse(word.contains("/") ? word : word + "/32", true);
        if (prefix == null) {
            throw error(bad("prefix", word, word.contains("/") ? Prefix.problem(word) : Prefix.addressProblem(word)));
        }
        if (prefix.address() != prefix.network()) {
            throw error("invalid prefix \"" + word + "\": host bits set (did you mean "
                + Ipv4Address.format(prefix.network()) + "/" + prefix.length() + "?)");
        }
        return prefix;
    }
}
