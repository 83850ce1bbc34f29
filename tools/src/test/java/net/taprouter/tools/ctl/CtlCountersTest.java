package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.taprouter.tools.Namespaces;
import net.taprouter.tools.Net;
import net.taprouter.tools.Sh;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Counters three ways: {@code link show -s}, {@code stats} (with a drop reason provoked by a
 * frame with a bad IP checksum) and the Prometheus endpoint of {@code routerd --metrics}.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 90)
class CtlCountersTest {
    private static final Pattern NUMS = Pattern.compile("^\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s*$");

    private CtlTopology t;
    private CtlDaemon d;
    private int metricsPort;

    @BeforeAll
    void setUp() throws IOException {
        Namespaces.assumeNetnsCapable();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            metricsPort = s.getLocalPort();
        }
        t = CtlTopology.create("count", "--metrics", "127.0.0.1:" + metricsPort);
        d = t.d;
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c20", "-i0.01", "-W1"), 63, d.diag());
    }

    @AfterAll
    void tearDown() {
        if (t != null) {
            t.close();
        }
    }

    /** rx/tx {bytes, packets, dropped} of a port from {@code link show NAME -s}. */
    private long[] linkStats(String port) {
        String out = d.ctlOk("link", "show", port, "-s").out();
        List<String> l = CtlCheck.lines(out);
        long[] v = new long[8]; // RX bytes packets errors dropped, TX bytes packets errors dropped
        int found = 0;
        for (int i = 0; i + 1 < l.size(); i++) {
            String head = l.get(i).trim();
            if (head.matches("(RX|TX):\\s+bytes\\s+packets\\s+errors\\s+dropped")) {
                Matcher m = NUMS.matcher(l.get(i + 1));
                if (!m.matches()) {
                    fail("no numbers under '" + head + "'\n" + out);
                }
                int base = head.startsWith("RX") ? 0 : 4;
                for (int k = 0; k < 4; k++) {
                    v[base + k] = Long.parseLong(m.group(k + 1));
                }
                found++;
            }
        }
        assertEquals(2, found, "link show " + port + " -s should have an RX and a TX block\n" + out);
        return v;
    }

    @Test
    @Order(1)
    void linkShowStatisticsPerPort() {
        String all = d.ctlOk("link", "show", "-s").out();
        assertEquals(2, Pattern.compile("(?m)^\\s+RX:\\s+bytes\\s+packets\\s+errors\\s+dropped$").matcher(all).results().count(), all);
        assertEquals(2, Pattern.compile("(?m)^\\s+TX:\\s+bytes\\s+packets\\s+errors\\s+dropped$").matcher(all).results().count(), all);
        for (String port : List.of("gw0", "gw1")) {
            long[] v = linkStats(port);
            assertTrue(v[0] > 0 && v[1] >= 20, port + " rx bytes/packets after 20 pings: " + java.util.Arrays.toString(v));
            assertTrue(v[4] > 0 && v[5] >= 20, port + " tx bytes/packets after 20 pings: " + java.util.Arrays.toString(v));
        }
    }

    @Test
    @Order(2)
    void badChecksumIsCountedByName() {
        String s1 = d.ctlOk("stats").out();
        for (String c : List.of("drop.ip_bad_checksum", "drop.ether_not_for_us", "port.gw0.rx_packets", "port.gw0.rx_bytes",
                "port.gw0.rx_drops", "port.gw0.tx_packets", "port.gw1.rx_packets", "port.gw1.tx_bytes", "port.gw1.tx_drops")) {
            assertTrue(CtlCheck.counter(s1, c) >= 0, "stats lacks " + c + "\n" + s1);
        }
        long bad0 = CtlCheck.counter(s1, "drop.ip_bad_checksum");
        long notUs0 = CtlCheck.counter(s1, "drop.ether_not_for_us");
        long rxDrops0 = CtlCheck.counter(s1, "port.gw0.rx_drops");
        long[] link0 = linkStats("gw0");
        Sh.Result scapy = Sh.ns(t.ns1, "/usr/bin/python3", "-c", "from scapy.all import *\n"
                + "sendp(Ether(dst='00:00:5e:00:53:12')/IP(src='192.0.2.1',dst='198.51.100.1',chksum=0x1234)/ICMP(),"
                + " iface='" + t.if1 + "', count=3, verbose=0)\n"
                + "sendp(Ether(dst='00:00:5e:00:53:99')/IP(src='192.0.2.1',dst='198.51.100.1')/ICMP(),"
                + " iface='" + t.if1 + "', count=2, verbose=0)\n").timeoutSeconds(60).run();
        assertEquals(0, scapy.exit(), scapy.describe());
        boolean counted = Sh.waitUntil(Duration.ofSeconds(5),
                () -> CtlCheck.counter(d.ctlOk("stats").out(), "drop.ip_bad_checksum") >= bad0 + 3);
        String s2 = d.ctlOk("stats").out();
        assertTrue(counted, "drop.ip_bad_checksum " + bad0 + " -> " + CtlCheck.counter(s2, "drop.ip_bad_checksum")
                + " after 3 frames with a bad IP checksum\n" + s2 + d.diag());
        assertEquals(bad0 + 3, CtlCheck.counter(s2, "drop.ip_bad_checksum"), "exactly 3 bad-checksum drops\n" + s2);
        assertTrue(CtlCheck.counter(s2, "drop.ether_not_for_us") >= notUs0 + 2,
                "drop.ether_not_for_us " + notUs0 + " -> " + CtlCheck.counter(s2, "drop.ether_not_for_us") + "\n" + s2);
        assertTrue(CtlCheck.counter(s2, "port.gw0.rx_drops") >= rxDrops0 + 5,
                "port.gw0.rx_drops " + rxDrops0 + " -> " + CtlCheck.counter(s2, "port.gw0.rx_drops") + "\n" + s2);
        long[] link1 = linkStats("gw0");
        assertTrue(link1[2] >= link0[2] + 3, "link show -s: gw0 RX errors (bad checksums) did not grow by 3");
        assertTrue(link1[3] >= link0[3] + 2, "link show -s: gw0 RX dropped (not for us) did not grow by 2");
        assertEquals("true", CtlCheck.python(d.ctlOk("-j", "stats").out(),
                "[r['value'] for r in d if r['name']=='drop.ip_bad_checksum'][0] >= " + (bad0 + 3)));
    }

    private String scrape() throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + metricsPort + "/metrics").openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(5000);
        try (InputStream in = c.getInputStream()) {
            assertEquals(200, c.getResponseCode());
            assertTrue(String.valueOf(c.getContentType()).startsWith("text/plain"), "Content-Type " + c.getContentType());
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }

    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        if (!m.find()) {
            fail("no series " + series + " in /metrics\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }

    @Test
    @Order(3)
    void prometheusMetrics() throws IOException {
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c30", "-i0.01", "-W1"), 63, d.diag());
        String m = scrape();
        assertTrue(value(m, "taprouter_port_rx_packets_total{port=\"gw0\"}") > 0, m);
        assertTrue(value(m, "taprouter_port_tx_packets_total{port=\"gw1\"}") > 0, m);
        assertTrue(m.contains("\ntaprouter_drops_total{reason=\""), "no drop reasons\n" + m);
        assertTrue(value(m, "taprouter_drops_total{reason=\"ip_bad_checksum\"}") >= 3, "bad checksums of the previous test\n" + m);
        assertTrue(value(m, "taprouter_events_total{event=\"forwarded\"}") >= 100, m);
        for (String q : List.of("0.5", "0.9", "0.99")) {
            assertTrue(value(m, "taprouter_forwarding_latency_seconds{quantile=\"" + q + "\"}") > 0,
                    "latency quantile " + q + " after 100 forwarded pings\n" + m);
        }
        assertTrue(value(m, "taprouter_forwarding_latency_seconds_count") > 0, m);
        double p50 = value(m, "taprouter_forwarding_latency_seconds{quantile=\"0.5\"}");
        System.out.printf("metrics: forwarding latency p50 %.1f us, p99 %.1f us (%d samples)%n", p50 * 1e6,
                value(m, "taprouter_forwarding_latency_seconds{quantile=\"0.99\"}") * 1e6,
                (long) value(m, "taprouter_forwarding_latency_seconds_count"));
        // every sample line is NAME{LABELS} VALUE or NAME VALUE
        for (String line : CtlCheck.lines(m)) {
            assertTrue(line.startsWith("#") || line.matches("[a-z_]+(\\{[a-z]+=\"[^\"]*\"\\})? -?[0-9.eE+-]+|[a-z_]+(\\{[a-z]+=\"[^\"]*\"\\})? NaN"),
                    "not Prometheus text: " + line);
        }
    }
}
