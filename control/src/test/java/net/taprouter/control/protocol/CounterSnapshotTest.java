package net.taprouter.control.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.taprouter.dataplane.stats.CounterFile;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** routerctl's JDK-only reader of routerd's counter file agrees with the dataplane's writer. */
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
    void refusesOtherFiles() throws IOException {
        Path other = dir.resolve("other");
        Files.write(other, new byte[128]);
        assertThrows(IOException.class, () -> CounterSnapshot.read(other));
        assertThrows(IOException.class, () -> CounterSnapshot.read(dir.resolve("missing")));
        assertEquals(Path.of("/run/taprouter/routerd.counters"), CounterSnapshot.defaultFile("/run/taprouter/routerd.sock"));
    }
}
