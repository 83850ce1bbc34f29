package net.taprouter.control.command;

import java.util.Map;
import net.taprouter.control.model.ConntrackSettings;
import net.taprouter.dataplane.conntrack.ConntrackConfig;

/**
 * The verbs of a per-address limit, {@code nat portlimit} and {@code conntrack hostlimit}:
 * {@code [show]} prints it (auto with the number it stands for now), {@code N} (1..its maximum) or {@code auto} sets it (undoable).
 */
final class AddressLimitVerb {
    private AddressLimitVerb() {
    }

    /** {@code PREFIX [show|N|auto]} for {@code limit}. */
    static void execute(ConntrackSettings.Limit limit, ConntrackSettings settings, Args args, Output out) {
        if (!args.hasNext() || args.peek().equals("show")) {
            args.accept("show");
            args.end();
            int value = settings.limit(limit);
            int effective = settings.effectiveLimit(limit);
            String line = limit.command() + " " + (value == ConntrackConfig.AUTO ? "auto (" + effective + ")" : Integer.toString(value));
            Map<String, Object> row = out.row(line);
            row.put(limit.jsonKey(), value == ConntrackConfig.AUTO ? "auto" : value);
            row.put("effective", effective);
            return;
        }
        int value = args.peek().equals("auto") ? ConntrackConfig.AUTO : args.integer(limit.description(), 1, limit.max());
        if (value == ConntrackConfig.AUTO) {
            args.accept("auto");
        }
        args.end();
        settings.limit(limit, value, args.command());
    }

    /** The line {@code save} writes for {@code limit}, or null while it is auto (the default). */
    static String saveLine(ConntrackSettings.Limit limit, ConntrackSettings settings) {
        int value = settings.limit(limit);
        return value == ConntrackConfig.AUTO ? null : limit.command() + " " + value;
    }

}
