package net.taprouter.control.command;

import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.pipeline.DataplaneSettings;

/**
 * {@code icmp ratelimit N [burst B] | icmp show}: the token buckets (one per destination) that limit the ICMP errors
 * the router sends (like net.ipv4.icmp_msgs_per_sec and icmp_msgs_burst; default 1000/s, 50).
 */
public final class IcmpCommands implements CommandGroup {
    private final RouterState state;

    public IcmpCommands(RouterState state) {
        this.state = state;
    }

    @Override
    public String object() {
        return "icmp";
    }

    @Override
    public String help() {
        return String.join("\n",
            "icmp ratelimit N [burst B]   # ICMP errors per second and destination (0: none) and largest burst; Frag Needed never limited",
            "icmp show");
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        DataplaneSettings settings = state.dataplane().settings();
        switch (verb) {
            case "ratelimit" -> {
                int rate = args.integer("rate", 0, 1_000_000);
                int burst = settings.icmpBurst();
                if (args.accept("burst")) {
                    burst = args.integer("burst", 1, 1_000_000);
                }
                args.end();
                int oldRate = settings.icmpRatePerSecond();
                int oldBurst = settings.icmpBurst();
                settings.icmpRateLimit(rate, burst);
                state.transaction().onRollback(() -> settings.icmpRateLimit(oldRate, oldBurst));
            }
            case "show" -> {
                args.end();
                var row = out.row("icmp ratelimit " + settings.icmpRatePerSecond() + " burst " + settings.icmpBurst());
                row.put("ratelimit", settings.icmpRatePerSecond());
                row.put("burst", settings.icmpBurst());
            }
            default -> throw args.error("unknown command \"" + verb + "\" (try: routerctl icmp help)");
        }
    }
}
