package net.taprouter.control.command;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a command prints: text lines for people, and the same content as JSON objects for
 * scripts ({@code -j}). Show commands add one {@link #row} per object, or hand over a
 * {@link Listing} (a cursor) with {@link #stream}: the last command of a request streams it
 * piece by piece ({@link #answer()}); an earlier one is drained in place by {@link #settle()}.
 * Only what is printed is kept, as text (see {@link #row}), so an output costs about its printed size.
 */
public final class Output {
    private final boolean json;
    private LiveStream live;
    /** The command being run ({@link #command}), and the one that made {@link #live}: named when another follows it. */
    private String command = "capture";
    private String liveCommand;
    private final StringBuilder text = new StringBuilder();
    /** JSON mode: the rows written so far, comma-separated ({@link #row} writes each when the next starts). */
    private final StringBuilder jsonRows = new StringBuilder();
    /** JSON mode: the row being filled by its caller, written at the next {@link #row} or when read. */
    private Map<String, Object> openRow;
    private boolean rowsUsed;
    private final StringBuilder raw = new StringBuilder();
    private Listing pending;
    /** Whether {@link #pending} prints text lines in JSON mode too ({@link #streamLines}). */
    private boolean pendingLines;
    /** What {@link #row} returns in text mode: the JSON fields nobody prints. */
    private final Map<String, Object> scratch = new LinkedHashMap<>();

    public Output(boolean json) {
        this.json = json;
    }

    public boolean json() {
        return json;
    }

    /** A line of text (ignored in JSON mode when rows are given). */
    public Output line(String line) {
        text.append(line).append('\n');
        return this;
    }

    /**
     * One object of a listing: its text form and its JSON fields. Only the form that is printed is
     * kept, as printed text: in text mode the line (the map returned is a scratch map, emptied at
     * every row, whose fields are dropped); in JSON mode the map, written as JSON when the next row
     * starts (so the caller fills a row before asking for the next) and the line dropped.
     */
    public Map<String, Object> row(String textLine) {
        rowsUsed = true;
        if (!json) {
            line(textLine);
            scratch.clear();
            return scratch;
        }
        closeRow();
        openRow = new LinkedHashMap<>();
        return openRow;
    }

    /** Marks the output as a (possibly empty) listing so -j prints [] rather than nothing. */
    public void listing() {
        rowsUsed = true;
    }

    /** A listing of rows made a piece at a time; streamed if it is the request's last output. */
    public void stream(Listing listing) {
        settle();
        rowsUsed = true;
        pending = listing;
    }

    /**
     * A listing of plain text lines ({@link #line}, as {@code save} prints, in JSON mode too) made
     * a piece at a time; streamed if it is the request's last output.
     */
    public void streamLines(Listing listing) {
        settle();
        pending = listing;
        pendingLines = true;
    }

    /**
     * The command about to run ({@code capture}, {@code monitor}, {@code conntrack -E}), as an error
     * names it if it makes a live answer and is not the last of its request.
     */
    void command(String name) {
        command = name;
    }

    /** The answer goes on as things happen ({@code capture}): only as the last command of a request. */
    public void live(LiveStream stream) {
        settle();
        live = stream;
        liveCommand = command;
    }

    /** Produces a pending listing in full now (another command follows it). */
    public void settle() {
        if (live != null) {
            throw new CommandException("a live command (" + liveCommand + ") must be the last of a request");
        }
        Listing l = pending;
        pending = null;
        pendingLines = false;
        if (l != null) {
            while (l.next(this, Answer.ROWS_PER_PIECE)) {
                // all rows into this output
            }
        }
    }

    /** Pre-rendered output (already text or JSON as asked). */
    public void raw(String rendered) {
        raw.append(rendered);
    }

    /** Everything printed, with a pending listing produced in full. */
    public String render() {
        return answer().text();
    }

    /** Everything printed so far, then the pending listing (if any) piece by piece. */
    public Answer answer() {
        if (live != null) {
            return new Answer(false, raw.toString() + text, null, false, "", live);
        }
        if (raw.length() > 0) {
            pending = null; // pre-rendered output replaces the listing: not made at all
            pendingLines = false;
            return Answer.of(raw.toString());
        }
        if (json && rowsUsed) {
            StringBuilder out = new StringBuilder("[");
            boolean written = appendRows(out, false);
            if (pendingLines) { // text lines after JSON rows are printed nowhere: not made at all
                pending = null;
                pendingLines = false;
                return Answer.of(out.append("]\n").toString());
            }
            return new Answer(true, out.toString(), pending, written, "]\n");
        }
        if (pending != null) {
            return new Answer(false, text.toString(), pending, false, "");
        }
        return Answer.of(text.toString());
    }

    /** Appends this output's rows (JSON: comma-separated objects; text: lines); returns whether any row is now written. */
    boolean appendRows(StringBuilder out, boolean rowsWritten) {
        if (!json) {
            out.append(text);
            return rowsWritten;
        }
        closeRow();
        if (jsonRows.length() == 0) {
            return rowsWritten;
        }
        if (rowsWritten) {
            out.append(',');
        }
        out.append(jsonRows);
        return true;
    }

    /** Writes the row being filled (JSON mode) after the rows already written. */
    private void closeRow() {
        if (openRow != null) {
            if (jsonRows.length() > 0) {
                jsonRows.append(',');
            }
            Json.write(jsonRows, openRow);
            openRow = null;
        }
    }
}
