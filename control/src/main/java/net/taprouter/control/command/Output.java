package net.taprouter.control.command;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a command prints: text lines for people, and the same content as JSON objects for
 * scripts ({@code -j}). Show commands add one {@link #row} per object.
 */
public final class Output {
    private final boolean json;
    private final StringBuilder text = new StringBuilder();
    private final List<Map<String, Object>> rows = new ArrayList<>();
    private boolean rowsUsed;
    private final StringBuilder raw = new StringBuilder();

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

    /** One object of a listing: its text form and its JSON fields. */
    public Map<String, Object> row(String textLine) {
        line(textLine);
        rowsUsed = true;
        Map<String, Object> row = new LinkedHashMap<>();
        rows.add(row);
        return row;
    }

    /** Marks the output as a (possibly empty) listing so -j prints [] rather than nothing. */
    public void listing() {
        rowsUsed = true;
    }

    /** Pre-rendered output (already text or JSON as asked). */
    public void raw(String rendered) {
        raw.append(rendered);
    }

    public String render() {
        if (raw.length() > 0) {
            return raw.toString();
        }
        if (json && rowsUsed) {
            StringBuilder out = new StringBuilder();
            Json.write(out, rows);
            return out.append('\n').toString();
        }
        return text.toString();
    }
}
