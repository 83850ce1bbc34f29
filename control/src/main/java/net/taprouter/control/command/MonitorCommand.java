package net.taprouter.control.command;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import net.taprouter.control.model.ChangeEvents;
import net.taprouter.control.model.Link;
import net.taprouter.control.model.Route;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.agent.EventSource;
import net.taprouter.dataplane.agent.WorkerControl;
import net.taprouter.dataplane.conntrack.ConntrackEntry;
import net.taprouter.dataplane.conntrack.ConntrackEvents;
import net.taprouter.dataplane.l2.FdbEvents;
import net.taprouter.dataplane.neigh.NeighbourEvents;
import net.taprouter.dataplane.neigh.NeighbourState;
import org.agrona.DirectBuffer;
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
 * ({@code [LOST] N changes}). Changes of rolled-back requests are never shown. {@code neigh} shows
 * {@code neigh add|del} (from {@link ChangeEvents}) and what ARP does by itself in the workers
 * (learned, resolved, STALE, PROBE, FAILED, aged out or evicted: {@link NeighbourEvents} through
 * {@link WorkerEvents}); {@code link} shows each link as {@code link show} prints it after the
 * change ({@code link add|set|del}).
 *
 * <p>{@code conntrack} and {@code fdb} come from the workers ({@link WorkerEvents}: per-worker
 * event rings armed when the monitor starts): {@code conntrack} prints {@code conntrack -E}'s
 * lines ({@code [NEW] tcp 6 120 SYN_SENT src=...}: there is no ip monitor object for it),
 * {@code fdb} prints {@code bridge monitor fdb}'s ({@code 00:00:5e:00:53:01 dev b1 master br0},
 * {@code Deleted ...}, {@code static} for fdb add) for entries learned, moved, aged, flushed,
 * added or deleted. {@code all} does not include them (name them).
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
        return String.join("\n",
            "monitor [all|link|addr|route|neigh|fdb|conntrack]...   # changes as they happen, ip monitor style, until Ctrl-C",
            "        (all = link addr route neigh; fdb: bridge monitor fdb lines; conntrack: conntrack -E lines)");
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        EnumSet<ChangeEvents.Kind> kinds = EnumSet.noneOf(ChangeEvents.Kind.class);
        boolean conntrack = false;
        boolean fdb = false;
        String word = verb;
        while (word != null) {
            switch (word) {
                case "show", "all" -> kinds.addAll(EnumSet.allOf(ChangeEvents.Kind.class));
                case "link" -> kinds.add(ChangeEvents.Kind.LINK);
                case "addr", "address" -> kinds.add(ChangeEvents.Kind.ADDR);
                case "route" -> kinds.add(ChangeEvents.Kind.ROUTE);
                case "neigh", "neighbour", "neighbor" -> kinds.add(ChangeEvents.Kind.NEIGH);
                case "conntrack" -> conntrack = true;
                case "fdb" -> fdb = true;
                default -> throw args.error("unknown object \"" + word + "\" (link, addr, route, neigh, fdb, conntrack or all)");
            }
            word = args.hasNext() ? args.next("object") : null;
        }
        WorkerControl workers = state.dataplane().workers();
        out.live(new Stream(state, kinds, conntrack ? new WorkerEvents(workers, EventSource.CONNTRACK, ConntrackEvents.ALL) : null,
            fdb ? new WorkerEvents(workers, EventSource.FDB, FdbEvents.ALL) : null,
            kinds.contains(ChangeEvents.Kind.NEIGH) ? new WorkerEvents(workers, EventSource.NEIGH, NeighbourEvents.ALL) : null,
            out.json()));
    }

    /** One monitor, from subscribing to unsubscribing. */
    static final class Stream implements LiveStream {
        private final RouterState state;
        private final ChangeEvents changes;
        private final EnumSet<ChangeEvents.Kind> kinds;
        private final WorkerEvents conntrack;
        private final WorkerEvents fdb;
        /** ARP's own changes (learned, resolved, stale, failed, aged), beside neigh add/del from {@link ChangeEvents}. */
        private final WorkerEvents arp;
        private final boolean json;
        private final boolean labelled;
        private ChangeEvents.Subscriber subscriber;
        private boolean started;
        private String failure;
        private StringBuilder piece;
        private Map<Integer, String> names;
        private Map<Integer, String> ifaceNames;
        /**
         * Per neighbour ({@code ADDRESS dev NAME}), the last change printed (its line, "Deleted "
         * in front for a deletion): each worker reports the changes of its own replica, one line
         * each; a {@code neigh add} that changes nothing is not shown again.
         */
        private final Map<String, String> shownNeighbours = new HashMap<>();

        Stream(RouterState state, EnumSet<ChangeEvents.Kind> kinds, WorkerEvents conntrack, WorkerEvents fdb, WorkerEvents arp,
            boolean json) {
            this.state = state;
            this.changes = state.changes();
            this.kinds = kinds;
            this.conntrack = conntrack;
            this.fdb = fdb;
            this.arp = arp;
            this.json = json;
            this.labelled = kinds.size() + (conntrack != null ? 1 : 0) + (fdb != null ? 1 : 0) > 1;
        }

        @Override
        public String next() {
            if (failure != null) {
                return null;
            }
            if (!started) {
                started = true;
                if (!kinds.isEmpty()) {
                    subscriber = changes.subscribe(kinds);
                }
                try {
                    if (conntrack != null) {
                        conntrack.arm();
                    }
                    if (fdb != null) {
                        fdb.arm();
                    }
                    if (arp != null) {
                        arp.arm();
                    }
                } catch (RuntimeException e) {
                    failure = "monitor: " + e.getMessage() + "\n";
                    return failure;
                }
                return "";
            }
            piece = new StringBuilder();
            long lost = 0;
            if (subscriber != null) {
                lost += subscriber.takeLost();
                int n = 0;
                for (ChangeEvents.Change c; n < Answer.ROWS_PER_PIECE && (c = subscriber.poll()) != null; n++) {
                    if (c.kind() != ChangeEvents.Kind.NEIGH || isNew(c)) {
                        line(piece, c);
                    }
                }
            }
            if (conntrack != null) {
                conntrack.drain(this::conntrackEvent, Answer.ROWS_PER_PIECE);
                lost += conntrack.takeLost();
            }
            if (fdb != null) {
                names = null;
                fdb.drain(this::fdbEvent, Answer.ROWS_PER_PIECE);
                lost += fdb.takeLost();
            }
            if (arp != null) {
                ifaceNames = null;
                arp.drain(this::neighbourEvent, Answer.ROWS_PER_PIECE);
                lost += arp.takeLost();
            }
            if (lost > 0) {
                piece.append(json ? "{\"lost\":" + lost + "}" : "[LOST] " + lost + " change" + (lost == 1 ? "" : "s")
                    + " not shown (monitor too slow)").append('\n');
            }
            return piece.toString();
        }

        /** A conntrack event: conntrack -E's line ({@code [CONNTRACK]} in front when several objects are watched). */
        private void conntrackEvent(int kind, DirectBuffer buffer, int offset) {
            ConntrackEntry e = ConntrackEvents.entry(buffer, offset);
            if (json) {
                StringBuilder row = new StringBuilder();
                ConntrackCommands.EventStream.line(row, kind, e, true, false, false);
                piece.append("{\"object\":\"conntrack\",").append(row, 1, row.length());
                return;
            }
            if (labelled) {
                piece.append("[CONNTRACK] ");
            }
            ConntrackCommands.EventStream.line(piece, kind, e, false, false, false);
        }

        /**
         * The name of a port (by its index) or a bridge ({@code -1 - interface index}) for FDB events,
         * from the links as they are now (read again when one is not known: added since); a VLAN
         * sub-interface has neither and is not in it.
         */
        private String linkName(int key, String otherwise) {
            if (names == null || !names.containsKey(key)) {
                names = new HashMap<>();
                for (Link link : state.links().values()) {
                    if (link.isBridge()) {
                        names.put(-1 - link.iface().index(), link.name());
                    } else if (link.port() != null) {
                        names.put(link.port().index(), link.name());
                    }
                }
            }
            return names.getOrDefault(key, otherwise);
        }

        /** An FDB event as {@code bridge monitor fdb} prints it: {@code MAC dev PORT master BRIDGE [static]}, {@code Deleted ...}. */
        private void fdbEvent(int kind, DirectBuffer buffer, int offset) {
            FdbEvents.Event e = FdbEvents.event(kind, buffer, offset);
            String port = linkName(e.port(), "port" + e.port());
            String bridge = linkName(-1 - e.bridge(), "bridge" + e.bridge());
            boolean deleted = kind == FdbEvents.DELETED;
            if (json) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("object", "fdb");
                row.put("deleted", deleted);
                row.put("event", kind == FdbEvents.LEARNED ? "learned" : kind == FdbEvents.MOVED ? "moved" : "deleted");
                row.put("mac", MacAddress.format(e.mac()));
                row.put("ifname", port);
                row.put("master", bridge);
                row.put("state", e.isStatic() ? "static" : "");
                Json.write(piece, row);
                piece.append('\n');
                return;
            }
            if (labelled) {
                piece.append("[FDB] ");
            }
            if (deleted) {
                piece.append("Deleted ");
            }
            piece.append(MacAddress.format(e.mac())).append(" dev ").append(port).append(" master ").append(bridge)
                .append(e.isStatic() ? " static" : "").append('\n');
        }

        /**
         * A neighbour change ARP made, as {@code ip monitor neigh} prints one: {@code 192.0.2.1 dev
         * gw0 lladdr MAC REACHABLE}, {@code ... FAILED}, {@code Deleted ... STALE}.
         */
        private void neighbourEvent(int kind, DirectBuffer buffer, int offset) {
            NeighbourEvents.Event e = NeighbourEvents.event(kind, buffer, offset);
            if (ifaceNames == null) {
                ifaceNames = new HashMap<>();
                for (Link link : state.links().values()) {
                    ifaceNames.put(link.iface().index(), link.name());
                }
            }
            String dev = ifaceNames.getOrDefault(e.iface(), "if" + (e.iface() + 1));
            boolean deleted = kind == NeighbourEvents.DELETED;
            if (e.state() == NeighbourState.PERMANENT) {
                return; // only neigh add makes one, and its request's change (in order, never rolled back) is shown
            }
            ChangeEvents.Change change = new ChangeEvents.Change(ChangeEvents.Kind.NEIGH, deleted,
                NeighCommands.describe(e.address(), dev, e.mac(), e.state()));
            if (isNew(change)) {
                line(piece, change);
            }
        }

        /**
         * False if {@code change} (a neighbour's) is what was last printed for its neighbour (the
         * same change from another worker, or a request's change the workers report too).
         */
        private boolean isNew(ChangeEvents.Change change) {
            if (!(change.subject() instanceof ChangeEvents.Described d) || !d.row().containsKey("dst")) {
                return true;
            }
            String key = d.row().get("dst") + " dev " + d.row().get("dev");
            String value = (change.deleted() ? "Deleted " : "") + d.text();
            if (shownNeighbours.size() >= 65_536) {
                shownNeighbours.clear(); // bounded: at worst a change is printed once per worker again
            }
            return !value.equals(shownNeighbours.put(key, value));
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
            if (subject instanceof LinkCommands.LinkSnapshot l) {
                return l.text();
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
            } else if (subject instanceof LinkCommands.LinkSnapshot l) {
                row.putAll(l.row());
            } else if (subject instanceof Link l) {
                row.put("ifindex", l.iface().index() + 1);
                row.put("ifname", l.name());
                row.put("mtu", l.iface().mtu());
                row.put("address", MacAddress.format(l.iface().mac()));
            } else if (subject instanceof ChangeEvents.Described d) {
                row.putAll(d.row());
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
            for (WorkerEvents events : new WorkerEvents[] {conntrack, fdb, arp}) {
                if (events != null) {
                    try {
                        events.close();
                    } catch (RuntimeException e) {
                        System.err.println("routerd: monitor: disarming failed: " + e.getMessage());
                    }
                }
            }
        }
    }
}
