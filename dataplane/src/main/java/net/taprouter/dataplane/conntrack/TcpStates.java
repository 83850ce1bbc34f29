package net.taprouter.dataplane.conntrack;

/**
 * The TCP connection states a tracked flow goes through, as nf_conntrack names and moves them
 * (the router is a man in the middle: it guesses the state of the side that sent the segment),
 * and their default timeouts. Window tracking (out-of-window segments) is separate; this class is
 * the state machine only: {@link #next}(direction, segment kind, state).
 *
 * <p>Segment kinds, by the flags that decide ({@link #kind}): RST wins over everything; then SYN
 * (with ACK: SYN-ACK); then FIN; then ACK; else NONE. Results besides a state: {@link #INVALID}
 * (count it and drop) and {@link #IGNORE} (let it pass without changing the state: it may be valid,
 * and the receiver's answer — a RST or a SYN-ACK — will tell).
 */
public final class TcpStates {
    public static final int NONE = 0;
    public static final int SYN_SENT = 1;
    public static final int SYN_RECV = 2;
    public static final int ESTABLISHED = 3;
    public static final int FIN_WAIT = 4;
    public static final int CLOSE_WAIT = 5;
    public static final int LAST_ACK = 6;
    public static final int TIME_WAIT = 7;
    public static final int CLOSE = 8;
    /** A SYN from the reply side answered a SYN: simultaneous open. */
    public static final int SYN_SENT2 = 9;
    public static final int COUNT = 10;
    public static final int INVALID = 10;
    public static final int IGNORE = 11;

    /** Segment kinds. */
    public static final int SEG_SYN = 0;
    public static final int SEG_SYNACK = 1;
    public static final int SEG_FIN = 2;
    public static final int SEG_ACK = 3;
    public static final int SEG_RST = 4;
    public static final int SEG_NONE = 5;

    private static final String[] NAMES = {"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT",
        "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"};

    /** Default timeouts in seconds, by state (nf_conntrack's sysctl defaults). */
    private static final int[] DEFAULT_TIMEOUTS = {0, 120, 60, 432_000, 120, 60, 30, 120, 10, 120};

    private static final byte[] TABLE = new byte[2 * 6 * COUNT];

    static {
        java.util.Arrays.fill(TABLE, (byte) INVALID);
        for (int dir = 0; dir < 2; dir++) {
            // RST closes every connection we know of; a RST with no connection is not one.
            for (int s = SYN_SENT; s < COUNT; s++) {
                set(dir, SEG_RST, s, CLOSE);
            }
            // FIN: the first FIN of either side starts the close, the second waits for the last ACK.
            set(dir, SEG_FIN, SYN_RECV, FIN_WAIT);
            set(dir, SEG_FIN, ESTABLISHED, FIN_WAIT);
            set(dir, SEG_FIN, FIN_WAIT, LAST_ACK);
            set(dir, SEG_FIN, CLOSE_WAIT, LAST_ACK);
            set(dir, SEG_FIN, LAST_ACK, LAST_ACK);
            set(dir, SEG_FIN, TIME_WAIT, TIME_WAIT);
            set(dir, SEG_FIN, CLOSE, CLOSE);
            // ACK after the handshake and during the close.
            set(dir, SEG_ACK, ESTABLISHED, ESTABLISHED);
            set(dir, SEG_ACK, FIN_WAIT, CLOSE_WAIT);
            set(dir, SEG_ACK, CLOSE_WAIT, CLOSE_WAIT);
            set(dir, SEG_ACK, LAST_ACK, TIME_WAIT);
            set(dir, SEG_ACK, TIME_WAIT, TIME_WAIT);
            set(dir, SEG_ACK, CLOSE, CLOSE);
            // A SYN-ACK once the handshake is past may answer a SYN we ignored: let it by.
            for (int s = SYN_RECV; s <= CLOSE; s++) {
                set(dir, SEG_SYNACK, s, IGNORE);
            }
            set(dir, SEG_SYNACK, SYN_SENT2, SYN_RECV);
        }
        int o = FlowTable.ORIGINAL;
        int r = FlowTable.REPLY;
        // The originator opens (or reopens after TIME_WAIT/CLOSE, RFC 1122) and may retransmit.
        set(o, SEG_SYN, NONE, SYN_SENT);
        set(o, SEG_SYN, SYN_SENT, SYN_SENT);
        set(o, SEG_SYN, TIME_WAIT, SYN_SENT);
        set(o, SEG_SYN, CLOSE, SYN_SENT);
        set(o, SEG_SYN, SYN_SENT2, SYN_SENT2);
        for (int s = SYN_RECV; s <= LAST_ACK; s++) {
            set(o, SEG_SYN, s, IGNORE); // the receiver will answer with a RST if it is wrong
        }
        set(o, SEG_ACK, NONE, ESTABLISHED); // picked up mid-stream
        set(o, SEG_ACK, SYN_RECV, ESTABLISHED); // the handshake completes
        // The responder answers the SYN, or opens simultaneously.
        set(r, SEG_SYN, SYN_SENT, SYN_SENT2);
        set(r, SEG_SYN, SYN_SENT2, SYN_SENT2);
        set(r, SEG_SYNACK, SYN_SENT, SYN_RECV);
        set(r, SEG_ACK, SYN_SENT, IGNORE); // maybe a half-open connection
        set(r, SEG_ACK, SYN_SENT2, IGNORE);
        set(r, SEG_ACK, SYN_RECV, SYN_RECV); // may answer a late retransmitted SYN
    }

    private TcpStates() {
    }

    private static void set(int direction, int kind, int state, int next) {
        TABLE[(direction * 6 + kind) * COUNT + state] = (byte) next;
    }

    /** The segment kind of TCP {@code flags} (the header's flag byte: FIN 1, SYN 2, RST 4, ACK 16). */
    public static int kind(int flags) {
        if ((flags & 0x04) != 0) {
            return SEG_RST;
        }
        if ((flags & 0x02) != 0) {
            return (flags & 0x10) != 0 ? SEG_SYNACK : SEG_SYN;
        }
        if ((flags & 0x01) != 0) {
            return SEG_FIN;
        }
        return (flags & 0x10) != 0 ? SEG_ACK : SEG_NONE;
    }

    /**
     * The state after a segment of {@code kind} sent in {@code direction} (FlowTable.ORIGINAL or
     * REPLY) in {@code state}; or {@link #INVALID} or {@link #IGNORE}.
     */
    public static int next(int direction, int kind, int state) {
        return TABLE[(direction * 6 + kind) * COUNT + state];
    }

    /** The name conntrack -L prints. */
    public static String name(int state) {
        return NAMES[state];
    }

    /** nf_conntrack's default timeout of a state, in seconds. */
    public static int defaultTimeout(int state) {
        return DEFAULT_TIMEOUTS[state];
    }
}
