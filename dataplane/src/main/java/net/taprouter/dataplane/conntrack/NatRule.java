package net.taprouter.dataplane.conntrack;

/**
 * One NAT rule as the dataplane applies it (the control plane keeps the words it was made of).
 *
 * <ul>
 *   <li>{@link #MASQUERADE}: a new flow from {@code srcNetwork/srcLength} leaving through
 *       interface {@code outInterface} gets that interface's current address as its source
 *       ({@link NatAddresses#masqueradeSource}), ports kept when free;</li>
 *   <li>{@link #SNAT}: the same with the fixed address {@code to};</li>
 *   <li>{@link #DNAT}: a new flow to {@code dst:dport} ({@code protocol} TCP or UDP, 0 = both)
 *       goes to {@code to:toPort} instead ({@code toPort} 0 = the port unchanged).</li>
 * </ul>
 *
 * @param id the number {@code nat show} and {@code nat del} use
 */
public record NatRule(int id, int kind, int protocol, int srcNetwork, int srcLength, int outInterface, int to, int dst, int dport,
                      int toPort) {
    public static final int MASQUERADE = 1;
    public static final int SNAT = 2;
    public static final int DNAT = 3;

    public static NatRule masquerade(int id, int srcNetwork, int srcLength, int outInterface) {
        return new NatRule(id, MASQUERADE, 0, srcNetwork, srcLength, outInterface, 0, 0, 0, 0);
    }

    public static NatRule snat(int id, int srcNetwork, int srcLength, int outInterface, int to) {
        return new NatRule(id, SNAT, 0, srcNetwork, srcLength, outInterface, to, 0, 0, 0);
    }

    public static NatRule dnat(int id, int protocol, int dst, int dport, int to, int toPort) {
        return new NatRule(id, DNAT, protocol, 0, 0, -1, to, dst, dport, toPort);
    }

    public NatRule {
        if (kind < MASQUERADE || kind > DNAT) {
            throw new IllegalArgumentException("bad NAT rule kind " + kind);
        }
        if (srcLength < 0 || srcLength > 32) {
            throw new IllegalArgumentException("bad prefix length " + srcLength);
        }
        if (protocol != 0 && protocol != NatRewrite.PROTO_TCP && protocol != NatRewrite.PROTO_UDP) {
            throw new IllegalArgumentException("DNAT is for TCP and UDP only: protocol " + protocol);
        }
    }

    /** The source prefix's mask (0 for /0). */
    public int srcMask() {
        return srcLength == 0 ? 0 : -1 << (32 - srcLength);
    }
}
