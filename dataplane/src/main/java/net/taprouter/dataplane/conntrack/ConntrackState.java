package net.taprouter.dataplane.conntrack;

import java.util.List;

/**
 * Flows as they leave one routerd and enter the next ({@code routerd} writes them to its state
 * file on SIGTERM and reads them back at start): per flow its words ({@link FlowTable#words}: both
 * tuples, state, flags, counters, TCP tracking) followed by the seconds it had left, so timeouts
 * continue where they were. {@code next}: where an export goes on (a flow number), -1 at the end.
 * Plain data: carried by worker commands.
 */
public record ConntrackState(int[] flows, int count, int next) {
    /** Ints per flow in {@link #flows}: its words and the seconds left. */
    public static final int STRIDE = FlowTable.WORDS + 1;

    public int protocol(int i) {
        return FlowTable.wordsProtocol(flows, i * STRIDE);
    }

    public int flags(int i) {
        return FlowTable.wordsFlags(flows, i * STRIDE);
    }

    public void flags(int i, int flags) {
        FlowTable.wordsFlags(flows, i * STRIDE, flags);
    }

    public int source(int i, int direction) {
        return FlowTable.wordsSource(flows, i * STRIDE, direction);
    }

    public int destination(int i, int direction) {
        return FlowTable.wordsDestination(flows, i * STRIDE, direction);
    }

    public int ports(int i, int direction) {
        return FlowTable.wordsPorts(flows, i * STRIDE, direction);
    }

    public int secondsLeft(int i) {
        return flows[i * STRIDE + FlowTable.WORDS];
    }

    /** The out interface index of a MASQUERADE flow. */
    public int masqueradeInterface(int i) {
        return ConntrackTable.masqueradeInterfaceOf(flags(i));
    }

    /** Sets a MASQUERADE flow's out interface index (a restored router may number its interfaces otherwise). */
    public void masqueradeInterface(int i, int iface) {
        flags(i, ConntrackTable.withMasqueradeInterface(flags(i), iface));
    }

    /** The flows at {@code indices} only, in that order. */
    public ConntrackState select(List<Integer> indices) {
        int[] out = new int[indices.size() * STRIDE];
        int n = 0;
        for (int i : indices) {
            System.arraycopy(flows, i * STRIDE, out, n++ * STRIDE, STRIDE);
        }
        return new ConntrackState(out, n, -1);
    }
}
