package net.taprouter.control.command;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.taprouter.control.model.ConntrackSettings;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.agent.EventSource;
import net.taprouter.dataplane.agent.WorkerControl;
import net.taprouter.dataplane.conntrack.ConntrackEntry;
import net.taprouter.dataplane.conntrack.ConntrackEvents;
import net.taprouter.dataplane.conntrack.ConntrackFilter;
import net.taprouter.dataplane.conntrack.ConntrackStats;
import net.taprouter.dataplane.conntrack.ConntrackTimeouts;
import net.taprouter.dataplane.conntrack.FlowTable;
import net.taprouter.dataplane.conntrack.TcpStates;
import org.agrona.DirectBuffer;

/**
 * {@code conntrack}: the connection-tracking table, read and changed as conntrack(8) does, plus
 * its settings.
 *
 * <ul>
 *   <li>{@code -L} (also {@code show}, {@code --dump}) lists the flows in conntrack-tools' format
 *       ({@link ConntrackFormat}); {@code -D} deletes the flows that match and lists them;
 *       filters: {@code -p PROTO}, {@code -s|--src|--orig-src A}, {@code -d|--dst|--orig-dst A},
 *       {@code -r|--reply-src A}, {@code -q|--reply-dst A}, {@code --sport|--orig-port-src N},
 *       {@code --dport|--orig-port-dst N}, {@code --reply-port-src N}, {@code --reply-port-dst N},
 *       {@code --state TCPSTATE}, {@code -u|--status ASSURED|SEEN_REPLY|UNREPLIED|SRC_NAT|DST_NAT};
 *       {@code -o extended,id}. The listing is made a page at a time, each page a command to the
 *       workers (which look at a bounded number of flows per page and go back to forwarding), as
 *       the client reads it: a table of a million flows is never held whole in routerd. routerctl
 *       prints conntrack's trailer ({@code N flow entries have been shown.}) on stderr.
 *       A {@code -D} deletes as its listing is made: when the request has committed (or, if
 *       another line follows it in the same request, at once; it is not undone if a later line
 *       fails).</li>
 *   <li>{@code -E} streams the flow events ({@code [NEW]}, {@code [UPDATE]}, {@code [DESTROY]}) in
 *       conntrack-tools' event format until the client goes away; {@code -e} chooses the events,
 *       the -L filters apply (see {@link #events}).</li>
 *   <li>{@code -F} empties the table (when the request commits); {@code -C} prints the number of
 *       flows; {@code -S} one line of statistics per worker (conntrack prints one per CPU).</li>
 *   <li>{@code max [N]}: the table's size per worker (default 262144); {@code timeout PROTO [STATE]
 *       SECONDS} and {@code timeout show}: the timeouts ({@link ConntrackTimeouts}). Both undoable
 *       and saved by {@code save}.</li>
 * </ul>
 */
public final class ConntrackCommands implements CommandGroup {
    private final RouterState state;

    public ConntrackCommands(RouterState state) {
        this.state = state;
    }

    @Override
    public String object() {
        return "conntrack";
    }

    @Override
    public String help() {
        return String.join("\n",
            "conntrack -L [FILTERS] [-o extended,id]   # list flows (conntrack-tools format); also: conntrack show",
            "conntrack -D [FILTERS]                    # delete the flows that match (and list them)",
            "conntrack -F | -C | -S                    # flush; count; statistics per worker",
            "conntrack -E [-e NEW,UPDATE,DESTROY] [FILTERS] [-o extended,id]   # events as they happen, until Ctrl-C",
            "    FILTERS: -p tcp|udp|icmp|N  -s|-d|-r|-q A.B.C.D  --sport|--dport|--reply-port-src|--reply-port-dst N",
            "             --state TCPSTATE  -u ASSURED|SEEN_REPLY|UNREPLIED|SRC_NAT|DST_NAT",
            "conntrack max [N]                         # table size (flows per worker; default 262144)",
            "conntrack hostlimit [N|auto]              # flows one source address may open (auto: a quarter of max)",
            "conntrack timeout tcp STATE|udp unreplied|udp replied|icmp|generic SECONDS",
            "conntrack timeout show");
    }

