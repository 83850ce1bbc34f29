package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.agent.EventSource;
import net.taprouter.dataplane.agent.WorkerControl;
import net.taprouter.dataplane.conntrack.ConntrackEvents;
import net.taprouter.dataplane.conntrack.ConntrackFilter;
import net.taprouter.dataplane.conntrack.ConntrackState;
import net.taprouter.dataplane.conntrack.FlowTable;
import net.taprouter.dataplane.wire.Ipv4Address;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code conntrack -E}'s live answer on a live control plane (real dataplane and worker): the
 * worker's events arrive through the rings armed by the typed proxy as conntrack-tools' lines
 * ({@code O} pieces); more events than a ring holds are lost, counted, and reported on stderr
 * ({@code E} piece) with conntrack's ENOBUFS warning; filters are applied; the worker goes on.
 * The events come from a state-file restore of 5000 flows (NEW each) and a flush (DESTROY each).
 */
@Timeout(60)
class ConntrackEventStreamTest {
    private String ns;
    private LiveRouter r;

    @BeforeEach
    void setUp() {
        assumeTrue(LiveRouter.isRoot(), "needs root (TAPs in a network namespace)");
        ns = LiveRouter.createNamespace("ctev");
        r = new LiveRouter();
        r.ok("link add lan type tap ifname t0 netns " + ns + "\nlink add wan type tap ifname t1 netns " + ns
            + "\naddr add 192.0.2.254/24 dev lan\naddr add 203.0.113.254/24 dev wan\nnat add masquerade src 192.0.2.0/24 out wan");
    }

    @AfterEach
    void tearDown() {
        if (r != null) {
            r.close();
        }
        LiveRouter.deleteNamespace(ns);
    }

    /** {@code n} unreplied UDP flows 192.0.2.1:(10000+i) > 203.0.113.1:53 as a state file holds them. */
    private static ConntrackState udpFlows(int n) {
        FlowTable scratch = new FlowTable(n);
        int[] words = new int[n * ConntrackState.STRIDE];
        int inside = Ipv4Address.parse("192.0.2.1");
        int server = Ipv4Address.parse("203.0.113.1");
        for (int i = 0; i < n; i++) {
            int flow = scratch.insert(inside, server, FlowTable.packPorts(10000 + i, 53), server, inside, FlowTable.packPorts(53, 10000 + i),
                17, 100);
            scratch.words(flow, words, i * ConntrackState.STRIDE);
            words[i * ConntrackState.STRIDE + FlowTable.WORDS] = 30; // seconds left
        }
        return new ConntrackState(words, n, -1);
    }

    /** Pulls the stream until it has nothing for a while; O pieces' lines and E pieces' text. */
    private static void drain(LiveStream stream, List<String> out, StringBuilder err) {
        for (int idle = 0; idle < 3;) {
            String piece = stream.next();
            if (piece.isEmpty()) {
                idle++;
                continue;
            }
            idle = 0;
            if (piece.charAt(0) == 'E') {
                err.append(piece.substring(1));
            } else {
                assertEquals('O', piece.charAt(0), piece);
                out.addAll(List.of(piece.substring(1).split("\n")));
            }
        }
    }

    @Test
    void eventsArriveAsConntrackLinesAndASlowReaderIsToldItLostSome() {
        WorkerControl workers = r.dataplane.workers();
        LiveStream all = new ConntrackCommands.EventStream(new WorkerEvents(workers, EventSource.CONNTRACK, ConntrackEvents.ALL),
            ConntrackFilter.ALL, false, false, false, true);
        LiveStream one = new ConntrackCommands.EventStream(new WorkerEvents(workers, EventSource.CONNTRACK,
            1 << ConntrackEvents.NEW | 1 << ConntrackEvents.DESTROY),
            new ConntrackFilter(ConntrackFilter.F_ORIG_SPORT, 0, 0, 0, 0, 0, 10007, 0, 0, 0, 0, 0), false, false, false, true);
        try {
            assertEquals("", all.next(), "the first pull arms the session");
            assertEquals("", one.next());
            int n = 5000;
            assertEquals(n, workers.conntrackRestore(udpFlows(n)));

            List<String> lines = new ArrayList<>();
            StringBuilder err = new StringBuilder();
            drain(all, lines, err);
            int shown = lines.size();
            assertTrue(shown > 1000 && shown < n, "a ring of " + WorkerEvents.RING_BYTES + " bytes holds some: " + shown);
            assertEquals("    [NEW] udp      17 30 src=192.0.2.1 dst=203.0.113.1 sport=10000 dport=53 [UNREPLIED]"
                + " src=203.0.113.1 dst=192.0.2.1 sport=53 dport=10000", lines.get(0));
            assertEquals("WARNING: We have hit ENOBUFS! We are losing events. (" + (n - shown)
                + " events: the reader is too slow; every packet was forwarded)\n", err.toString());

            List<String> filtered = new ArrayList<>();
            StringBuilder none = new StringBuilder();
            drain(one, filtered, none);
            assertEquals(List.of("    [NEW] udp      17 30 src=192.0.2.1 dst=203.0.113.1 sport=10007 dport=53 [UNREPLIED]"
                + " src=203.0.113.1 dst=192.0.2.1 sport=53 dport=10007"), filtered);

            r.ok("conntrack -F");
            filtered.clear();
            drain(one, filtered, none);
            assertEquals(List.of("[DESTROY] udp      17 src=192.0.2.1 dst=203.0.113.1 sport=10007 dport=53 [UNREPLIED]"
                + " src=203.0.113.1 dst=192.0.2.1 sport=53 dport=10007"), filtered);
            assertTrue(none.toString().startsWith("WARNING: We have hit ENOBUFS!"), "its ring overflowed too: " + none);
        } finally {
            all.close();
            one.close();
        }
        assertEquals("0\n", r.ok("conntrack -C"), "the worker goes on after the sessions are disarmed");
    }
}
