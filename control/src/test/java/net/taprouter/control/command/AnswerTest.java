package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A streamed listing gives the same text and JSON as a listing made whole, a piece at a time. */
class AnswerTest {
    /** Rows "r0".."r(n-1)"; counts how many rows were asked for so far. */
    private static final class Counting implements Listing {
        final int n;
        int made;

        Counting(int n) {
            this.n = n;
        }

        @Override
        public boolean next(Output out, int maxRows) {
            for (int k = 0; k < maxRows && made < n; k++, made++) {
                out.row("r" + made).put("i", made);
            }
            return made < n;
        }
    }

    @Test
    void textAndJsonAreProducedPieceByPiece() {
        int n = 3 * Answer.ROWS_PER_PIECE + 7;
        Output text = new Output(false);
        text.line("before");
        Counting rows = new Counting(n);
        text.stream(rows);
        Answer a = text.answer();
        assertEquals("before\n", a.next());
        assertEquals(0, rows.made, "no row is made before it is asked for");
        StringBuilder all = new StringBuilder("before\n");
        all.append(a.next());
        assertEquals(Answer.ROWS_PER_PIECE, rows.made, "only the rows of one piece are made per piece");
        for (String piece; (piece = a.next()) != null;) {
            all.append(piece);
        }
        StringBuilder expected = new StringBuilder("before\n");
        for (int i = 0; i < n; i++) {
            expected.append('r').append(i).append('\n');
        }
        assertEquals(expected.toString(), all.toString());

        Output json = new Output(true);
        json.stream(new Counting(n));
        String whole = json.answer().text();
        assertTrue(whole.startsWith("[{\"i\":0},{\"i\":1},"), whole.substring(0, 40));
        assertTrue(whole.endsWith(",{\"i\":" + (n - 1) + "}]\n"));
        assertEquals(n, whole.split("\\{").length - 1);
    }

    @Test
    void emptyAndSettledListings() {
        Output empty = new Output(true);
        empty.stream(new Counting(0));
        assertEquals("[]\n", empty.answer().text());
        Output none = new Output(false);
        none.stream(new Counting(0));
        assertNull(none.answer().next());

        Output settled = new Output(true); // a listing followed by another command is made in place
        settled.stream(new Counting(2));
        settled.settle();
        settled.row("x").put("i", 9);
        assertEquals("[{\"i\":0},{\"i\":1},{\"i\":9}]\n", settled.answer().text());
    }

    @Test
    void eachModeKeepsOnlyWhatItPrints() {
        Output text = new Output(false);
        Map<String, Object> first = text.row("a");
        first.put("x", 1);
        Map<String, Object> second = text.row("b");
        assertSame(first, second, "text mode keeps no JSON map per row");
        assertTrue(second.isEmpty(), "the scratch map is emptied at every row");
        assertEquals("a\nb\n", text.render());

        Output json = new Output(true);
        Map<String, Object> one = json.row("a");
        one.put("x", 1);
        assertNotSame(one, json.row("b"));
        assertEquals("[{\"x\":1},{}]\n", json.render());
    }

    @Test
    void aJsonRowIsKeptAsTextOnceTheNextStarts() {
        // a listing made in place (a show followed by another command) holds its printed text, not maps
        Output json = new Output(true);
        Map<String, Object> first = json.row("a");
        first.put("x", 1);
        json.row("b").put("y", List.of(2, 3));
        first.put("late", true); // written already: the caller fills a row before asking for the next
        assertEquals("[{\"x\":1},{\"y\":[2,3]}]\n", json.render());
    }

    @Test
    void longTextIsCutIntoPieces() {
        String big = "x".repeat(Answer.PIECE_CHARS * 2 + 5);
        Answer a = Answer.of(big);
        assertEquals(Answer.PIECE_CHARS, a.next().length());
        assertEquals(Answer.PIECE_CHARS, a.next().length());
        assertEquals(5, a.next().length());
        assertNull(a.next());
    }
}
