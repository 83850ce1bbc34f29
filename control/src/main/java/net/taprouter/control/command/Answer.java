package net.taprouter.control.command;

/**
 * The output of a request as a sequence of text pieces, each at most about {@link #PIECE_CHARS}
 * characters: what was printed before the last command, then that command's {@link Listing}
 * produced {@link #ROWS_PER_PIECE} rows at a time (as text lines, or as the elements of one JSON
 * array with {@code -j}). {@link #next()} is called by the control socket only when the client
 * can take more, so memory stays bounded however long the listing is. Control thread only.
 *
 * <p>Memory. Only the last command's listing ({@code route show}, {@code save}, later conntrack)
 * is streamed: routerd holds one piece of it at a time, however large the table. A listing that
 * another command of the same request follows is made in place when the next line runs, because
 * it shows the state at its own line (a batch {@code route show; route add ...; route show}
 * prints before and after): that costs its printed size (text, or JSON text; no per-row maps or
 * copies of both forms, see {@link Output#row}) for the life of the request, so such a request's
 * memory is bounded by the output it asked for and nothing more. Text and JSON rows that the
 * answer does not print ({@code save}'s lines after JSON rows, anything replaced by pre-rendered
 * output) are not made at all.
 */
public final class Answer {
    public static final int PIECE_CHARS = 64 * 1024;
    public static final int ROWS_PER_PIECE = 512;

    private final boolean json;
    private String head;
    private int headAt;
    private Listing listing;
    private boolean rowsWritten;
    private String tail;
    private LiveStream live;

    /**
     * @param head        rendered text so far (for a JSON listing: "[" and the rows already made)
     * @param listing     the rows still to produce, or null
     * @param rowsWritten whether {@code head} already holds JSON rows (the next needs a comma)
     * @param tail        what follows the listing ("]\n" closes a JSON array), or ""
     */
    Answer(boolean json, String head, Listing listing, boolean rowsWritten, String tail) {
        this(json, head, listing, rowsWritten, tail, null);
    }

    /** As above, then {@code live}'s pieces ({@link LiveStream}: "" = nothing right now). */
    Answer(boolean json, String head, Listing listing, boolean rowsWritten, String tail, LiveStream live) {
        this.live = live;
        this.json = json;
        this.head = head;
        this.listing = listing;
        this.rowsWritten = rowsWritten;
        this.tail = tail;
    }

    /** An answer that is just {@code text}. */
    public static Answer of(String text) {
        return new Answer(false, text, null, false, "");
    }

    /** The next piece (never empty, but "" while a live stream has nothing right now), or null when the answer is complete. */
    public String next() {
        while (true) {
            if (head != null) {
                if (headAt < head.length()) {
                    int end = Math.min(head.length(), headAt + PIECE_CHARS);
                    if (end < head.length() && Character.isHighSurrogate(head.charAt(end - 1))) {
                        end--; // each piece is encoded on its own: keep surrogate pairs together
                    }
                    String piece = head.substring(headAt, end);
                    headAt = end;
                    return piece;
                }
                head = null;
            }
            if (live != null) {
                String piece = live.next();
                if (piece == null) {
                    close();
                }
                return piece;
            }
            if (listing == null) {
                String last = tail;
                tail = null;
                return last == null || last.isEmpty() ? null : last;
            }
            Output rows = new Output(json);
            boolean more = listing.next(rows, ROWS_PER_PIECE);
            if (!more) {
                listing = null;
            }
            StringBuilder piece = new StringBuilder();
            rowsWritten = rows.appendRows(piece, rowsWritten);
            if (piece.length() > 0) {
                return piece.toString();
            }
        }
    }

    /** The client went away or the answer ended: a live stream releases what it holds. */
    public void close() {
        LiveStream l = live;
        live = null;
        if (l != null) {
            l.close();
        }
    }

    /** The whole answer as one string (config files, tests: small outputs). */
    public String text() {
        close(); // a live stream needs a client (routerctl): not in a config file or a test's text
        StringBuilder all = new StringBuilder();
        for (String piece; (piece = next()) != null;) {
            all.append(piece);
        }
        return all.toString();
    }
}
