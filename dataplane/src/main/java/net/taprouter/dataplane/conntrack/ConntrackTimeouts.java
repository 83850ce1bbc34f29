package net.taprouter.dataplane.conntrack;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How long a tracked flow lives after its last packet, in seconds, by protocol and state: the
 * kernel's defaults (nf_conntrack's sysctls) unless changed with {@code conntrack timeout PROTO
 * [STATE] SECONDS}. Immutable: the control thread publishes a new instance
 * ({@link ConntrackConfig#timeouts}), a worker reads the current one per packet.
 *
 * <p>Names ({@link #names()}, as {@code conntrack timeout} takes them): {@code tcp syn_sent},
 * {@code syn_recv}, {@code established}, {@code fin_wait}, {@code close_wait}, {@code last_ack},
 * {@code time_wait}, {@code close}, {@code syn_sent2}, {@code unacknowledged} (a TCP flow picked
 * up mid-stream that has seen no reply yet is held at most this long); {@code udp unreplied},
 * {@code udp replied} (both directions seen and alive after 2 s: a stream); {@code icmp};
 * {@code generic} (other protocols).
 */
public final class ConntrackTimeouts {
    /** Index of the TCP "unacknowledged" timeout after the states of {@link TcpStates}. */
    public static final int TCP_UNACKNOWLEDGED = TcpStates.COUNT;
    private static final int UDP_UNREPLIED = TcpStates.COUNT + 1;
    private static final int UDP_REPLIED = TcpStates.COUNT + 2;
    private static final int ICMP = TcpStates.COUNT + 3;
    private static final int GENERIC = TcpStates.COUNT + 4;
    private static final int SIZE = TcpStates.COUNT + 5;

    /** Names by index ("" for TCP NONE, which has no timeout). */
    private static final String[] NAMES = names0();

    public static final ConntrackTimeouts DEFAULTS = defaults();

    private final int[] seconds;

    private ConntrackTimeouts(int[] seconds) {
        this.seconds = seconds;
    }

    private static ConntrackTimeouts defaults() {
        int[] s = new int[SIZE];
        for (int state = TcpStates.SYN_SENT; state < TcpStates.COUNT; state++) {
            s[state] = TcpStates.defaultTimeout(state);
        }
        s[TCP_UNACKNOWLEDGED] = 300;
        s[UDP_UNREPLIED] = 30;
        s[UDP_REPLIED] = 120;
        s[ICMP] = 30;
        s[GENERIC] = 600;
        return new ConntrackTimeouts(s);
    }

    private static String[] names0() {
        String[] n = new String[SIZE];
        n[0] = "";
        for (int state = TcpStates.SYN_SENT; state < TcpStates.COUNT; state++) {
            n[state] = "tcp " + TcpStates.name(state).toLowerCase(java.util.Locale.ROOT);
        }
        n[TCP_UNACKNOWLEDGED] = "tcp unacknowledged";
        n[UDP_UNREPLIED] = "udp unreplied";
        n[UDP_REPLIED] = "udp replied";
        n[ICMP] = "icmp";
        n[GENERIC] = "generic";
        return n;
    }

    /** Seconds for a TCP flow in {@code state} (a {@link TcpStates} state, or {@link #TCP_UNACKNOWLEDGED}). */
    public int tcp(int state) {
        return seconds[state];
    }

    public int udp(boolean replied) {
        return seconds[replied ? UDP_REPLIED : UDP_UNREPLIED];
    }

    public int icmp() {
        return seconds[ICMP];
    }

    public int generic() {
        return seconds[GENERIC];
    }

    /** Every timeout's name, in a fixed order ({@code "tcp established"}, {@code "icmp"}...). */
    public static List<String> names() {
        List<String> list = new ArrayList<>();
        for (int i = 1; i < SIZE; i++) {
            list.add(NAMES[i]);
        }
        return list;
    }

    /** The timeout called {@code name} (one of {@link #names()}), in seconds. */
    public int get(String name) {
        return seconds[indexOf(name)];
    }

    /** These timeouts with {@code name} set to {@code value} seconds (1 .. 2^31-1). */
    public ConntrackTimeouts with(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("timeout must be at least 1 second: " + value);
        }
        int[] copy = seconds.clone();
        copy[indexOf(name)] = value;
        return new ConntrackTimeouts(copy);
    }

    private static int indexOf(String name) {
        for (int i = 1; i < SIZE; i++) {
            if (NAMES[i].equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no conntrack timeout \"" + name + "\" (one of: " + String.join(", ", names()) + ")");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConntrackTimeouts t && Arrays.equals(seconds, t.seconds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(seconds);
    }
}
