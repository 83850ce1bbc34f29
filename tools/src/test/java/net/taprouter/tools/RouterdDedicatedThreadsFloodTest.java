package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code routerd --threads dedicated} (an RX thread and a forwarding thread per worker) under a
 * 64-byte UDP flood faster than the forwarding thread: the flooding port holds only its share of
 * the frame pool and the forwarding thread has at most its budget of frames waiting (the rest
 * wait in the TAP's queue), the RX thread waits instead of polling the still readable TAP round
 * after round (which once counted ~10 million rx_no_buffer a second and took CPU from the
 * forwarding thread), and the other host's pings are read at once and get through with a short
 * wait. Once the flood is over the router idles: the
 * forwarding thread sleeps until its RX thread wakes it (it once parked 10,000 times a second,
 * about 0.12 of a core, forever), and a ping through the idle router is not held until the
 * thread's 50 ms timer. And a port paused at its share is read again as soon as its slots are
 * back, even with no other traffic to wake the RX thread.
 */
@Tag("netns")
@Timeout(value = 120)
class RouterdDedicatedThreadsFloodTest {
    /** An idle routerd with dedicated threads: a few timer wake-ups a second (the forwarding thread's old backoff: ~0.12). */
    static final double IDLE_CORES = 0.04;

    private BookTopology t;

    @AfterEach
    void tearDown() {
        String problem = t == null ? null : t.stopAndCleanUp();
        if (problem != null) {
            fail(problem);
        }
    }

    @Test
    void aFloodThatOutrunsTheForwardingThreadMakesNoSpin() {
        Namespaces.assumeNetnsCapable();
        t = BookTopology.routerd(List.of("--threads", "dedicated"));
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c2", "-i0.2", "-W1"), 63, t.diag());
        Bg server = Sh.ns(t.ns2, "iperf3", "-s", "-1", "-p", "5203").start(t.routerd.dir(), "iperf3-s");
        try {
            Net.waitListening(t.ns2, "tcp", 5203, server);
            Bg flood = Sh.ns(t.ns1, "iperf3", "-c", "198.51.100.1", "-p", "5203", "-u", "-l", "64", "-b", "0", "-t", "4")
                    .start(t.routerd.dir(), "iperf3-c");
            RouterdHostileHostTest.sleep(1500);
            // ns2 to the router's address on its own port: the flood's port must not starve gw1's reads
            // (a ping to ns1 would meet the flood in ns1's own TAP queue, where the router has no say)
            Sh.Result ping = Net.ping(t.ns2, "198.51.100.254", "-c10", "-i0.1", "-W3");
            flood.waitExit(Duration.ofSeconds(30));
            String stats = t.routerd.ctlOk("stats").out();
            long noBuffer = Math.max(0, RouterdHostileHostTest.counter(stats, "drop.rx_no_buffer"));
            long ringFull = Math.max(0, RouterdHostileHostTest.counter(stats, "drop.rx_ring_full"));
            assertTrue(noBuffer + ringFull > 0, "the flood did not outrun the forwarding thread to its port's share of the"
                    + " pool or to the forwarding thread's budget of frames (nothing was tested)\n" + flood.describe() + "\n" + stats);
            // each counts a wait of the RX thread, which then parks (50 us): a spinning thread would count millions
            assertTrue(noBuffer + ringFull < 100_000, noBuffer + " rx_no_buffer and " + ringFull
                    + " rx_ring_full in 4 s: the RX thread polls a port it put off\n" + stats);
            System.out.println("rx_no_buffer " + noBuffer + ", rx_ring_full " + ringFull);
            System.out.println("ns2 -> router during the flood:\n" + ping.out());
            // the flood's port holds at most its share of the pool and the forwarding thread has at most
            // RING_BUDGET frames waiting: ns2's frames are read at once and wait only behind those
            assertTrue(medianRtt(ping.out()) < 50.0, "ns2's pings wait behind the flood\n" + ping.describe() + "\n" + stats);
            assertTrue(Net.loss(ping.out()) <= 20.0, "ns2's pings starved by ns1's flood\n" + ping.describe() + "\n" + stats);
            Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c2", "-i0.2", "-W1"), 63, t.diag());
            RouterdHostileHostTest.sleep(500);
            double cores = Cpu.coresUsed(t.routerd.pid(), 3000);
            assertTrue(cores < IDLE_CORES, "routerd used " + cores + " cores idle after the flood\n" + stats);
            // asleep, the forwarding thread is woken by its RX thread: a ping does not wait for the 50 ms timer
            Sh.Result idlePings = Net.ping(t.ns1, "198.51.100.1", "-c10", "-i0.2", "-W1");
            assertTrue(Net.loss(idlePings.out()) <= 20.0 && medianRtt(idlePings.out()) < 10.0,
                    "pings through an idle routerd (median should be well under the 50 ms timer period)\n" + idlePings.describe());
        } finally {
            server.close();
        }
    }

    /** Sends UDP GSO super-packets (UDP_SEGMENT: 45 segments of 1,400 bytes) to argv[1]:argv[2] for argv[3] seconds. */
    private static final String USO_SENDER = String.join("\n",
            "import socket, sys, time",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "s.setsockopt(17, 103, 1400)  # SOL_UDP, UDP_SEGMENT",
            "buf = b'x' * (1400 * 45)",
            "end = time.time() + float(sys.argv[3])",
            "while time.time() < end:",
            "    try:",
            "        s.sendto(buf, (sys.argv[1], int(sys.argv[2])))",
            "    except OSError:",
            "        pass");

    /** Receives (and forgets) UDP datagrams on port argv[1] for argv[2] seconds: no ICMP answers the flood. */
    private static final String SINK = String.join("\n",
            "import socket, sys, time",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "s.bind(('0.0.0.0', int(sys.argv[1])))",
            "s.settimeout(0.2)",
            "end = time.time() + float(sys.argv[2])",
            "while time.time() < end:",
            "    try:",
            "        s.recv(2048)",
            "    except OSError:",
            "        pass");

    /**
     * A one-way flood of UDP GSO super-packets (large slots, 128 of them: a port's share binds
     * long before the ring's budget) and no frame the other way: the RX thread pauses the port at
     * its share and has nothing else to wake it, so it reads the port again only when the
     * forwarding thread, having given the slots back, wakes it. (Without that wake-up it waited
     * out its poll's 50 ms each time: ~7,000-13,000 super-packets in 3 s here instead of
     * ~74,000-114,000.)
     */
    @Test
    void aPortPausedForItsShareIsReadAgainWhenItsSlotsAreBack() {
        Namespaces.assumeNetnsCapable();
        t = BookTopology.routerd(List.of("--threads", "dedicated"));
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c2", "-i0.2", "-W1"), 63, t.diag());
        Bg sink = Sh.ns(t.ns2, "/usr/bin/python3", "-c", SINK, "5304", "6").start(t.routerd.dir(), "uso-sink");
        try {
            Net.waitListening(t.ns2, "udp", 5304, sink);
            long before = RouterdHostileHostTest.counter(t.routerd.ctlOk("stats").out(), "event.forwarded");
            Sh.Result sent = Sh.ns(t.ns1, "/usr/bin/python3", "-c", USO_SENDER, "198.51.100.1", "5304", "3")
                    .timeoutSeconds(30).run();
            assertTrue(sent.ok(), sent.describe());
            String stats = t.routerd.ctlOk("stats").out();
            long superPackets = RouterdHostileHostTest.counter(stats, "event.gso_received");
            long forwarded = RouterdHostileHostTest.counter(stats, "event.forwarded") - before;
            long turnedAway = RouterdHostileHostTest.counter(stats, "drop.rx_no_buffer");
            System.out.println("super-packets " + superPackets + ", forwarded " + forwarded + ", turned away " + turnedAway);
            assertTrue(turnedAway > 0, "the flood never reached its port's share of the large slots (nothing was tested)\n" + stats);
            assertTrue(forwarded >= 30_000, forwarded + " frames forwarded in 3 s after " + turnedAway
                    + " waits for the port's share: each wait lasted until the poll's time-out, not until the slots were back\n" + stats);
        } finally {
            sink.close();
        }
    }

    /** The median of ping's "time=" values in milliseconds (infinite if none). */
    private static double medianRtt(String pingOutput) {
        java.util.List<Double> rtts = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("time=([0-9.]+) ms").matcher(pingOutput);
        while (m.find()) {
            rtts.add(Double.parseDouble(m.group(1)));
        }
        java.util.Collections.sort(rtts);
        return rtts.isEmpty() ? Double.POSITIVE_INFINITY : rtts.get(rtts.size() / 2);
    }
}
