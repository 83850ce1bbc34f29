package net.taprouter.dataplane.port;

import net.taprouter.dataplane.stats.CounterFile;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Per-port counters in the shared counter file. RX counters are written by the RX agent, TX and
 * drop counters by the forwarding agent: one writer each.
 */
public final class PortCounters implements AutoCloseable {
    public final AtomicCounter rxPackets;
    public final AtomicCounter rxBytes;
    public final AtomicCounter rxDrops;
    public final AtomicCounter txPackets;
    public final AtomicCounter txBytes;
    public final AtomicCounter txDrops;

    public PortCounters(CounterFile file, String port) {
        rxPackets = file.newCounter("port." + port + ".rx_packets");
        rxBytes = file.newCounter("port." + port + ".rx_bytes");
        rxDrops = file.newCounter("port." + port + ".rx_drops");
        txPackets = file.newCounter("port." + port + ".tx_packets");
        txBytes = file.newCounter("port." + port + ".tx_bytes");
        txDrops = file.newCounter("port." + port + ".tx_drops");
    }

    /** Frees the counters (control thread, after the port left the dataplane). */
    @Override
    public void close() {
        rxPackets.close();
        rxBytes.close();
        rxDrops.close();
        txPackets.close();
        txBytes.close();
        txDrops.close();
    }
}
