package net.taprouter.dataplane.conntrack;

/**
 * Which flows a {@code conntrack -L/-D} means, as conntrack(8)'s filters: protocol ({@code -p}),
 * original source and destination ({@code -s}, {@code -d}), reply source and destination
 * ({@code -r}, {@code -q}), the original and reply ports ({@code --sport}, {@code --dport},
 * {@code --reply-port-src}, {@code --reply-port-dst}: TCP and UDP flows only), TCP state
 * ({@code --state}) and status ({@code -u ASSURED|SEEN_REPLY|UNREPLIED|SRC_NAT|DST_NAT}). Only
 * the fields named in {@code set} (bits {@code F_*}) are compared. Plain data: sent to the workers.
 */
public record ConntrackFilter(int set, int protocol, int origSource, int origDestination, int replySource, int replyDestination,
                              int origSport, int origDport, int replySport, int replyDport, int state, int status) {
    public static final int F_PROTOCOL = 1;
    public static final int F_ORIG_SRC = 1 << 1;
    public static final int F_ORIG_DST = 1 << 2;
    public static final int F_REPLY_SRC = 1 << 3;
    public static final int F_REPLY_DST = 1 << 4;
    public static final int F_ORIG_SPORT = 1 << 5;
    public static final int F_ORIG_DPORT = 1 << 6;
    public static final int F_REPLY_SPORT = 1 << 7;
    public static final int F_REPLY_DPORT = 1 << 8;
    public static final int F_STATE = 1 << 9;
    public static final int F_STATUS = 1 << 10;
    /** Status value meaning "no reply seen" (conntrack's UNREPLIED, the absence of SEEN_REPLY). */
    public static final int UNREPLIED = 1 << 16;

    /** Every flow. */
    public static final ConntrackFilter ALL = new ConntrackFilter(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** True if flow {@code flow} of {@code flows} passes every filter set. */
    public boolean matches(FlowTable flows, int flow) {
        return set == 0 || matches(flows.protocol(flow), flows.source(flow, FlowTable.ORIGINAL), flows.destination(flow, FlowTable.ORIGINAL),
            flows.ports(flow, FlowTable.ORIGINAL), flows.source(flow, FlowTable.REPLY), flows.destination(flow, FlowTable.REPLY),
            flows.ports(flow, FlowTable.REPLY), flows.state(flow), flows.flags(flow));
    }

    /** True if the flow of entry {@code e} (a listing's, an event's) passes every filter set. */
    public boolean matches(ConntrackEntry e) {
        return set == 0 || matches(e.protocol(), e.origSource(), e.origDestination(), e.origPorts(), e.replySource(),
            e.replyDestination(), e.replyPorts(), e.state(), e.flags());
    }

    private boolean matches(int proto, int oSrc, int oDst, int orig, int rSrc, int rDst, int reply, int tcpState, int flags) {
        if ((set & F_PROTOCOL) != 0 && proto != protocol) {
            return false;
        }
        if ((set & F_ORIG_SRC) != 0 && oSrc != origSource) {
            return false;
        }
        if ((set & F_ORIG_DST) != 0 && oDst != origDestination) {
            return false;
        }
        if ((set & F_REPLY_SRC) != 0 && rSrc != replySource) {
            return false;
        }
        if ((set & F_REPLY_DST) != 0 && rDst != replyDestination) {
            return false;
        }
        if ((set & (F_ORIG_SPORT | F_ORIG_DPORT | F_REPLY_SPORT | F_REPLY_DPORT)) != 0) {
            if (proto != NatRewrite.PROTO_TCP && proto != NatRewrite.PROTO_UDP) {
                return false;
            }
            if ((set & F_ORIG_SPORT) != 0 && orig >>> 16 != origSport
                || (set & F_ORIG_DPORT) != 0 && (orig & 0xFFFF) != origDport
                || (set & F_REPLY_SPORT) != 0 && reply >>> 16 != replySport
                || (set & F_REPLY_DPORT) != 0 && (reply & 0xFFFF) != replyDport) {
                return false;
            }
        }
        if ((set & F_STATE) != 0 && (proto != NatRewrite.PROTO_TCP || tcpState != state)) {
            return false;
        }
        if ((set & F_STATUS) != 0) {
            if (status == UNREPLIED ? (flags & FlowTable.SEEN_REPLY) != 0 : (flags & status) != status) {
                return false;
            }
        }
        return true;
    }
}
