package net.taprouter.control.command;

import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.pipeline.DataplaneSettings;

/** {@code forwarding on|off|show}: like net.ipv4.ip_forward. */
public final class ForwardingCommands implements CommandGroup {
    private final RouterState state;

    public ForwardingCommands(RouterState state) {
        this.state = state;
    }

    @Override
    public String object() {
        return "forwarding";
    }

    @Override
    public String help() {
        return "forwarding on | off | show";
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        args.end();
        DataplaneSettings settings = state.dataplane().settings();
        switch (verb) {
            case "on", "off" -> {
                boolean before = settings.forwarding();
                settings.forwarding(verb.equals("on"));
                state.transaction().onRollback(() -> settings.forwarding(before));
            }
            case "show" -> out.row("forwarding " + (settings.forwarding() ? "on" : "off")).put("forwarding", settings.forwarding());
            default -> throw args.error("expected on, off or show, got \"" + verb + "\"");
        }
    }
}
