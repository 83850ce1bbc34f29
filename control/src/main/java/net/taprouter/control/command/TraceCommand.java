package net.taprouter.control.command;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.taprouter.control.model.Link;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.agent.Dataplane;
import net.taprouter.dataplane.agent.WorkerControl;
import net.taprouter.dataplane.trace.TraceBuffer;
import net.taprouter.dataplane.trace.TraceDecoder;
import net.taprouter.dataplane.match.FrameMatch;
import net.taprouter.dataplane.trace.TraceSnapshot;

/**
 * {@code trace add N [dev PORT] [match PREDICATE] | trace show | trace clear}: the path of the
 * next N frames through the forwarding graph, stage by stage, with what each stage decided (as
 * VPP's {@code trace add}). {@code add} makes one preallocated {@link TraceBuffer} per worker on
 * this thread and arms it through the typed worker proxy (a worker records into it without
 * allocating; what was traced before is forgotten; undone by a clear if the request fails);
 * {@code show} takes a copy of every worker's records (on the worker's thread) and decodes them
 * here ({@link TraceDecoder}); {@code clear} stops tracing and forgets the records. Not saved.
 */
public final class TraceCommand implements CommandGroup {
    /** Made at the first {@code trace show}, not when routerd starts (the time zone rules: start-up garbage and time). */
    private static final class Clock {
        static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSSSSS").withZone(ZoneId.systemDefault());
    }

    private final RouterState state;

    public TraceCommand(RouterState state) {
        this.state = state;
    }

    @Override
    public String object() {
        return "trace";
    }

    @Override
    public String help() {
        return String.join("\n",
            "trace add N [dev PORT] [match 'PREDICATE']   # trace the next N frames (per worker, N <= " + TraceBuffer.MAX_FRAMES + ")",
            "      PREDICATE as tcpdump's: src|dst|host|net A.B.C.D[/LEN], proto tcp|udp|icmp|N, [src|dst] port N; and, or, not, ( )",
            "trace show [-j]                               # per frame: its first bytes, then each stage and what it decided",
            "trace clear");
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        switch (verb) {
            case "add" -> add(args);
            case "show", "list" -> show(args, out);
            case "clear", "flush", "del" -> {
                args.end();
                state.dataplane().workers().clearTrace();
            }
            default -> throw args.error("unknown command \"" + verb + "\" (try: routerctl trace help)");
        }
    }

    /** What {@code trace add} asks: frames per worker, the port (-1: any) and the filter. */
    record Request(int frames, int port, FrameMatch match) {
    }

    /** Parses {@code N [dev PORT] [match WORDS...]} ({@code match} takes the rest of the line, quotes stripped). */
    Request parse(Args args) {
        int frames = args.integer("frame count", 1, TraceBuffer.MAX_FRAMES);
        int port = -1;
        FrameMatch match = FrameMatch.ANY;
        while (args.hasNext()) {
            String word = args.next("option");
            switch (word) {
                case "dev" -> {
                    String name = args.next("port name");
                    Link link = state.link(name);
                    if (link == null) {
                        throw args.error("no such port \"" + name + "\"");
                    }
                    if (link.port() == null) {
                        throw args.error(name + " is not a port (trace its member ports)");
                    }
                    port = link.port().index();
                }
                case "match" -> match = MatchArgs.parse(args);
                default -> throw args.error("unexpected \"" + word + "\" (dev PORT or match PREDICATE)");
            }
        }
        return new Request(frames, port, match);
    }

    private void add(Args args) {
        Request request = parse(args);
        WorkerControl workers = state.dataplane().workers();
        Instant now = Instant.now();
        long epochOffset = now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
        List<TraceBuffer> buffers = new ArrayList<>();
        for (int w = 0; w < workers.workerCount(); w++) {
            buffers.add(new TraceBuffer(request.frames(), request.port(), request.match(), epochOffset));
        }
        workers.armTrace(buffers);
        state.transaction().onRollback(workers::clearTrace);
    }

    private void show(Args args, Output out) {
        args.end();
        Dataplane dataplane = state.dataplane();
        List<TraceSnapshot> snapshots = dataplane.workers().traceSnapshots();
        TraceDecoder decoder = new TraceDecoder(TraceDecoder.names(dataplane.ports(), dataplane.interfaces(), dataplane.routes()));
        List<TraceDecoder.Frame> frames = new ArrayList<>();
        for (int w = 0; w < snapshots.size(); w++) {
            frames.addAll(decoder.decode(w, snapshots.get(w)));
        }
        frames.sort((a, b) -> Long.compare(a.epochNanos(), b.epochNanos()));
        out.listing();
        if (!out.json()) {
            out.line(status(snapshots, frames.size()));
        }
        int number = 0;
        for (TraceDecoder.Frame f : frames) {
            number++;
            Map<String, Object> row = out.row(text(number, f, snapshots.size() > 1));
            row.put("frame", number);
            row.put("worker", f.worker());
            row.put("time_ns", f.epochNanos());
            row.put("dev", f.port());
            row.put("length", f.length());
            row.put("summary", f.summary());
            List<Map<String, Object>> stages = new ArrayList<>();
            for (TraceDecoder.Step s : f.steps()) {
                Map<String, Object> stage = new LinkedHashMap<>();
                stage.put("stage", s.stage());
                stage.put("ns", s.nanos());
                stage.put("decision", s.decision());
                stages.add(stage);
            }
            row.put("stages", stages);
            row.put("truncated", f.truncated());
        }
    }

    /** The first line of {@code trace show}: what is armed and how far it got. */
    static String status(List<TraceSnapshot> snapshots, int frames) {
        TraceSnapshot first = snapshots.isEmpty() ? null : snapshots.get(0);
        if (first == null || first.records() == null) {
            return "no trace (trace add N [dev PORT] [match PREDICATE])";
        }
        boolean armed = false;
        for (TraceSnapshot s : snapshots) {
            armed |= s.armed();
        }
        TraceBuffer b = first.records();
        String filter = b.match.toString().isEmpty() ? "" : ", match " + b.match;
        return frames + " frame" + (frames == 1 ? "" : "s") + " traced of " + b.limit + (snapshots.size() > 1 ? " per worker" : "")
            + filter + (armed ? " (still tracing)" : "");
    }

    /** A frame as text: a header line, its summary, then one line per stage with its time since the frame came in. */
    static String text(int number, TraceDecoder.Frame f, boolean workers) {
        StringBuilder out = new StringBuilder();
        out.append("Frame ").append(number).append(workers ? " (worker " + f.worker() + ")" : "").append(": ")
            .append(Clock.TIME.format(Instant.ofEpochSecond(0, f.epochNanos()))).append(" in on ").append(f.port())
            .append(", ").append(f.length()).append(" bytes\n");
        out.append("  ").append(f.summary()).append('\n');
        for (TraceDecoder.Step s : f.steps()) {
            out.append(String.format("  %10d ns  %s", s.nanos(), s)).append('\n');
        }
        if (f.truncated()) {
            out.append("  (more stages than the trace keeps)\n");
        }
        out.setLength(out.length() - 1);
        return out.toString();
    }
}
