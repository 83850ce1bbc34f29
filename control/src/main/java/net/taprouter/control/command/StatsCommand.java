package net.taprouter.control.command;

import net.taprouter.control.protocol.CounterSnapshot;
import org.agrona.concurrent.status.CountersReader;

/**
 * {@code stats}: every counter in the shared counter file — per port rx/tx packets, bytes and
 * drops, every drop reason by name ({@code drop.ip_bad_checksum}) and every event. routerctl
 * normally reads the file itself ({@link CounterSnapshot}); this serves configs, batches and
 * routerds whose counter file is not next to their socket.
 */
public final class StatsCommand implements CommandGroup {
    private final CountersReader counters;

    public StatsCommand(CountersReader counters) {
        this.counters = counters;
    }

    @Override
    public String object() {
        return "stats";
    }

    @Override
    public String help() {
        return String.join("\n",
            "stats            # counters: port.NAME.{rx,tx}_{packets,bytes,drops}, drop.REASON, event.NAME",
            "stats --per-worker   # each counter split by the thread that counts it (workerN, rxN)");
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        boolean perWorker = verb.equals("--per-worker");
        if (!verb.isEmpty() && !verb.equals("show") && !perWorker) {
            throw args.error("unexpected \"" + verb + "\"");
        }
        args.end();
        CounterSnapshot snapshot = new CounterSnapshot();
        counters.forEach((value, id, label) -> snapshot.add(label, value, counters.getCounterTypeId(id)));
        out.raw(snapshot.render(out.json(), perWorker));
    }
}
