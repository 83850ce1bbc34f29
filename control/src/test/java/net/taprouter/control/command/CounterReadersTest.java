package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import net.taprouter.control.model.Link;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.stats.DataplaneCounters;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.stats.Event;
import net.taprouter.dataplane.tap.TapDevice;
import org.junit.jupiter.api.Test;

/** {@code stats} and {@code link show -s} read every counter summed over its shards (RX agent, each worker). */
class CounterReadersTest {

    @Test
    void statsSumsTheShards() {
        try (CounterFile file = CounterFile.create(null, 4096)) {
            DataplaneCounters w0 = new DataplaneCounters(file);
            DataplaneCounters w1 = new DataplaneCounters(file);
            DataplaneCounters.rx(file);
            PortCounters gw1 = new PortCounters(file, "gw1");
            w0.event(Event.FORWARDED);
            w1.event(Event.FORWARDED);
            w1.drop(DropReason.NO_ROUTE);
            gw1.worker(0).txPackets.incrementRelease();
            gw1.worker(1).txPackets.incrementRelease();
            Output out = new Output(false);
            new StatsCommand(file.reader()).execute("", new Args(List.of()), out);
            String text = out.render();
            assertFalse(text.contains("@"), text);
            assertTrue(text.matches("(?s).*\\nevent\\.forwarded +2\\n.*"), text);
            assertTrue(text.matches("(?s).*\\ndrop\\.no_route +1\\n.*"), text);
            assertTrue(text.matches("(?s).*\\nport\\.gw1\\.tx_packets +2\\n.*"), text);
            assertEquals(1, text.split("\\nevent\\.forwarded ", -1).length - 1, text);
            Output json = new Output(true);
            new StatsCommand(file.reader()).execute("", new Args(List.of()), json);
            assertTrue(json.render().contains("{\"name\":\"event.forwarded\",\"value\":2}"), json.render());
        }
    }

    @Test
    void linkShowStatsSumsTheShards() throws IOException {
        try (CounterFile file = CounterFile.create(null, 4096); TapDevice sink = TapDevice.discarding()) {
            new DataplaneCounters(file);
            new DataplaneCounters(file);
            DataplaneCounters.rx(file);
            PortCounters c = new PortCounters(file, "gw0");
            c.rx(0).packets.getAndAddRelease(7);
            c.rx(0).bytes.getAndAddRelease(700);
            c.worker(0).rxDrops.getAndAddRelease(1);
            c.worker(1).rxDrops.getAndAddRelease(2);
            c.worker(0).txPackets.getAndAddRelease(4);
            c.worker(1).txPackets.getAndAddRelease(5);
            c.worker(0).txBytes.getAndAddRelease(400);
            c.worker(1).txBytes.getAndAddRelease(500);
            c.worker(1).txDrops.getAndAddRelease(6);
            c.worker(1).rxErrors.getAndAddRelease(1); // one of the 3 rx drops was a malformed frame
            c.worker(0).txErrors.getAndAddRelease(2); // two of the 6 tx drops were failed writes
            Port port = new Port(0, "gw0", sink, c);
            Link link = new Link(Interface.forPort(0, port, 0x0200_0000_0001L, 1500), port, "t0", null, false);
            Output out = new Output(false);
            LinkCommands.describe(link, out, true);
            String text = out.render();
            assertTrue(text.contains("    RX:  bytes packets errors dropped\n           700       7      1       2\n"), text);
            assertTrue(text.contains("    TX:  bytes packets errors dropped\n           900       9      2       4\n"), text);
            Output json = new Output(true);
            LinkCommands.describe(link, json, true);
            String j = json.render();
            assertTrue(j.contains("\"rx\":{") && j.contains("\"packets\":7") && j.contains("\"errors\":1") && j.contains("\"dropped\":2"), j);
            assertTrue(j.contains("\"bytes\":900") && j.contains("\"packets\":9") && j.contains("\"errors\":2") && j.contains("\"dropped\":4"), j);
        }
    }
}
