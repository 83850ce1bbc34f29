package net.taprouter.dataplane.conntrack;

/**
 * TCP window tracking as nf_conntrack does it (Rooij's "Real stateful TCP packet filtering in IP
 * Filter", the kernel's {@code tcp_in_window}): per direction the highest sequence number sent
 * ({@code td_end}), the highest the receiver's window allows ({@code td_maxend}), the largest
 * window seen ({@code td_maxwin}), and the window scale and SACK permission from the SYN options.
 * A segment is in window if its sequence numbers fall within what the receiver allows
 * (I: {@code seq <= td_maxend}, II: {@code end >= td_end - receiver's maxwin}) and its ACK within
 * what the receiver sent (III: {@code ack <= receiver's td_end}, IV: {@code ack >= receiver's
 * td_end - max(maxwin, 66000)}); SACK blocks count as the ACK when the receiver permitted SACK.
 * Out of window: INVALID, unless the flow was picked up mid-stream (no SYN seen), which is tracked
 * liberally as the kernel does ({@code IP_CT_TCP_FLAG_BE_LIBERAL}: its window scale is unknown).
 * As kernels before 6.1, an ACK under the lower bound (IV) is INVALID (newer ones let it pass
 * untracked). Not kept: {@code td_maxack} (the kernel's check of a RST's sequence against it),
 * the retransmission counter (its shorter timeout) and DATA_UNACKNOWLEDGED's 300 s timeout.
 *
 * <p>State in the flow's four TCP words per direction ({@link FlowTable#tcp}): 0 td_end,
 * 1 td_maxend, 2 td_maxwin, 3 flags | scale &lt;&lt; 8. A flow whose original direction lacks
 * {@link #TRACKED} (made without {@link #start}: restored from an older state file, or by a test
 * straight through {@link ConntrackTable#create}) is not window-tracked. UDP flows use TCP word 0
 * for their start time: only TCP flows come here.
 */
public final class TcpWindow {
    static final int END = 0;
    static final int MAXEND = 1;
    static final int MAXWIN = 2;
    static final int FLAGS = 3;

    /** Flags (word 3, low byte), the kernel's values where it has one. */
    public static final int WINDOW_SCALE = 0x01;
    public static final int SACK_PERM = 0x02;
    public static final int BE_LIBERAL = 0x08;
    public static final int DATA_UNACKNOWLEDGED = 0x10;
    /** Ours: the flow's window is tracked (set on the original direction by {@link #start}). */
    public static final int TRACKED = 0x80;
    private static final int SCALE_SHIFT = 8;
    /** The kernel's MAXACKWINCONST: the least ACK window of check IV. */
    static final int MAX_ACK_WINDOW = 66_000;

    private TcpWindow() {
    }

    /**
     * A TCP flow was made by its first segment {@code key} (nf_conntrack's tcp_new): a SYN gives the
     * originator's end, window and options; any other segment (picked up mid-stream) gives its end
     * and window, and the flow is tracked liberally in both directions with SACK assumed.
     */
    public static void start(FlowTable flows, int flow, FlowKey key) {
        int o = FlowTable.ORIGINAL;
        for (int dir = FlowTable.ORIGINAL; dir <= FlowTable.REPLY; dir++) {
            for (int w = 0; w < FlowTable.TCP_WORDS; w++) {
                flows.tcp(flow, dir, w, 0);
            }
        }
        int maxwin = Math.max(1, key.window);
        flows.tcp(flow, o, END, key.end);
        flows.tcp(flow, o, MAXWIN, maxwin);
        if (TcpStates.kind(key.tcpFlags) == TcpStates.SEG_SYN) {
            flows.tcp(flow, o, MAXEND, key.end);
            flows.tcp(flow, o, FLAGS, TRACKED | options(key));
        } else {
            flows.tcp(flow, o, MAXEND, key.end + maxwin);
            flows.tcp(flow, o, FLAGS, TRACKED | SACK_PERM | BE_LIBERAL);
            flows.tcp(flow, FlowTable.REPLY, FLAGS, SACK_PERM | BE_LIBERAL);
        }
    }

    /** Flags and scale from a SYN's options (the kernel's tcp_options). */
    private static int options(FlowKey key) {
        int flags = key.sackPermitted ? SACK_PERM : 0;
        if (key.windowScale >= 0) {
            flags |= WINDOW_SCALE | key.windowScale << SCALE_SHIFT;
        }
        return flags;
    }

    /** True if the flow's window is tracked ({@link #start} saw its first segment). */
    public static boolean tracked(FlowTable flows, int flow) {
        return (flows.tcp(flow, FlowTable.ORIGINAL, FLAGS) & TRACKED) != 0;
    }

