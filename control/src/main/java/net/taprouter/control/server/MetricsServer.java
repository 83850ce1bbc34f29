package net.taprouter.control.server;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import net.taprouter.control.protocol.CounterSnapshot;
import net.taprouter.dataplane.stats.ForwardingLatency;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.status.CountersReader;

/**
 * Optional Prometheus text endpoint ({@code routerd --metrics HOST:PORT}, path /metrics): every
 * counter of the counter file (summed over its shards), and the sampled forwarding-latency percentiles. Runs on its own
 * thread; reads counters without stopping anything.
 */
public final class MetricsServer implements AutoCloseable {
    /** How often the rates' snapshot is taken (the {@code *_per_second} gauges are the change over it). */
    static final long RATE_INTERVAL_MILLIS = 1000;

    private final HttpServer http;
    private final ScheduledExecutorService sampler;
    /** The two latest snapshots for the rates (the sampler writes, scrapes read): [earlier, later]. */
    private volatile Sample[] samples = new Sample[0];

    private record Sample(CounterSnapshot snapshot, long nanos) {
    }

    public MetricsServer(String hostPort, CountersReader counters, ForwardingLatency latency) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new IOException("--metrics wants HOST:PORT, got \"" + hostPort + "\"");
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IOException("--metrics: bad port in \"" + hostPort + "\"");
        }
        http = HttpServer.create(new InetSocketAddress(hostPort.substring(0, colon), port), 8);
        http.createContext("/metrics", exchange -> {
            byte[] body = render(counters, latency, rates()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "metrics");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(() -> {
            Sample now = new Sample(snapshot(counters), System.nanoTime());
            Sample[] old = samples;
            samples = old.length == 0 ? new Sample[] {now} : new Sample[] {old[old.length - 1], now};
        }, 0, RATE_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        http.setExecutor(sampler);
        http.start();
    }

    /** Per-second changes over the last sampling interval (as {@code stats --rates}); null before two samples. */
    private CounterSnapshot rates() {
        Sample[] s = samples;
        if (s.length < 2) {
            return null;
        }
        return s[1].snapshot().ratesSince(s[0].snapshot(), (s[1].nanos() - s[0].nanos()) / 1e9);
    }

    private static CounterSnapshot snapshot(CountersReader counters) {
        CounterSnapshot snapshot = new CounterSnapshot();
        counters.forEach((value, id, label) -> snapshot.add(label, value, counters.getCounterTypeId(id)));
        return snapshot;
    }

    /** The exposition text without rates (tests). */
    static String render(CountersReader counters, ForwardingLatency latency) {
        return render(counters, latency, null);
    }

    /**
     * The exposition text: counters by kind (each summed over its shards: RX agent, workers), each
     * metric family with its HELP and TYPE; then, once two samples were taken, the same per
     * second over the last second as gauges ({@code taprouter_port_rx_packets_per_second},
     * {@code taprouter_drops_per_second}, {@code taprouter_events_per_second}; counters that did
     * not change are 0: absent from the rates); then latency quantiles in seconds.
     */
    static String render(CountersReader counters, ForwardingLatency latency, CounterSnapshot rates) {
        StringBuilder out = new StringBuilder();
        families(out, snapshot(counters), "_total", "counter");
        if (rates != null) {
            families(out, rates, "_per_second", "gauge");
        }
        Histogram h = latency.snapshot();
        out.append("# HELP taprouter_forwarding_latency_seconds TAP read to end of stage graph (sampled).\n");
        out.append("# TYPE taprouter_forwarding_latency_seconds summary\n");
        for (double q : new double[] {0.5, 0.9, 0.99, 0.999}) {
            out.append("taprouter_forwarding_latency_seconds{quantile=\"").append(q).append("\"} ")
                .append(h.getTotalCount() == 0 ? 0.0 : h.getValueAtPercentile(q * 100) / 1e9).append('\n');
        }
        out.append("taprouter_forwarding_latency_seconds_count ").append(h.getTotalCount()).append('\n');
        out.append("taprouter_forwarding_latency_seconds_sum ").append(h.getMean() * h.getTotalCount() / 1e9).append('\n');
        return out.toString();
    }

    /** One metric family per port counter kind, drops, events, origin drops and origin sent, named with {@code suffix}. */
    private static void families(StringBuilder out, CounterSnapshot snapshot, String suffix, String type) {
        Map<String, StringBuilder> ports = new LinkedHashMap<>();
        StringBuilder drop = new StringBuilder();
        StringBuilder event = new StringBuilder();
        StringBuilder originDrop = new StringBuilder();
        StringBuilder originSent = new StringBuilder();
        for (CounterSnapshot.Counter c : snapshot.counters()) {
            String name = c.name();
            int first = name.indexOf('.');
            int last = name.lastIndexOf('.');
            String kind = first < 0 ? name : name.substring(0, first);
            if (kind.equals("port") && last > first + 1) { // port.NAME.KIND; a port name may hold dots
                String metric = "taprouter_port_" + name.substring(last + 1) + suffix;
                ports.computeIfAbsent(metric, m -> new StringBuilder()).append(metric).append("{port=\"")
                    .append(name, first + 1, last).append("\"} ").append(c.value()).append('\n');
            } else if (kind.equals("drop") && first == last) {
                drop.append("taprouter_drops").append(suffix).append("{reason=\"").append(name.substring(first + 1)).append("\"} ")
                    .append(c.value()).append('\n');
            } else if (kind.equals("event") && first == last) {
                event.append("taprouter_events").append(suffix).append("{event=\"").append(name.substring(first + 1)).append("\"} ")
                    .append(c.value()).append('\n');
            } else if (name.startsWith("origin.drop.") && name.indexOf('.', "origin.drop.".length()) < 0) {
                originDrop.append("taprouter_origin_drops").append(suffix).append("{reason=\"")
                    .append(name.substring("origin.drop.".length())).append("\"} ").append(c.value()).append('\n');
            } else if (name.equals("origin.sent")) {
                originSent.append("taprouter_origin_sent").append(suffix).append(' ').append(c.value()).append('\n');
            }
        }
        String per = suffix.equals("_total") ? "" : " per second over the last second";
        for (Map.Entry<String, StringBuilder> e : ports.entrySet()) {
            family(out, e.getKey(), "Per-port counter (" + e.getKey().substring("taprouter_port_".length(),
                e.getKey().length() - suffix.length()) + ")" + per + ".", type, e.getValue());
        }
        family(out, "taprouter_drops" + suffix, "Received frames dropped, by reason" + per + ".", type, drop);
        family(out, "taprouter_events" + suffix, "Dataplane events" + per + ".", type, event);
        family(out, "taprouter_origin_sent" + suffix, "Packets the router originated (ICMP, TCP resets, ARP) that went out" + per + ".",
            type, originSent);
        family(out, "taprouter_origin_drops" + suffix, "Packets the router originated (or ICMP errors it owed) not sent, by reason"
            + per + ".", type, originDrop);
    }

    private static void family(StringBuilder out, String metric, String help, String type, StringBuilder samples) {
        if (samples.length() == 0) {
            return;
        }
        out.append("# HELP ").append(metric).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(metric).append(' ').append(type).append('\n').append(samples);
    }

    @Override
    public void close() {
        http.stop(0);
        sampler.shutdownNow();
    }
}
