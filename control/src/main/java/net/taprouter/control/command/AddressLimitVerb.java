package net.taprouter.control.command;

import net.taprouter.control.model.ConntrackSettings;
import net.taprouter.dataplane.conntrack.ConntrackConfig;

/**
 * The verbs of a per-address limit, {@code nat portlimit} and {@code conntrack hostlimit}:
 * {@code [show]} prints it, {@code N} (1..its maximum) or {@code auto} sets it (undoable).
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
            out.row(limit.command() + " " + text(value)).put(limit.jsonKey(), value == ConntrackConfig.AUTO ? "auto" : value);
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

    private static String text(int value) {
        return value == ConntrackConfig.AUTO ? "auto" : Integer.toString(value);
    }
}
