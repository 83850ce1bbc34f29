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
}
