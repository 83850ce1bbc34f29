package net.taprouter.control.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.stats.ForwardingLatency;
import org.junit.jupiter.api.Test;

/** The Prometheus text sums every counter over its shards (RX agent, each worker): one sample per name. */
class MetricsRenderTest {

    @Test
    void samplesAreSummedOverTheShards() {
        try (CounterFile file = CounterFile.create(null, 4096)) {
            DataplaneCounters w0 = new DataplaneCounters(file);
            DataplaneCounters w1 = new DataplaneCounters(file);
            DataplaneCounters rx = DataplaneCounters.rx(file);
            PortCounters gw0 = new PortCounters(file, "gw0");
            PortCounters dotted = new PortCounters(file, "lab.a");
            w0.drop(DropReason.IP_BAD_CHECKSUM);
            w1.drop(DropReason.IP_BAD_CHECKSUM);
            w1.drop(DropReason.IP_BAD_CHECKSUM);
            w0.event(Event.FORWARDED);
            w1.event(Event.FORWARDED);
            rx.drop(DropReason.RX_RING_FULL);
            gw0.rx(0).packets.getAndAddRelease(4);
            gw0.worker(0).txPackets.getAndAddRelease(2);
            gw0.worker(1).txPackets.getAndAddRelease(3);
            dotted.worker(1).txBytes.getAndAddRelease(60);
            String m = MetricsServer.render(file.reader(), new ForwardingLatency());
            assertFalse(m.contains("@"), m);
            for (String sample : List.of("taprouter_drops_total{reason=\"ip_bad_checksum\"} 3", "taprouter_drops_total{reason=\"rx_ring_full\"} 1",
                "taprouter_events_total{event=\"forwarded\"} 2", "taprouter_port_rx_packets_total{port=\"gw0\"} 4",
                "taprouter_port_tx_packets_total{port=\"gw0\"} 5", "taprouter_port_tx_bytes_total{port=\"lab.a\"} 60")) {
                assertTrue(m.contains("\n" + sample + "\n"), sample + " missing in\n" + m);
            }
            assertEquals(1, m.split("reason=\"ip_bad_checksum\"", -1).length - 1, "one sample per name\n" + m);
            long received = java.util.Arrays.stream(DropReason.values()).filter(DropReason::endsReceived).count();
            long originated = java.util.Arrays.stream(DropReason.values()).filter(DropReason::endsOriginated).count();
            assertEquals(received, m.split("\ntaprouter_drops_total\\{", -1).length - 1, m);
            assertEquals(originated, m.split("\ntaprouter_origin_drops_total\\{", -1).length - 1, m);
            assertTrue(m.contains("\ntaprouter_origin_sent_total 0\n"), m);
        }
    }

    @Test
    void ratesArePerSecondGaugesOfWhatChangedAndEveryFamilyIsTyped() {
        try (CounterFile file = CounterFile.create(null, 4096)) {
            DataplaneCounters w0 = new DataplaneCounters(file);
            DataplaneCounters.rx(file);
            PortCounters gw0 = new PortCounters(file, "gw0");
            net.taprouter.control.protocol.CounterSnapshot before = new net.taprouter.control.protocol.CounterSnapshot();
            file.reader().forEach((value, id, label) -> before.add(label, value, file.reader().getCounterTypeId(id)));
            gw0.rx(0).packets.getAndAddRelease(300);
            gw0.worker(0).rxErrors.getAndAddRelease(2);
            w0.drop(DropReason.IP_BAD_CHECKSUM);
            w0.drop(DropReason.IP_BAD_CHECKSUM);
            net.taprouter.control.protocol.CounterSnapshot after = new net.taprouter.control.protocol.CounterSnapshot();
            file.reader().forEach((value, id, label) -> after.add(label, value, file.reader().getCounterTypeId(id)));
            String m = MetricsServer.render(file.reader(), new ForwardingLatency(), after.ratesSince(before, 2.0));
            for (String sample : List.of("taprouter_port_rx_packets_per_second{port=\"gw0\"} 150",
                "taprouter_port_rx_errors_per_second{port=\"gw0\"} 1", "taprouter_drops_per_second{reason=\"ip_bad_checksum\"} 1",
                "taprouter_port_rx_errors_total{port=\"gw0\"} 2", "# TYPE taprouter_port_rx_packets_per_second gauge",
                "# TYPE taprouter_port_tx_bytes_total counter", "# TYPE taprouter_port_rx_errors_total counter")) {
                assertTrue(m.contains("\n" + sample + "\n"), sample + " missing in\n" + m);
            }
            assertFalse(m.contains("tx_bytes_per_second"), "an unchanged counter has no rate sample\n" + m);
            for (String line : m.split("\n")) { // every sample's family has its TYPE line
                if (!line.startsWith("#")) {
                    String metric = line.split("[{ ]")[0];
                    String family = metric.replaceAll("_(count|sum)$", "");
                    assertTrue(m.contains("# TYPE " + family + " ") || m.contains("# TYPE " + metric + " "), line + "\n" + m);
                }
            }
        }
    }
}