    private WorkerControl workers() {
        return state.dataplane().workers();
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        switch (verb) {
            case "-L", "--dump", "show", "list" -> {
                args.accept("conntrack");
                list(args, out, false);
            }
            case "-D", "--delete" -> {
                args.accept("conntrack");
                list(args, out, true);
            }
            case "-F", "--flush" -> {
                args.accept("conntrack");
                args.end();
                state.transaction().onCommit(() -> workers().conntrackFlush());
            }
            case "-C", "--count" -> {
                args.accept("conntrack");
                args.end();
                int count = 0;
                for (ConntrackStats s : workers().conntrackStatistics()) {
                    count += s.count();
                }
                out.row(Integer.toString(count)).put("count", count);
            }
            case "-S", "--stats" -> {
                args.end();
                statistics(out);
            }
            case "-E", "--event" -> {
                args.accept("conntrack");
                events(args, out);
            }
            case "max" -> max(args, out);
            case "hostlimit" -> AddressLimitVerb.execute(ConntrackSettings.Limit.HOST, state.conntrack(), args, out);
            case "timeout" -> timeout(args, out);
            default -> throw args.error("unknown command \"" + verb + "\" (try: routerctl conntrack help)");
        }
    }

    private void list(Args args, Output out, boolean delete) {
        Filter f = new Filter();
        boolean extended = false;
        boolean withId = false;
        while (args.hasNext()) {
            String word = args.next("filter");
            if (f.option(word, args)) {
                continue;
            }
            switch (word) {
                case "-o", "--output" -> {
                    for (String o : args.next("output format").split(",")) {
                        switch (o) {
                            case "extended" -> extended = true;
                            case "id" -> withId = true;
                            default -> throw args.error("output format \"" + o + "\" not supported (extended, id)");
                        }
                    }
                }
                default -> throw args.error("unknown option \"" + word + "\"");
            }
        }
        ConntrackFilter filter = f.build();
        boolean ext = extended;
        boolean id = withId;
        out.stream(new Listing() {
            private long cursor;

            @Override
            public boolean next(Output rows, int maxRows) {
                if (cursor < 0) {
                    return false;
                }
                WorkerControl.ConntrackPage page = workers().conntrackPage(filter, cursor, maxRows, delete);
                for (ConntrackEntry e : page.entries()) {
                    Map<String, Object> row = rows.row(ConntrackFormat.line(e, ext, id));
                    if (rows.json()) {
                        ConntrackFormat.json(e, row);
                    }
                }
                cursor = page.next();
                return cursor >= 0;
            }
        });
    }

    private void statistics(Output out) {
        List<ConntrackStats> all = workers().conntrackStatistics();
        for (int cpu = 0; cpu < all.size(); cpu++) {
            ConntrackStats s = all.get(cpu);
            StringBuilder b = new StringBuilder("cpu=").append(cpu);
            for (int i = Integer.toString(cpu).length(); i < 4; i++) {
                b.append(' ');
            }
            b.append('\t');
            Map<String, Object> row = out.row(b.append("searched=").append(s.searched()).append(" found=").append(s.found())
                .append(" new=").append(s.created()).append(" invalid=").append(s.invalid()).append(" ignore=").append(s.ignore())
                .append(" delete=").append(s.delete()).append(" delete_list=0 insert=").append(s.insert())
                .append(" insert_failed=").append(s.insertFailed()).append(" drop=").append(s.drop())
                .append(" early_drop=").append(s.earlyDrop()).append(" error=").append(s.error())
                .append(" search_restart=0").toString());
            row.put("cpu", cpu);
            row.put("searched", s.searched());
            row.put("found", s.found());
            row.put("new", s.created());
            row.put("invalid", s.invalid());
            row.put("ignore", s.ignore());
            row.put("delete", s.delete());
            row.put("insert", s.insert());
            row.put("insert_failed", s.insertFailed());
            row.put("drop", s.drop());
            row.put("early_drop", s.earlyDrop());
            row.put("error", s.error());
            row.put("count", s.count());
            row.put("max", s.max());
        }
    }

    private void max(Args args, Output out) {
        ConntrackSettings settings = state.conntrack();
        if (!args.hasNext()) {
            out.row("conntrack max " + settings.max()).put("max", settings.max());
            return;
        }
        int value = args.integer("max", 1, FlowTable.MAX_FLOWS);
        args.end();
        settings.max(value, args.command());
    }

    private void timeout(Args args, Output out) {
        ConntrackSettings settings = state.conntrack();
        if (!args.hasNext() || args.peek().equals("show") || args.peek().equals("list")) {
            args.accept("show");
            args.accept("list");
            args.end();
            ConntrackTimeouts timeouts = settings.timeouts();
            out.listing();
            for (String name : ConntrackTimeouts.names()) {
                Map<String, Object> row = out.row("conntrack timeout " + name + " " + timeouts.get(name));
                row.put("timeout", name);
                row.put("seconds", timeouts.get(name));
            }
            return;
        }
        String protocol = args.next("protocol").toLowerCase(Locale.ROOT);
        String name = switch (protocol) {
            case "tcp", "udp" -> protocol + " " + args.next(protocol + " state").toLowerCase(Locale.ROOT);
            case "icmp", "generic" -> protocol;
            default -> throw args.error("bad protocol \"" + protocol + "\" (tcp, udp, icmp or generic)");
        };
        if (!ConntrackTimeouts.names().contains(name)) {
            throw args.error("no timeout \"" + name + "\" (one of: " + String.join(", ", ConntrackTimeouts.names()) + ")");
        }
        int seconds = args.integer("seconds", 1, Integer.MAX_VALUE);
        args.end();
        settings.timeout(name, seconds);
    }

