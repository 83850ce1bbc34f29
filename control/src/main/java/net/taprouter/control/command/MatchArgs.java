package net.taprouter.control.command;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.match.FrameMatch;

/**
 * The {@code match PREDICATE} of {@code trace add} and {@code capture}: the words after
 * {@code match} up to the next option (a word starting with {@code -}) or the end of the line, one
 * pair of surrounding quotes stripped (the wire carries words, not a shell's quoting), parsed into
 * a {@link FrameMatch}; a bad predicate is the request's one-line error.
 */
final class MatchArgs {
    private MatchArgs() {
    }

    /** Reads the predicate after the word {@code match} (already taken). */
    static FrameMatch parse(Args args) {
        List<String> words = new ArrayList<>();
        while (args.hasNext() && !args.peek().startsWith("-")) {
            words.add(args.next("match term"));
        }
        String predicate = String.join(" ", words).trim();
        if (predicate.length() >= 2 && (predicate.startsWith("'") && predicate.endsWith("'")
            || predicate.startsWith("\"") && predicate.endsWith("\""))) {
            predicate = predicate.substring(1, predicate.length() - 1);
        }
        try {
            return FrameMatch.parse(predicate);
        } catch (IllegalArgumentException e) {
            throw args.error(e.getMessage());
        }
    }
}
