package net.taprouter.control.command;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.taprouter.control.model.AddressService;
import net.taprouter.control.model.RouteService;
import net.taprouter.control.model.RouterState;
import net.taprouter.control.model.Transaction;
import net.taprouter.control.protocol.RequestLines;
import net.taprouter.dataplane.route.RouteTable;

/**
 * Runs command lines (one from routerctl, a config file, a {@code -b} batch) as one transaction:
 * every line applies, or, at the first error, everything already applied is rolled back and the
 * error names the line ({@code FILE:LINE: message} for files). Control thread only.
 */
public final class CommandProcessor {
    private final RouterState state;
    private final Map<String, CommandGroup> groups = new LinkedHashMap<>();
    /** Set when a rollback failed: why every request is refused from then on. */
    private String inconsistent;
    /** route add/del lines in their canonical form, run from their bytes. */
    private final RouteLineFastPath fastRoutes;

    public CommandProcessor(RouterState state) {
        this.state = state;
        RouteService routes = new RouteService(state);
        this.fastRoutes = new RouteLineFastPath(routes);
        AddressService addresses = new AddressService(state, routes);
        NeighCommands neighbours = new NeighCommands(state);
        register(new LinkCommands(state, routes, addresses));
        register(new AddrCommands(state, addresses));
        register(new RouteCommands(state, routes));
        register(neighbours);
        register(new FdbCommands(state));
        register(new BridgeCommands(state));
        register(new ForwardingCommands(state));
        register(new IcmpCommands(state));
        register(new NatCommands(state));
        register(new ConntrackCommands(state));
        register(new StatsCommand(state.dataplane().counterFile().reader()));
        register(new SaveCommand(state, neighbours, new FdbCommands(state)));
        register(new CaptureCommand(state));
        register(new MonitorCommand(state));
        register(new TraceCommand(state));
    }

    /** Lines run by {@link RouteLineFastPath} so far (tests). */
    long fastRouteLines() {
        return fastRoutes.taken();
    }

    /** Adds a command group (package-private: tests add misbehaving ones). */
    void register(CommandGroup group) {
        groups.put(group.object(), group);
    }

    /** The failure of a request: its message (already prefixed with FILE:LINE: for files). */
    public static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Runs {@code text}'s lines as one transaction. {@code source} is "-" for a single command
     * line (errors without a location) or the file name (errors as FILE:LINE: message).
     */
    public String run(String text, String source, boolean json) throws Failure {
        return answer(text, source, json).text();
    }

    /**
     * As {@link #run}, but the output comes as an {@link Answer}: a long listing made by the last
     * command is produced piece by piece as the client reads it.
     */
    public Answer answer(String text, String source, boolean json) throws Failure {
        return answer(Arrays.asList(text.split("\n", -1)), source, json);
    }

    /**
     * As {@link #answer(String, String, boolean)}, for a request already split into lines. Lines
     * of the form {@code route add A.B.C.D/LEN via A.B.C.D} or {@code route del A.B.C.D/LEN} run
     * by {@link RouteLineFastPath} (from the bytes of a {@link RequestLines}); while a run of them
     * goes on, the LPM table publishes their changes to the forwarding path only once per changed
     * /16 (before the next other command, and before the request ends).
     */
    public Answer answer(List<String> lines, String source, boolean json) throws Failure {
        if (inconsistent != null) {
            throw new Failure("refused: " + inconsistent + "; restart routerd");
        }
        Output out = new Output(json);
        Transaction tx = new Transaction();
        state.transaction(tx);
        RequestLines raw = lines instanceof RequestLines r ? r : null;
        RouteTable table = state.dataplane().routes();
        fastRoutes.forget();
        int lineNumber = 0;
        try {
            for (int i = 0, n = lines.size(); i < n; i++) {
                lineNumber++;
                if (raw != null ? fastRoutes.run(raw.bytes(), raw.start(i), raw.end(i), out) : fastRoutes.run(lines.get(i), out)) {
                    if (!table.holdingPublication()) {
                        table.holdPublication();
                    }
                    continue;
                }
                String trimmed = stripComment(lines.get(i)).strip();
                if (trimmed.isEmpty()) {
                    continue;
                }
                if (table.holdingPublication()) {
                    table.publishHeld();
                }
                fastRoutes.forget();
                out.settle(); // a listing streams only when it is the last output
                execute(words(trimmed), out);
            }
        } catch (CommandException | IllegalArgumentException | IllegalStateException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            throw rolledBack(tx, source.equals("-") ? message : source + ":" + lineNumber + ": " + message);
        } catch (Throwable e) {
            e.printStackTrace();
            String where = source.equals("-") ? "" : source + ":" + lineNumber + ": ";
            throw rolledBack(tx, where + "internal error: " + e);
        } finally {
            state.transaction(new Transaction());
            if (table.holdingPublication()) {
                table.publishHeld(); // before the commit frees what the changes took out
            }
        }
        tx.commit();
        return out.answer();
    }