    /**
     * {@code conntrack -E [-e NEW,UPDATE,DESTROY|ALL] [FILTERS] [-o extended,id]}: the flow events of
     * every worker as they happen, in conntrack-tools' event format ({@link ConntrackFormat#event};
     * {@code -j}: one JSON object per line), until the client goes away. A live answer: the
     * workers' event rings are armed when it is first pulled (after the request committed) and
     * disarmed when the client leaves ({@link WorkerEvents}); the kinds of {@code -e} are chosen on
     * the workers, the filters here. A reader too slow for the events loses some (never the
     * packets): it is told on stderr with conntrack's {@code WARNING: We have hit ENOBUFS!} line.
     */
    private void events(Args args, Output out) {
        Filter f = new Filter();
        int kinds = ConntrackEvents.ALL;
        boolean extended = false;
        boolean withId = false;
        while (args.hasNext()) {
            String word = args.next("filter");
            if (f.option(word, args)) {
                continue;
            }
            switch (word) {
                case "-e", "--event-mask" -> {
                    kinds = 0;
                    for (String e : args.next("event mask").split(",")) {
                        kinds |= switch (e.toUpperCase(Locale.ROOT)) {
                            case "NEW" -> 1 << ConntrackEvents.NEW;
                            case "UPDATE" -> 1 << ConntrackEvents.UPDATE;
                            case "DESTROY" -> 1 << ConntrackEvents.DESTROY;
                            case "ALL" -> ConntrackEvents.ALL;
                            default -> throw args.error("bad event \"" + e + "\" (NEW, UPDATE, DESTROY or ALL)");
                        };
                    }
                }
                case "-o", "--output" -> {
                    for (String o : args.next("output format").split(",")) {
                        switch (o) {
                            case "extended" -> extended = true;
                            case "id" -> withId = true;
                            default -> throw args.error("output format \"" + o + "\" not supported (extended, id)");
                        }
                    }
                }
                default -> throw args.error("unknown option \"" + word + "\"");
            }
        }
        out.live(new EventStream(new WorkerEvents(workers(), EventSource.CONNTRACK, kinds), f.build(), out.json(), extended,
            withId, true));
    }

    /**
     * The live answer of {@code conntrack -E} (pieces {@code O} + lines for stdout, {@code E} + text
     * for stderr, as {@code capture}'s; {@code prefixed} false: plain lines, for {@code monitor}).
     */
    static final class EventStream implements LiveStream {
        static final String ENOBUFS = "WARNING: We have hit ENOBUFS! We are losing events.";
        private final WorkerEvents events;
        private final ConntrackFilter filter;
        private final boolean json;
        private final boolean extended;
        private final boolean withId;
        private final boolean prefixed;
        private final StringBuilder text = new StringBuilder();
        private String warning;
        private boolean done;

        EventStream(WorkerEvents events, ConntrackFilter filter, boolean json, boolean extended, boolean withId, boolean prefixed) {
            this.events = events;
            this.filter = filter;
            this.json = json;
            this.extended = extended;
            this.withId = withId;
            this.prefixed = prefixed;
        }

        @Override
        public String next() {
            if (done) {
                return null;
            }
            if (!events.armed()) {
                try {
                    events.arm();
                } catch (RuntimeException e) {
                    done = true;
                    return (prefixed ? "E" : "") + "conntrack -E: " + e.getMessage() + "\n";
                }
                return "";
            }
            events.drain(this::event, Answer.ROWS_PER_PIECE);
            long lost = events.takeLost();
            if (lost > 0) {
                warning = json ? "{\"lost\":" + lost + "}\n"
                    : ENOBUFS + " (" + lost + " event" + (lost == 1 ? "" : "s") + ": the reader is too slow; every packet was forwarded)\n";
            }
            if (text.length() > 0) {
                String piece = (prefixed ? "O" : "") + text;
                text.setLength(0);
                return piece;
            }
            if (warning != null) {
                String piece = (prefixed && !json ? "E" : prefixed ? "O" : "") + warning;
                warning = null;
                return piece;
            }
            return "";
        }

