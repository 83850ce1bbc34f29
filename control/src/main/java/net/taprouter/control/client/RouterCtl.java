package net.taprouter.control.client;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import net.taprouter.control.protocol.CounterSnapshot;
import net.taprouter.control.protocol.Wire;

/**
 * routerctl: sends one command (or a batch file) to routerd and prints the answer as it arrives
 * (a long listing is streamed, never held whole). Exit 0 on success; 1 with
 * {@code routerctl: message} on stderr when routerd refuses; 2 for usage errors, when routerd
 * cannot be reached, or when it sends nothing for {@code --timeout} seconds.
 * {@code -j}/{@code --json}, {@code -s} and {@code --timeout S} are accepted anywhere on the line.
 * {@code routerctl wait [--timeout S]} returns once routerd answers. Uses only the JDK, no
 * lambdas or reflection: it must start fast.
 */
public final class RouterCtl {
    public static final String DEFAULT_SOCKET = "/run/taprouter/routerd.sock";
    /** How long routerctl waits for (the next piece of) an answer; a full BGP table as -b takes ~10 s. */
    static final double DEFAULT_TIMEOUT_SECONDS = 120;
    /** How long {@code routerctl wait} waits for routerd by default. */
    static final double DEFAULT_WAIT_SECONDS = 30;

