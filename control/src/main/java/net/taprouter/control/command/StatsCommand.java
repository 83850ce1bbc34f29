package net.taprouter.control.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.status.CountersReader;

/**
 * {@code stats}: every counter in the shared counter file — per port rx/tx packets, bytes and
 * drops, every drop reason by name ({@code drop.ip_bad_checksum}) and every event.
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
        return "stats            # counters: port.NAME.{rx,tx}_{packets,bytes,drops}, drop.REASON, event.NAME";
    }

    @Override
    public boolean readOnly(String verb) {
        return true;
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        if (!verb.isEmpty() && !verb.equals("show")) {
            throw args.error("unexpected \"" + verb + "\"");
        }
        args.end();
        out.listing();
        List<String> labels = new ArrayList<>();
        List<Long> values = new ArrayList<>();
        counters.forEach((value, id, label) -> {
            labels.add(label);
            values.add(value);
        });
        int width = labels.stream().mapToInt(String::length).max().orElse(0);
        for (int i = 0; i < labels.size(); i++) {
            Map<String, Object> row = out.row(String.format("%-" + width + "s %d", labels.get(i), values.get(i)));
            row.put("name", labels.get(i));
            row.put("value", values.get(i));
        }
    }
}