    /**
     * The kernel's tcp_in_window for segment {@code key} sent in direction {@code dir} of
     * {@code flow}, whose state before the segment is {@code state}: updates both directions' words
     * and answers true if the segment is in window (or the sender is tracked liberally), false if
     * it is INVALID (the words may have been initialised, nothing else changed).
     */
    public static boolean inWindow(FlowTable flows, int flow, int dir, int state, FlowKey key) {
        if (!tracked(flows, flow)) {
            return true;
        }
        int rcv = dir ^ 1;
        int flags = key.tcpFlags;
        boolean syn = (flags & 0x02) != 0;
        boolean hasAck = (flags & 0x10) != 0;
        boolean rst = (flags & 0x04) != 0;
        int seq = key.seq;
        int ack = key.ack;
        int end = key.end;
        int win = key.window;
        int senderFlags = flows.tcp(flow, dir, FLAGS);
        int receiverFlags = flows.tcp(flow, rcv, FLAGS);
        int sack = (receiverFlags & SACK_PERM) != 0 ? key.sack : ack;
        int senderEnd = flows.tcp(flow, dir, END);
        int senderMaxend = flows.tcp(flow, dir, MAXEND);
        int senderMaxwin = flows.tcp(flow, dir, MAXWIN);
        int receiverEnd = flows.tcp(flow, rcv, END);
        int receiverMaxend = flows.tcp(flow, rcv, MAXEND);
        int receiverMaxwin = flows.tcp(flow, rcv, MAXWIN);

        if (senderMaxwin == 0) {
            // the first segment of this direction
            if (syn) {
                // a SYN-ACK answering the SYN, or a SYN of a simultaneous open
                senderEnd = end;
                senderMaxend = end;
                senderMaxwin = Math.max(1, win);
                senderFlags = (senderFlags & ~(WINDOW_SCALE | 0xF << SCALE_SHIFT)) | options(key);
                if ((senderFlags & WINDOW_SCALE) == 0 || (receiverFlags & WINDOW_SCALE) == 0) {
                    // RFC 1323: scaling only if both sides sent the option
                    senderFlags &= ~(0xF << SCALE_SHIFT);
                    receiverFlags &= ~(0xF << SCALE_SHIFT);
                    flows.tcp(flow, rcv, FLAGS, receiverFlags);
                }
                if (!hasAck) {
                    store(flows, flow, dir, senderEnd, senderMaxend, senderMaxwin, senderFlags);
                    return true; // simultaneous open
                }
            } else {
                // mid-stream: the history is lost, take what the segment says
                senderEnd = end;
                int swin = win << scale(senderFlags);
                senderMaxwin = swin == 0 ? 1 : swin;
                senderMaxend = end + senderMaxwin;
                if (receiverMaxwin == 0) {
                    // nothing seen the other way yet: let checks III and IV pass until it is
                    receiverEnd = sack;
                    receiverMaxend = sack;
                    flows.tcp(flow, rcv, END, receiverEnd);
                    flows.tcp(flow, rcv, MAXEND, receiverMaxend);
                } else if (sack == receiverEnd + 1) {
                    receiverEnd++; // likely the answer to a keepalive
                    flows.tcp(flow, rcv, END, receiverEnd);
                }
            }
        } else if ((state == TcpStates.SYN_SENT && dir == FlowTable.ORIGINAL
            || state == TcpStates.SYN_RECV && dir == FlowTable.REPLY) && senderEnd - end < 0) {
            // RFC 793: a reinitialised TCP uses sequence numbers above the ones recently used
            senderEnd = end;
            senderMaxend = end;
            senderMaxwin = Math.max(1, win);
            senderFlags = (senderFlags & ~(WINDOW_SCALE | SACK_PERM | 0xF << SCALE_SHIFT)) | options(key);
        }

        if (!hasAck || rst && ack == 0) {
            // no ACK (or a broken stack's RST with ACK 0): as if it acknowledged what was sent
            ack = receiverEnd;
            sack = receiverEnd;
        }
        if (rst && seq == 0 && state == TcpStates.SYN_SENT) {
            seq = senderEnd; // a RST answering a SYN
            end = senderEnd;
        }
        boolean inReceiveWindow = receiverMaxwin == 0 || end - (senderEnd - receiverMaxwin - 1) > 0;
        int maxAckWindow = Math.max(senderMaxwin, MAX_ACK_WINDOW);
        if (seq - (senderMaxend + 1) < 0 && inReceiveWindow
            && sack - (receiverEnd + 1) < 0 && sack - (receiverEnd - maxAckWindow - 1) > 0) {
            if (!syn) {
                win <<= scale(senderFlags);
            }
            int swin = win + (sack - ack);
            if (Integer.compareUnsigned(senderMaxwin, swin) < 0) {
                senderMaxwin = swin;
            }
            if (end - senderEnd > 0) {
                senderEnd = end;
                senderFlags |= DATA_UNACKNOWLEDGED;
            }
            if (receiverMaxwin != 0 && end - senderMaxend > 0) {
                receiverMaxwin += end - senderMaxend;
            }
            if (sack + win - (receiverMaxend - 1) > 0) {
                receiverMaxend = sack + win;
                if (win == 0) {
                    receiverMaxend++;
                }
            }
            if (ack == receiverEnd) {
                receiverFlags &= ~DATA_UNACKNOWLEDGED;
            }
            store(flows, flow, dir, senderEnd, senderMaxend, senderMaxwin, senderFlags);
            flows.tcp(flow, rcv, MAXWIN, receiverMaxwin);
            flows.tcp(flow, rcv, MAXEND, receiverMaxend);
            flows.tcp(flow, rcv, FLAGS, receiverFlags);
            return true;
        }
        store(flows, flow, dir, senderEnd, senderMaxend, senderMaxwin, senderFlags);
        return (senderFlags & BE_LIBERAL) != 0;
    }

    private static void store(FlowTable flows, int flow, int dir, int end, int maxend, int maxwin, int flags) {
        flows.tcp(flow, dir, END, end);
        flows.tcp(flow, dir, MAXEND, maxend);
        flows.tcp(flow, dir, MAXWIN, maxwin);
        flows.tcp(flow, dir, FLAGS, flags);
    }

    private static int scale(int flags) {
        return (flags >>> SCALE_SHIFT) & 0xF;
    }
}