        private void event(int kind, DirectBuffer buffer, int offset) {
            ConntrackEntry e = ConntrackEvents.entry(buffer, offset);
            if (!filter.matches(e)) {
                return;
            }
            line(text, kind, e, json, extended, withId);
        }

        /** One event as a line of text or JSON. */
        static void line(StringBuilder out, int kind, ConntrackEntry e, boolean json, boolean extended, boolean withId) {
            if (json) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("event", ConntrackEvents.name(kind));
                ConntrackFormat.json(e, row);
                if (kind == ConntrackEvents.DESTROY) {
                    row.remove("timeout");
                }
                Json.write(out, row);
            } else {
                out.append(ConntrackFormat.event(kind, e, extended, withId));
            }
            out.append('\n');
        }

        @Override
        public void close() {
            done = true;
            try {
                events.close();
            } catch (RuntimeException e) {
                System.err.println("routerd: conntrack -E: disarming failed: " + e.getMessage());
            }
        }
    }

    /** The filter words of -L/-D/-E as they are read. */
    private static final class Filter {
        int set;
        int protocol;
        final int[] addresses = new int[4];
        final int[] ports = new int[4];
        int tcpState;
        int status;

        /** Reads filter option {@code word} (and its value); false if it is no filter option. */
        boolean option(String word, Args args) {
            switch (word) {
                case "-p", "--proto", "--protonum" -> protocol(args);
                case "-s", "--src", "--orig-src" -> address(ConntrackFilter.F_ORIG_SRC, args, "source");
                case "-d", "--dst", "--orig-dst" -> address(ConntrackFilter.F_ORIG_DST, args, "destination");
                case "-r", "--reply-src" -> address(ConntrackFilter.F_REPLY_SRC, args, "reply source");
                case "-q", "--reply-dst" -> address(ConntrackFilter.F_REPLY_DST, args, "reply destination");
                case "--sport", "--orig-port-src" -> port(ConntrackFilter.F_ORIG_SPORT, args);
                case "--dport", "--orig-port-dst" -> port(ConntrackFilter.F_ORIG_DPORT, args);
                case "--reply-port-src" -> port(ConntrackFilter.F_REPLY_SPORT, args);
                case "--reply-port-dst" -> port(ConntrackFilter.F_REPLY_DPORT, args);
                case "--state" -> state(args);
                case "-u", "--status" -> status(args);
                default -> {
                    return false;
                }
            }
            return true;
        }

        void protocol(Args args) {
            String word = args.next("protocol").toLowerCase(Locale.ROOT);
            protocol = switch (word) {
                case "tcp" -> 6;
                case "udp" -> 17;
                case "icmp" -> 1;
                default -> {
                    try {
                        int n = Integer.parseInt(word);
                        if (n < 0 || n > 255) {
                            throw new NumberFormatException();
                        }
                        yield n;
                    } catch (NumberFormatException e) {
                        throw args.error("bad protocol \"" + word + "\"");
                    }
                }
            };
            set |= ConntrackFilter.F_PROTOCOL;
        }

        void address(int flag, Args args, String what) {
            int address = args.address(what + " address");
            set |= flag;
            addresses[Integer.numberOfTrailingZeros(flag) - 1] = address;
        }

        void port(int flag, Args args) {
            int port = args.integer("port", 0, 65535);
            set |= flag;
            ports[Integer.numberOfTrailingZeros(flag) - 5] = port;
        }

        void state(Args args) {
            String word = args.next("TCP state").toUpperCase(Locale.ROOT);
            for (int s = TcpStates.SYN_SENT; s < TcpStates.COUNT; s++) {
                if (TcpStates.name(s).equals(word)) {
                    tcpState = s;
                    set |= ConntrackFilter.F_STATE;
                    return;
                }
            }
            throw args.error("bad TCP state \"" + word + "\"");
        }

        void status(Args args) {
            String word = args.next("status").toUpperCase(Locale.ROOT);
            status = switch (word) {
                case "ASSURED" -> FlowTable.ASSURED;
                case "SEEN_REPLY" -> FlowTable.SEEN_REPLY;
                case "UNREPLIED" -> ConntrackFilter.UNREPLIED;
                case "SRC_NAT" -> FlowTable.SRC_NAT;
                case "DST_NAT" -> FlowTable.DST_NAT;
                default -> throw args.error("bad status \"" + word + "\" (ASSURED, SEEN_REPLY, UNREPLIED, SRC_NAT, DST_NAT)");
            };
            set |= ConntrackFilter.F_STATUS;
        }

        ConntrackFilter build() {
            return new ConntrackFilter(set, protocol, addresses[0], addresses[1], addresses[2], addresses[3], ports[0], ports[1],
                ports[2], ports[3], tcpState, status);
        }
    }
}
