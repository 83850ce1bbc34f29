package net.taprouter.control.command;

import net.taprouter.control.model.Link;
import net.taprouter.control.model.Route;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.neigh.NeighbourEntry;
import net.taprouter.dataplane.neigh.NeighbourState;
import net.taprouter.dataplane.port.InterfaceAddress;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.wire.Ipv4Address;
import net.taprouter.dataplane.wire.MacAddress;

/**
 * {@code save}: the running configuration as commands of the same grammar, in an order that
 * {@code routerd --config} replays to the same state: links, addresses, static routes, static
 * neighbours, link state, forwarding switch. ({@code routerctl save FILE} writes it client-side.)
 */
public final class SaveCommand implements CommandGroup {
    private final RouterState state;
    private final NeighCommands neighbours;

    public SaveCommand(RouterState state, NeighCommands neighbours) {
        this.state = state;
        this.neighbours = neighbours;
    }

    @Override
    public String object() {
        return "save";
    }

    @Override
    public String help() {
        return "save [FILE]      # running configuration as routerctl commands (stdout without FILE)";
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        if (!verb.isEmpty()) {
            throw args.error("unexpected \"" + verb + "\" (routerctl writes FILE itself)");
        }
        out.line("# taprouter configuration (routerctl save)");
        for (Link link : state.links().values()) {
            Port port = link.port();
            out.line("link add " + port.name() + " type tap ifname " + link.ifname()
                + (link.netns() != null ? " netns " + link.netns() : "") + (link.attach() ? " attach" : "")
                + " address " + MacAddress.format(port.mac()) + " mtu " + port.mtu());
        }
        for (Link link : state.links().values()) {
            for (InterfaceAddress a : link.port().addresses()) {
                out.line("addr add " + a + " dev " + link.name());
            }
        }
        for (Route route : state.routeList()) {
            if (route.kernel()) {
                continue;
            }
            out.line("route add " + route.prefix().toRouteString()
                + (route.gateway() != 0 ? " via " + Ipv4Address.format(route.gateway()) : "") + " dev " + route.port().name());
        }
        for (NeighbourEntry e : neighbours.entries()) {
            Port port = state.dataplane().ports().get(e.port());
            if (e.state() == NeighbourState.PERMANENT && port != null) {
                out.line("neigh add " + Ipv4Address.format(e.address()) + " lladdr " + MacAddress.format(e.mac()) + " dev " + port.name());
            }
        }
        for (Link link : state.links().values()) {
            if (!link.port().adminUp()) {
                out.line("link set " + link.name() + " down");
            }
        }
        var settings = state.dataplane().settings();
        out.line("icmp ratelimit " + settings.icmpRatePerSecond() + " burst " + settings.icmpBurst());
        out.line("forwarding " + (settings.forwarding() ? "on" : "off"));
    }
}
