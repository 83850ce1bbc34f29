package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** The command-line splitter used for every line of a request (no regex per line) splits as split("\\s+"). */
class CommandWordsTest {
    @Test
    void splitsAtRunsOfWhitespace() {
        assertEquals(List.of("route", "add", "10.0.0.0/8", "via", "192.0.2.1"),
                CommandProcessor.words("route  add\t10.0.0.0/8 \f via\u000B192.0.2.1"));
        assertEquals(List.of("stats"), CommandProcessor.words("stats"));
    }

    @Property(tries = 2000)
    void sameWordsAsTheRegexSplit(@ForAll @StringLength(min = 1, max = 30) @CharRange(from = 'a', to = 'c')
                                  @Chars({' ', '\t', '\f', '\u000B', '\r', '/', '.'}) String text) {
        String line = text.strip();
        if (line.isEmpty()) {
            return;
        }
        assertEquals(Arrays.asList(line.split("\\s+")), CommandProcessor.words(line), "\"" + line + "\"");
    }
}