    private RouterCtl() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String socket = System.getenv().getOrDefault("ROUTERD_SOCKET", DEFAULT_SOCKET);
        boolean json = false;
        boolean stats = false;
        String batch = null;
        double timeout = -1;
        long waitPid = -1;
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            boolean leading = words.isEmpty();
            if (a.equals("-j") || a.equals("--json") || a.equals("-json")) {
                json = true;
            } else if ((a.equals("-s") || a.equals("-stats") || a.equals("--stats"))
                && !(!words.isEmpty() && words.get(0).equals("conntrack"))) {
                stats = true; // for conntrack, -s is a source address filter and --stats is -S
            } else if (a.equals("--timeout") || a.startsWith("--timeout=")) {
                String value = a.startsWith("--timeout=") ? a.substring("--timeout=".length()) : ++i < args.length ? args[i] : null;
                timeout = seconds(value);
                if (timeout < 0) {
                    return usage(err, "--timeout takes seconds (0 = no limit), not \"" + value + "\"");
                }
            } else if (leading && a.equals("--socket")) {
                if (++i == args.length) {
                    return usage(err, "--socket needs a path");
                }
                socket = args[i];
            } else if (leading && a.startsWith("--socket=")) {
                socket = a.substring("--socket=".length());
            } else if (leading && (a.equals("-b") || a.equals("--batch"))) {
                if (++i == args.length) {
                    return usage(err, "-b needs a file");
                }
                batch = args[i];
            } else if (leading && (a.equals("-h") || a.equals("--help"))) {
                words.add("help");
            } else if (!leading && words.get(0).equals("wait") && a.equals("--pid") && i + 1 < args.length) {
                try {
                    waitPid = Long.parseLong(args[++i]);
                } catch (NumberFormatException e) {
                    return usage(err, "wait --pid takes a process id, not \"" + args[i] + "\"");
                }
            } else if (!a.isBlank() && hasWhitespace(a) && words.contains("match")) {
                words.addAll(List.of(a.trim().split("\\s+"))); // a quoted predicate: match 'src A/LEN and proto icmp'
            } else {
                if (a.isEmpty() || hasWhitespace(a)) {
                    return usage(err, "bad argument \"" + a + "\"");
                }
                words.add(a);
            }
        }
        if (stats && !words.isEmpty() && !words.get(0).equals("save")) {
            words.add("-s"); // routerd takes -s anywhere after OBJECT COMMAND (save's only word is its FILE)
        }
        if (batch == null && words.size() >= 1 && words.get(0).equals("completion")) {
            if (words.size() != 2 || !words.get(1).equals("bash")) {
                return usage(err, "completion: only \"completion bash\" is supported");
            }
            out.print(Completion.BASH);
            out.flush();
            return 0;
        }
        if (batch == null && words.size() >= 1 && words.get(0).equals("wait")) {
            if (words.size() != 1) {
                return usage(err, "wait takes only [--timeout SECONDS]");
            }
            return waitForRouterd(socket, timeout < 0 ? DEFAULT_WAIT_SECONDS : timeout, waitPid, err);
        }
        if (batch == null && words.size() >= 2 && words.get(0).equals("stats") && words.get(1).equals("--rates")) {
            return rates(socket, words, json, out, err);
        }
        boolean perWorker = words.size() == 2 && words.get(0).equals("stats") && words.get(1).equals("--per-worker");
        if (batch == null && (perWorker || words.size() == 1 && words.get(0).equals("stats"))) {
            // straight from routerd's shared-memory counters: works even while routerd is busy
            try (SocketChannel alive = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                alive.connect(UnixDomainSocketAddress.of(socket)); // not a stale file of a dead routerd
                String text = CounterSnapshot.read(CounterSnapshot.defaultFile(socket)).render(json, perWorker);
                out.print(text);
                out.flush();
                return 0;
            } catch (IOException | RuntimeException e) {
                // no counter file next to the socket (routerd --counters elsewhere): ask routerd
            }
        }
        CaptureOutput capture = null;
        if (batch == null && !words.isEmpty() && words.get(0).equals("capture")) {
            int w = words.indexOf("-w");
            String file = null;
            if (w >= 0) {
                if (w + 1 == words.size()) {
                    return usage(err, "capture -w needs a file (or - for stdout)");
                }
                file = words.remove(w + 1);
                words.remove(w);
                words.add("--format");
                words.add("pcap");
            }
            capture = new CaptureOutput(file);
            try {
                capture.open();
            } catch (IOException e) {
                err.println("routerctl: capture: cannot write " + file + ": " + reason(e));
                return 1;
            }
            if (timeout < 0) {
                timeout = 0; // a capture waits for frames as long as it takes
            }
            CaptureOutput frames = capture;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // interrupted (Ctrl-C, SIGTERM) before routerd's own summary: the last one it sent, as tcpdump's count
                String summary = frames.summary;
                if (!frames.ended && summary != null) {
                    err.print(summary);
                    err.flush();
                }
            }));
        }
        if (batch == null && words.size() >= 2 && words.get(0).equals("conntrack")
            && (words.get(1).equals("-E") || words.get(1).equals("--event"))) {
            // pieces as capture's: O (events) to stdout, E (conntrack's ENOBUFS warning) to stderr
            CaptureOutput events = new CaptureOutput(null);
            capture = events;
            if (timeout < 0) {
                timeout = 0; // events come as long as they come
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // conntrack's trailer when interrupted (Ctrl-C), if the events were streaming: after an
                // error (a bad filter, no routerd) the error is the only line
                events.eventsTrailer(err);
            }));
        }
        if (batch == null && !words.isEmpty() && words.get(0).equals("monitor") && timeout < 0) {
            timeout = 0; // a monitor waits for changes as long as it takes
        }
        String saveFile = null;
        String body;
        String source;
        if (batch != null) {
            if (!words.isEmpty()) {
                return usage(err, "-b FILE takes no command");
            }
            try {
                body = utf8(batch.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(batch)));
            } catch (IOException e) {
                err.println("routerctl: cannot read " + batch + ": " + reason(e));
                return 1;
            }
            source = batch;
        } else {
            if (words.isEmpty()) {
                return usage(err, "no command");
            }
            if (words.size() > 2 && words.get(0).equals("save")) {
                err.println("routerctl: save: unexpected \"" + words.get(2) + "\" (save [FILE]: one FILE at most)");
                return 1;
            }
            if (words.size() == 2 && words.get(0).equals("save")) {
                saveFile = words.remove(1);
            }
            body = String.join(" ", words) + "\n";
            source = "-";
        }
        Printed printed = new Printed();
        int status = exchange(socket, Wire.requestHeader(json, source) + body, timeout < 0 ? DEFAULT_TIMEOUT_SECONDS : timeout,
            saveFile, capture, out, err, printed);
        if (capture != null) {
            capture.ended = true;
            if (words.get(0).equals("conntrack")) {
                capture.eventsTrailer(err); // the stream ended (routerd stopped): conntrack's trailer now, not at exit
            }
        }
        return batch == null && status == 0 ? conntrackTrailer(words, json, printed, err) : status;
    }
    /** conntrack-tools' version as the trailers name it. */
    static final String CONNTRACK_VERSION = "conntrack v1.4.7 (taprouter)";

    /**
     * conntrack(8) prints a line on stderr after -L, -D and -F: the number of flows shown or
     * deleted (counted here from what was printed), or that the table was emptied; -D that deleted
     * nothing exits 1, as conntrack does.
     */
    private static int conntrackTrailer(List<String> words, boolean json, Printed printed, PrintStream err) {
        if (words.isEmpty() || !words.get(0).equals("conntrack")) {
            return 0;
        }
        String verb = words.size() > 1 ? words.get(1) : "show";
        long n = json ? printed.objects : printed.lines;
        switch (verb) {
            case "-L", "--dump", "show", "list" -> err.println(CONNTRACK_VERSION + ": " + n + " flow entries have been shown.");
            case "-D", "--delete" -> {
                err.println(CONNTRACK_VERSION + ": " + n + " flow entries have been deleted.");
                if (n == 0) {
                    err.flush();
                    return 1;
                }
            }
            case "-F", "--flush" -> err.println(CONNTRACK_VERSION + ": connection tracking table has been emptied.");
            default -> {
                return 0;
            }
        }
        err.flush();
        return 0;
    }

    /** What a reply printed: lines, and JSON objects at the top level of an array. */
    static final class Printed {
        long lines;
        long objects;
        private int depth;
        private boolean inString;
        private boolean escaped;

        void add(String piece) {
            for (int i = 0; i < piece.length(); i++) {
                char c = piece.charAt(i);
                if (c == '\n') {
                    lines++;
                }
                if (inString) {
                    if (escaped) {
                        escaped = false;
                    } else if (c == '\\') {
                        escaped = true;
                    } else if (c == '"') {
                        inString = false;
                    }
                } else if (c == '"') {
                    inString = true;
                } else if (c == '[' || c == '{') {
                    if (c == '{' && depth == 1) {
                        objects++;
                    }
                    depth++;
                } else if (c == ']' || c == '}') {
                    depth--;
                }
            }
        }
    }


    /**
     * Where {@code capture}'s pieces go: P (base64 pcap bytes) to the file or, for {@code -w -} or
     * no -w, stdout; O (text) to stdout; E (text) to stderr. The file is opened on the first pcap
     * bytes, with routerctl's permissions. Stops (false) when the output is gone (tcpdump exited).
     */
    private static final class CaptureOutput {
        private final String file;
        private java.io.OutputStream stream;
        /** Lines written to stdout from O pieces (conntrack -E counts its events with it). */
        volatile long lines;
        /** routerd's summary so far (S pieces): printed if routerctl is interrupted before the end. */
        volatile String summary;
        /** routerd's answer has ended, or its final summary (an E piece) is printed: nothing more to print when interrupted. */
        volatile boolean ended;
        /** routerd accepted the request (status ok): the stream runs. */
        volatile boolean started;
        private boolean trailerShown;

        CaptureOutput(String file) {
            this.file = file;
        }

        /** Creates the -w file now, so that a bad path fails before routerd captures anything. */
        void open() throws IOException {
            if (file != null && !file.equals("-")) {
                stream = Files.newOutputStream(Path.of(file));
            }
        }

        boolean piece(String piece, PrintStream out, PrintStream err) throws IOException {
            if (piece.isEmpty()) {
                return true;
            }
            char kind = piece.charAt(0);
            String rest = piece.substring(1);
            if (kind == 'P') {
                if (stream == null) {
                    stream = file == null || file.equals("-") ? out : Files.newOutputStream(Path.of(file));
                }
                stream.write(java.util.Base64.getDecoder().decode(rest));
                stream.flush();
                return !(stream == out && out.checkError());
            }
            if (kind == 'S') {
                summary = rest;
                return true;
            }
            if (kind == 'E') {
                ended = true;
                err.print(rest);
                err.flush();
                return true;
            }
            out.print(rest);
            out.flush();
            lines += rest.chars().filter(c -> c == '\n').count();
            return !out.checkError();
        }

        void close() throws IOException {
            if (stream != null && file != null && !file.equals("-")) {
                stream.close();
            }
        }

        /** conntrack -E's trailer on stderr, once, and only if the events were streaming (not after an error). */
        synchronized void eventsTrailer(PrintStream err) {
            if (!started || trailerShown) {
                return;
            }
            trailerShown = true;
            err.println(CONNTRACK_VERSION + ": " + lines + " flow event" + (lines == 1 ? " has" : "s have") + " been shown.");
            err.flush();
        }
    }

    /** Sends the request and prints the reply as its pieces arrive. */
    private static int exchange(String socket, String request, double timeout, String saveFile, CaptureOutput capture,
                                PrintStream out, PrintStream err, Printed printed) {
        Watchdog watchdog = null;
        StringBuilder kept = new StringBuilder(); // an error message, or the text for save FILE
        String status = null;
        char last = '\n';
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            watchdog = Watchdog.start(channel, timeout);
            DataOutputStream requestStream = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16));
            try {
                Wire.writeFrame(requestStream, request);
            } catch (IOException e) {
                if (watchdog.fired) {
                    throw e;
                }
                // routerd may have answered (a refusal) and closed before reading: read that answer
            }
            DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
            for (String piece; (piece = Wire.readPiece(in)) != null;) {
                watchdog.progress();
                if (status == null) {
                    int newline = piece.indexOf('\n');
                    status = newline < 0 ? piece : piece.substring(0, newline);
                    piece = newline < 0 ? "" : piece.substring(newline + 1);
                }
                if (status.equals(Wire.OK) && capture != null) {
                    capture.started = true;
                    if (!capture.piece(piece, out, err)) {
                        return 0; // the reader of our output went away (tcpdump -c): so do we
                    }
                } else if (status.equals(Wire.OK) && saveFile == null) {
                    if (!piece.isEmpty()) {
                        out.print(piece);
                        printed.add(piece);
                        last = piece.charAt(piece.length() - 1);
                    }
                } else {
                    kept.append(piece);
                }
            }
        } catch (IOException e) {
            out.flush();
            if (watchdog != null && watchdog.fired) {
                err.println("routerctl: no answer from routerd at " + socket + " within " + format(timeout)
                    + " s (routerctl --timeout SECONDS; 0 = no limit)");
                return 2;
            }
            String why = reason(e);
            String hint = why.contains("Permission denied") || why.contains("Access denied")
                ? " (routerd serves only root and members of its --group)"
                : e instanceof java.net.SocketException || e instanceof NoSuchFileException ? " (is routerd running?)" : "";
            err.println("routerctl: cannot talk to routerd at " + socket + ": " + why + hint);
            return 2;
        } finally {
            if (watchdog != null) {
                watchdog.interrupt();
            }
        }
        if (Wire.OK.equals(status)) {
            if (capture != null) {
                try {
                    capture.close();
                } catch (IOException e) {
                    err.println("routerctl: capture: " + reason(e));
                    return 1;
                }
                return 0;
            }
            if (saveFile != null) {
                try {
                    Files.writeString(Path.of(saveFile), kept);
                } catch (IOException e) {
                    err.println("routerctl: save: cannot write " + saveFile + ": " + reason(e));
                    return 1;
                }
            } else if (last != '\n') {
                out.print('\n');
            }
            out.flush();
            return 0;
        }
        err.println("routerctl: " + kept.toString().strip());
        return 1;
    }

    /**
     * {@code stats --rates [--interval S] [--count N]}: reads the counter file, waits S seconds
     * (default 1), reads it again and prints each counter that changed as its change per second;
     * N samples (default 1; 0 = until interrupted), each after a blank line.
     */
    private static int rates(String socket, List<String> words, boolean json, PrintStream out, PrintStream err) {
        double interval = 1;
        long count = 1;
        for (int i = 2; i < words.size(); i++) {
            String w = words.get(i);
            String value = i + 1 < words.size() ? words.get(i + 1) : null;
            if (w.equals("--interval") || w.equals("-i")) {
                interval = seconds(value);
                if (interval <= 0) {
                    return usage(err, "stats --rates --interval takes seconds > 0, not \"" + value + "\"");
                }
            } else if (w.equals("--count") || w.equals("-c")) {
                try {
                    count = Long.parseLong(value == null ? "" : value);
                } catch (NumberFormatException e) {
                    count = -1;
                }
                if (count < 0) {
                    return usage(err, "stats --rates --count takes a number of samples, not \"" + value + "\"");
                }
            } else {
                return usage(err, "stats --rates takes [--interval SECONDS] [--count N], not \"" + w + "\"");
            }
            i++;
        }
        Path file = CounterSnapshot.defaultFile(socket);
        try {
            CounterSnapshot before = CounterSnapshot.read(file);
            long t0 = System.nanoTime();
            for (long n = 0; count == 0 || n < count; n++) {
                LockSupport.parkNanos((long) (interval * 1e9));
                CounterSnapshot now = CounterSnapshot.read(file);
                long t1 = System.nanoTime();
                if (n > 0 && !json) {
                    out.println();
                }
                out.print(now.ratesSince(before, (t1 - t0) / 1e9).render(json));
                out.flush();
                before = now;
                t0 = t1;
            }
            return 0;
        } catch (IOException e) {
            err.println("routerctl: stats --rates: cannot read routerd's counters " + file + ": " + reason(e));
            return 1;
        }
    }

    /** {@code routerctl wait}: polls until routerd answers an empty request. */
    private static int waitForRouterd(String socket, double timeout, long pid, PrintStream err) {
        long end = System.nanoTime() + (long) (timeout * 1e9);
        String why = "no answer";
        String request = Wire.requestHeader(false, "-");
        while (true) {
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                channel.connect(UnixDomainSocketAddress.of(socket));
                Watchdog watchdog = Watchdog.start(channel, Math.max(1, timeout));
                try {
                    Wire.writeFrame(new DataOutputStream(Channels.newOutputStream(channel)), request);
                    String reply = Wire.readReply(new DataInputStream(Channels.newInputStream(channel)));
                    if (reply.startsWith(Wire.OK + "\n")) {
                        return 0;
                    }
                    String message = reply.substring(reply.indexOf('\n') + 1).strip();
                    if (!isTransient(message)) {
                        err.println("routerctl: " + message);
                        return 1;
                    }
                    why = message; // routerd serves, but is full right now: try again
                } finally {
                    watchdog.interrupt();
                }
            } catch (IOException e) {
                why = reason(e);
            }
            if (pid > 0 && !(ProcessHandle.of(pid).isPresent() && ProcessHandle.of(pid).get().isAlive())) {
                err.println("routerctl: routerd (pid " + pid + ") exited before it served " + socket);
                return 1;
            }
            if (timeout > 0 && System.nanoTime() - end > 0) {
                err.println("routerctl: routerd at " + socket + " did not answer within " + format(timeout) + " s (" + why + ")");
                return 2;
            }
            LockSupport.parkNanos(50_000_000L);
        }
    }

    /** A refusal that passes: all connection slots taken, or the request budget in use. */
    static boolean isTransient(String message) {
        return message.startsWith("too many control connections") || message.startsWith("routerd busy");
    }

    /** Closes the channel when no progress was made for the timeout (0 = never). */
    private static final class Watchdog extends Thread {
        private final SocketChannel channel;
        private final long timeoutNanos;
        private volatile long deadline;
        volatile boolean fired;

        private Watchdog(SocketChannel channel, double seconds) {
            super("routerctl-timeout");
            setDaemon(true);
            this.channel = channel;
            this.timeoutNanos = (long) (seconds * 1e9);
            progress();
        }

        static Watchdog start(SocketChannel channel, double seconds) {
            Watchdog w = new Watchdog(channel, seconds);
            if (seconds > 0) {
                w.start();
            }
            return w;
        }

        void progress() {
            deadline = System.nanoTime() + timeoutNanos;
        }

        @Override
        public void run() {
            while (!isInterrupted()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    fired = true;
                    try {
                        channel.close(); // the blocked read or write fails at once
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                    return;
                }
                LockSupport.parkNanos(left);
            }
        }
    }

    private static double seconds(String text) {
        if (text == null) {
            return -1;
        }
        try {
            double s = Double.parseDouble(text);
            return s >= 0 && s <= 1e6 ? s : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String format(double seconds) {
        return seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds);
    }

    private static boolean hasWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** A batch's bytes as text: UTF-8, or an error naming the first byte that is not. */
    private static String utf8(byte[] bytes) throws IOException {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(in).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException("not UTF-8 text (bad byte at offset " + in.position() + ")");
        }
    }

    private static String reason(IOException e) {
        String m = e.getMessage();
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** A usage error: one line, exit 2. */
    private static int usage(PrintStream err, String problem) {
        err.println("routerctl: " + problem + " (usage: routerctl [--socket PATH] [-j] [--timeout S] OBJECT COMMAND [ARGS...]"
            + " | -b FILE | wait [--timeout S]; routerctl help)");
        return 2;
    }
}