    /**
     * Rolls {@code tx} back and returns the request's failure. If an undo step failed, the tables
     * may no longer agree with each other: the failure says so, and every later request is refused.
     */
    private Failure rolledBack(Transaction tx, String message) {
        List<Throwable> failures = tx.rollback();
        if (failures.isEmpty()) {
            return new Failure(message);
        }
        for (Throwable t : failures) {
            System.err.println("routerd: rollback failed: " + t);
            t.printStackTrace();
        }
        inconsistent = "rollback failed after \"" + message + "\" (" + failures.get(0) + "): the router's tables may disagree";
        return new Failure(message + "; " + inconsistent + "; restart routerd");
    }

    /** The words of a stripped line, split at runs of whitespace (as {@code split("\\s+")}, without a regex per line). */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>(8);
        int n = line.length();
        int i = 0;
        while (i < n) {
            while (i < n && isSpace(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !isSpace(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                words.add(line.substring(start, i));
            }
        }
        if (words.isEmpty()) {
            words.add("");
        }
        return words;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    private static String stripComment(String line) {
        int hash = line.indexOf('#');
        return hash < 0 ? line : line.substring(0, hash);
    }

    private void execute(List<String> words, Output out) {
        words = statisticsLast(words);
        String object = canonical(words.get(0));
        if (object.equals("help")) {
            help(words.size() > 1 ? canonical(words.get(1)) : null, out);
            return;
        }
        CommandGroup group = groups.get(object);
        if (group == null) {
            throw new CommandException("unknown object \"" + words.get(0) + "\" (try: routerctl help)");
        }
        String verb = words.size() > 1 ? words.get(1) : "";
        if (verb.equals("help")) {
            out.line(group.help());
            return;
        }
        boolean singleWord = object.equals("stats") || object.equals("save");
        Args args = new Args(new ArrayList<>(words.subList(singleWord ? 1 : Math.min(2, words.size()), words.size())));
        if (singleWord) {
            verb = args.hasNext() ? args.next("argument") : "";
            args.command(object);
        } else {
            if (verb.isEmpty()) {
                verb = "show";
            }
            args.command(object + " " + verb);
        }
        out.command(verb.startsWith("-") ? object + " " + verb : object); // capture, monitor, conntrack -E
        group.execute(verb, args, out);
    }

    /**
     * {@code -s} (statistics) is accepted anywhere on the line, as ip takes it: moved to the end
     * for {@code link} (whose show reads it there), ignored by the other objects; for
     * {@code conntrack} it is conntrack(8)'s {@code -s ADDRESS} (a source filter), left in place.
     */
    private static List<String> statisticsLast(List<String> words) {
        if (words.get(0).equals("conntrack")) {
            return words;
        }
        List<String> rest = new ArrayList<>(words.size());
        boolean stats = false;
        for (String w : words) {
            if (w.equals("-s") || w.equals("-stats") || w.equals("--stats")) {
                stats = true;
            } else {
                rest.add(w);
            }
        }
        if (!stats) {
            return words;
        }
        if (rest.isEmpty()) {
            throw new CommandException("-s needs an object (e.g. link show -s)");
        }
        if (canonical(rest.get(0)).equals("link")) {
            rest.add("-s");
        }
        return rest;
    }

    /** iproute2-style abbreviations: a, addr, address; r, ro, route; n, neigh, neighbour; l, link. */
    private static String canonical(String object) {
        switch (object) {
            case "a": case "ad": case "addr": case "address": return "addr";
            case "r": case "ro": case "rou": case "route": return "route";
            case "n": case "ne": case "neigh": case "neighbor": case "neighbour": return "neigh";
            case "l": case "li": case "link": return "link";
            default: return object;
        }
    }

    private void help(String object, Output out) {
        if (object != null && groups.containsKey(object)) {
            out.line(groups.get(object).help());
            return;
        }
        out.line("usage: routerctl [--socket PATH] [-j] OBJECT COMMAND [ARGS...]");
        out.line("       routerctl [--socket PATH] -b FILE        # FILE's commands as one transaction");
        out.line("objects: " + String.join(", ", groups.keySet()) + "; routerctl OBJECT help for details");
        for (CommandGroup group : groups.values()) {
            for (String line : group.help().split("\n")) {
                out.line("  " + line);
            }
        }
    }
}
