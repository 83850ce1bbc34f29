package net.taprouter.control.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * routerctl's JDK-only reader of routerd's counter file agrees with the dataplane's writer, and
 * sums each counter over its shards (RX agent, every worker).
 */
class CounterSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void readsWhatTheDataplaneWrites() throws IOException {
        File file = dir.resolve("routerd.counters").toFile();
        try (CounterFile counters = CounterFile.create(file, 16)) {
            AtomicCounter a = counters.newCounter("drop.ip_bad_checksum", CounterFile.TYPE_DROP_ERROR);
            AtomicCounter b = counters.newCounter("port.gw0.rx_packets");
            AtomicCounter gone = counters.newCounter("port.old.rx_packets");
            AtomicCounter ttl = counters.newCounter("drop.ttl_exceeded", CounterFile.TYPE_DROP_EXPECTED);
            AtomicCounter forwarded = counters.newCounter("event.forwarded");
            a.incrementRelease();
            b.getAndAddRelease(41);
            ttl.getAndAddRelease(3);
            forwarded.getAndAddRelease(7);
            gone.close();
            CounterSnapshot snapshot = CounterSnapshot.read(file.toPath());
            String text = snapshot.render(false).replace("\r", "");
            assertEquals(String.join("\n",
                "# per port",
                "port.gw0.rx_packets  41",
                "# what the router did",
                "event.forwarded      7",
                "# dropped by design: answered with ICMP/reset or ignored, as any router does (expired TTL, IPv6, broadcasts...)",
                "drop.ttl_exceeded    3",
                "# dropped because of bad input, a full table or queue, or a failure: worth a look when they grow",
                "drop.ip_bad_checksum 1", ""), text);
            assertEquals("[{\"name\":\"drop.ip_bad_checksum\",\"value\":1,\"expected\":false},{\"name\":\"port.gw0.rx_packets\",\"value\":41},"
                + "{\"name\":\"drop.ttl_exceeded\",\"value\":3,\"expected\":true},{\"name\":\"event.forwarded\",\"value\":7}]\n",
                snapshot.render(true));
        }
    }

    @Test
    void sumsTheShardsOfEveryWriter() throws IOException {
        File file = dir.resolve("two-workers.counters").toFile();
        try (CounterFile counters = CounterFile.create(file, 4096)) {
            routerdCounters(counters, 2);
            CounterSnapshot snapshot = CounterSnapshot.read(file.toPath());
            String text = snapshot.render(false);
            assertFalse(text.contains("@"), text);
            assertTrue(text.matches("(?s).*\\ndrop\\.ip_bad_checksum +3\\n.*"), text);
            assertTrue(text.matches("(?s).*\\nevent\\.forwarded +5\\n.*"), text);
            assertTrue(text.matches("(?s).*\\nport\\.gw0\\.tx_packets +5\\n.*"), text);
            assertTrue(text.matches("(?s).*\\nport\\.gw0\\.rx_packets +8\\n.*"), text);
            assertTrue(text.matches("(?s).*\\ndrop\\.rx_no_buffer +1\\n.*"), text);
            assertTrue(snapshot.render(true).contains("{\"name\":\"drop.ip_bad_checksum\",\"value\":3,\"expected\":false}"));
            assertEquals(1, text.split("\\ndrop\\.ip_bad_checksum ", -1).length - 1, "one line per name");
        }
    }

    /** {@code stats --per-worker}: the sum, then the value of each thread that counts it. */
    @Test
    void perWorkerShowsEachThreadsShare() throws IOException {
        File file = dir.resolve("per-worker.counters").toFile();
        try (CounterFile counters = CounterFile.create(file, 4096)) {
            routerdCounters(counters, 2);
            CounterSnapshot snapshot = CounterSnapshot.read(file.toPath());
            String text = snapshot.render(false, true);
            assertTrue(text.matches("(?s).*\\nevent\\.forwarded +5  \\(worker0 3, worker1 2\\)\\n.*"), text);
            assertTrue(text.matches("(?s).*\\ndrop\\.ip_bad_checksum +3  \\(worker0 1, worker1 2\\)\\n.*"), text);
            assertTrue(text.matches("(?s).*\\ndrop\\.rx_no_buffer +1  \\(worker0 0, worker1 0, rx0 1\\)\\n.*"), text);
            assertTrue(text.matches("(?s).*\\nport\\.gw0\\.rx_packets +8  \\(rx0 8\\)\\n.*"), text);
            assertTrue(snapshot.render(true, true).contains(
                "{\"name\":\"drop.ip_bad_checksum\",\"value\":3,\"expected\":false,\"shards\":{\"worker0\":1,\"worker1\":2}}"),
                snapshot.render(true, true));
            assertEquals(snapshot.render(false), snapshot.render(false, false));
        }
    }

    @Test
    void oneWorkerReadsAsBefore() throws IOException {
        File file = dir.resolve("one-worker.counters").toFile();
        try (CounterFile counters = CounterFile.create(file, 4096)) {
            routerdCounters(counters, 1);
            String text = CounterSnapshot.read(file.toPath()).render(false).replace("\r", "");
            List<String> lines = List.of(text.split("\n"));
            // the names in the order one worker registers them, each once, none with a shard
            List<String> names = new ArrayList<>();
            for (String line : lines) {
                if (!line.startsWith("#")) {
                    names.add(line.split(" +")[0]);
                }
            }
            List<String> expected = new ArrayList<>(List.of("port.gw0.rx_packets", "port.gw0.rx_bytes", "port.gw0.rx_drops",
                "port.gw0.tx_packets", "port.gw0.tx_bytes", "port.gw0.tx_drops", "port.gw0.rx_errors", "port.gw0.tx_errors"));
            for (Event e : Event.values()) {
                expected.add("event." + e.counterName());
            }
            expected.add("origin.sent");
            for (boolean byDesign : new boolean[] {true, false}) {
                for (DropReason r : DropReason.values()) {
                    if (r.expected() == byDesign && r.endsReceived()) {
                        expected.add("drop." + r.counterName());
                    }
                }
                for (DropReason r : DropReason.values()) {
                    if (r.expected() == byDesign && r.endsOriginated()) {
                        expected.add("origin.drop." + r.counterName());
                    }
                }
            }
            assertEquals(expected, names);
            assertTrue(text.matches("(?s).*\\nevent\\.forwarded +3\\n.*"), text);
        }
    }

    /** Counters as routerd makes them: worker shards, then the RX agent's, then a port; some counts in each. */
    static void routerdCounters(CounterFile counters, int workers) {
        DataplaneCounters[] w = new DataplaneCounters[workers];
        for (int i = 0; i < workers; i++) {
            w[i] = new DataplaneCounters(counters);
        }
        DataplaneCounters rx = DataplaneCounters.rx(counters);
        PortCounters gw0 = new PortCounters(counters, "gw0");
        for (int i = 0; i < workers; i++) {
            for (int n = 0; n < 3 - i; n++) {
                w[i].event(Event.FORWARDED);
                gw0.worker(i).txPackets.incrementRelease();
            }
            for (int n = 0; n < i + 1; n++) {
                w[i].drop(DropReason.IP_BAD_CHECKSUM);
            }
        }
        rx.drop(DropReason.RX_NO_BUFFER);
        gw0.rx(0).packets.getAndAddRelease(8);
    }

    @Test
    void refusesOtherFiles() throws IOException {
        Path other = dir.resolve("other");
        Files.write(other, new byte[128]);
        assertThrows(IOException.class, () -> CounterSnapshot.read(other));
        assertThrows(IOException.class, () -> CounterSnapshot.read(dir.resolve("missing")));
        assertEquals(Path.of("/run/taprouter/routerd.counters"), CounterSnapshot.defaultFile("/run/taprouter/routerd.sock"));
    }
}
