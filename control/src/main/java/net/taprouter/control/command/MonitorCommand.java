package net.taprouter.control.command;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import net.taprouter.control.model.ChangeEvents;
import net.taprouter.control.model.Link;
import net.taprouter.control.model.Route;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.wire.Ipv4Address;
import net.taprouter.dataplane.wire.MacAddress;

/**
 * {@code monitor [all|link|addr|route|neigh]...}: the changes later requests make, printed as they
 * commit, in {@code ip monitor}'s style ({@code 198.51.100.0/24 via 203.0.113.2 dev gw1},
 * {@code Deleted ...}; each line labelled {@code [ROUTE]}, {@code [ADDR]}... when more than one
 * kind is watched), until the client goes away; {@code -j}: one JSON object per line. A live
 * answer ({@link LiveStream}): it subscribes to {@link ChangeEvents} when first pulled (after
 * its own request committed) and unsubscribes when the client leaves. A monitor that falls more
 * than {@link ChangeEvents#SUBSCRIBER_BUFFER} changes behind loses the rest, counted, and is told
 * ({@code [LOST] N changes}). Changes of rolled-back requests are never shown. Learned neighbours
 * (ARP in the dataplane) are not reported yet: {@code neigh} shows neigh add/del.
 */
public final class MonitorCommand implements CommandGroup {
    private final RouterState state;

    public MonitorCommand(RouterState state) {
        this.state = state;
    }

    @Override
    public String object() {
        return "monitor";
    }

    @Override
    public String help() {
        return "monitor [all|link|addr|route|neigh]...   # changes as they commit, ip monitor style, until Ctrl-C";
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        EnumSet<ChangeEvents.Kind> kinds = EnumSet.noneOf(ChangeEvents.Kind.class);
        String word = verb;
        while (word != null) {
            switch (word) {
                case "show", "all" -> kinds.addAll(EnumSet.allOf(ChangeEvents.Kind.class));
                case "link" -> kinds.add(ChangeEvents.Kind.LINK);
                case "addr", "address" -> kinds.add(ChangeEvents.Kind.ADDR);
                case "route" -> kinds.add(ChangeEvents.Kind.ROUTE);
                case "neigh", "neighbour", "neighbor" -> kinds.add(ChangeEvents.Kind.NEIGH);
                case "fdb", "conntrack" -> throw args.error(word + ": not supported yet");
                default -> throw args.error("unknown object \"" + word + "\" (link, addr, route, neigh or all)");
            }
            word = args.hasNext() ? args.next("object") : null;
        }
        out.live(new Stream(state.changes(), kinds, out.json()));
    }

    /** One monitor, from subscribing to unsubscribing. */
    static final class Stream implements LiveStream {
        private final ChangeEvents changes;
        private final EnumSet<ChangeEvents.Kind> kinds;
        private final boolean json;
        private final boolean labelled;
        private ChangeEvents.Subscriber subscriber;

        Stream(ChangeEvents changes, EnumSet<ChangeEvents.Kind> kinds, boolean json) {
            this.changes = changes;
            this.kinds = kinds;
            this.json = json;
            this.labelled = kinds.size() > 1;
        }

        @Override
        public String next() {
            if (subscriber == null) {
                subscriber = changes.subscribe(kinds);
                return "";
            }
            StringBuilder piece = new StringBuilder();
            long lost = subscriber.takeLost();
            int n = 0;
            for (ChangeEvents.Change c; n < Answer.ROWS_PER_PIECE && (c = subscriber.poll()) != null; n++) {
                line(piece, c);
            }
            if (lost > 0) {
                piece.append(json ? "{\"lost\":" + lost + "}" : "[LOST] " + lost + " change" + (lost == 1 ? "" : "s")
                    + " not shown (monitor too slow)").append('\n');
            }
            return piece.toString();
        }

        private void line(StringBuilder out, ChangeEvents.Change c) {
            if (json) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("object", c.kind().name().toLowerCase());
                row.put("deleted", c.deleted());
                fields(row, c.subject());
                Json.write(out, row);
                out.append('\n');
                return;
            }
            if (labelled) {
                out.append('[').append(c.kind().name()).append("] ");
            }
            if (c.deleted()) {
                out.append("Deleted ");
            }
            out.append(text(c.subject())).append('\n');
        }

        private static String text(Object subject) {
            if (subject instanceof Route r) {
                return RouteCommands.text(r);
            }
            if (subject instanceof Link l) {
                return (l.iface().index() + 1) + ": " + l.name() + ": mtu " + l.iface().mtu() + "\n    link/ether "
                    + MacAddress.format(l.iface().mac()) + " brd ff:ff:ff:ff:ff:ff";
            }
            return String.valueOf(subject);
        }

        private static void fields(Map<String, Object> row, Object subject) {
            if (subject instanceof Route r) {
                row.put("dst", r.prefix().toRouteString());
                if (r.gateway() != 0) {
                    row.put("gateway", Ipv4Address.format(r.gateway()));
                }
                row.put("dev", r.iface().name());
                row.put("protocol", r.kernel() ? "kernel" : "static");
                if (r.source() != 0) {
                    row.put("prefsrc", Ipv4Address.format(r.source()));
                }
            } else if (subject instanceof Link l) {
                row.put("ifindex", l.iface().index() + 1);
                row.put("ifname", l.name());
                row.put("mtu", l.iface().mtu());
                row.put("address", MacAddress.format(l.iface().mac()));
            } else {
                row.put("text", String.valueOf(subject));
            }
        }

        @Override
        public void close() {
            if (subscriber != null) {
                changes.unsubscribe(subscriber);
                subscriber = null;
            }
        }
    }
}
