package net.taprouter.control.server;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
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
    private final HttpServer http;

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
            byte[] body = render(counters, latency).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics");
            t.setDaemon(true);
            return t;
        }));
        http.start();
    }

    /**
     * The exposition text: counters by kind (each summed over its shards: RX agent, workers),
     * then latency quantiles in seconds.
     */
    static String render(CountersReader counters, ForwardingLatency latency) {
        CounterSnapshot snapshot = new CounterSnapshot();
        counters.forEach((value, id, label) -> snapshot.add(label, value, counters.getCounterTypeId(id)));
        StringBuilder port = new StringBuilder();
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
                port.append("taprouter_port_").append(name.substring(last + 1)).append("_total{port=\"")
                    .append(name, first + 1, last).append("\"} ").append(c.value()).append('\n');
            } else if (kind.equals("drop") && first == last) {
                drop.append("taprouter_drops_total{reason=\"").append(name.substring(first + 1)).append("\"} ").append(c.value()).append('\n');
            } else if (kind.equals("event") && first == last) {
                event.append("taprouter_events_total{event=\"").append(name.substring(first + 1)).append("\"} ").append(c.value())
                    .append('\n');
            } else if (name.startsWith("origin.drop.") && name.indexOf('.', "origin.drop.".length()) < 0) {
                originDrop.append("taprouter_origin_drops_total{reason=\"").append(name.substring("origin.drop.".length()))
                    .append("\"} ").append(c.value()).append('\n');
            } else if (name.equals("origin.sent")) {
                originSent.append("taprouter_origin_sent_total ").append(c.value()).append('\n');
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("# HELP taprouter_port_rx_packets_total Per-port counters (rx/tx packets, bytes, drops).\n");
        out.append("# TYPE taprouter_port_rx_packets_total counter\n").append(port);
        out.append("# HELP taprouter_drops_total Received frames dropped, by reason.\n# TYPE taprouter_drops_total counter\n").append(drop);
        out.append("# HELP taprouter_events_total Dataplane events.\n# TYPE taprouter_events_total counter\n").append(event);
        out.append("# HELP taprouter_origin_sent_total Packets the router originated (ICMP, TCP resets, ARP) that went out.\n")
            .append("# TYPE taprouter_origin_sent_total counter\n").append(originSent);
        out.append("# HELP taprouter_origin_drops_total Packets the router originated (or ICMP errors it owed) not sent, by reason.\n")
            .append("# TYPE taprouter_origin_drops_total counter\n").append(originDrop);
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

    @Override
    public void close() {
        http.stop(0);
    }
}
