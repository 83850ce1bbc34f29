package net.taprouter.dataplane.conntrack;

import java.util.List;

/**
 * The NAT rules in force, as the stages read them: immutable primitive arrays (no object per rule
 * on the packet path), source-NAT rules (MASQUERADE, SNAT) and DNAT rules each in their order. The
 * control thread publishes a new set on every change ({@link ConntrackConfig#rules}); the first
 * matching rule of a kind applies, to the first packet of a flow only: later packets follow the
 * flow's entry.
 */
public final class NatRuleSet {
    public static final NatRuleSet EMPTY = new NatRuleSet(List.of());

    private final List<NatRule> rules;
    // source NAT rules
    final int snatCount;
    final int[] snatKind;
    final int[] snatNetwork;
    final int[] snatMask;
    final int[] snatInterface;
    final int[] snatTo;
    // DNAT rules
    final int dnatCount;
    final int[] dnatProtocol;
    final int[] dnatDst;
    final int[] dnatPort;
    final int[] dnatTo;
    final int[] dnatToPort;

    public NatRuleSet(List<NatRule> rules) {
        this.rules = List.copyOf(rules);
        int snat = 0;
        int dnat = 0;
        for (NatRule r : this.rules) {
            if (r.kind() == NatRule.DNAT) {
                dnat++;
            } else {
                snat++;
            }
        }
        snatCount = snat;
        dnatCount = dnat;
        snatKind = new int[snat];
        snatNetwork = new int[snat];
        snatMask = new int[snat];
        snatInterface = new int[snat];
        snatTo = new int[snat];
        dnatProtocol = new int[dnat];
        dnatDst = new int[dnat];
        dnatPort = new int[dnat];
        dnatTo = new int[dnat];
        dnatToPort = new int[dnat];
        int s = 0;
        int d = 0;
        for (NatRule r : this.rules) {
            if (r.kind() == NatRule.DNAT) {
                dnatProtocol[d] = r.protocol();
                dnatDst[d] = r.dst();
                dnatPort[d] = r.dport();
                dnatTo[d] = r.to();
                dnatToPort[d] = r.toPort();
                d++;
            } else {
                snatKind[s] = r.kind();
                snatMask[s] = r.srcMask();
                snatNetwork[s] = r.srcNetwork() & r.srcMask();
                snatInterface[s] = r.outInterface();
                snatTo[s] = r.to();
                s++;
            }
        }
    }

    /** The rules, in order. */
    public List<NatRule> rules() {
        return rules;
    }

    /** The first source-NAT rule (its index among them) for a flow from {@code source} leaving through interface {@code iface}, or -1. */
    int matchSource(int source, int iface) {
        for (int i = 0; i < snatCount; i++) {
            if (snatInterface[i] == iface && (source & snatMask[i]) == snatNetwork[i]) {
                return i;
            }
        }
        return -1;
    }

    /** The first source-NAT rule whose prefix holds {@code source}, whatever its interface (hairpinning), or -1. */
    int matchSourceAnyInterface(int source) {
        for (int i = 0; i < snatCount; i++) {
            if ((source & snatMask[i]) == snatNetwork[i]) {
                return i;
            }
        }
        return -1;
    }

    /** The first DNAT rule for {@code protocol} to {@code destination:port}, or -1. */
    int matchDestination(int protocol, int destination, int port) {
        for (int i = 0; i < dnatCount; i++) {
            if (dnatDst[i] == destination && dnatPort[i] == port && (dnatProtocol[i] == 0 || dnatProtocol[i] == protocol)) {
                return i;
            }
        }
        return -1;
    }
}
