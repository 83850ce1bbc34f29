package net.taprouter.control.client;

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
import net.taprouter.control.protocol.CounterSnapshot;
import net.taprouter.control.protocol.Wire;

/**
 * routerctl: sends one command (or a batch file) to routerd and prints the answer.
 * Exit 0 on success; 1 with {@code routerctl: message} on stderr when routerd refuses;
 * 2 for usage errors or when routerd cannot be reached. Uses only the JDK.
 */
public final class RouterCtl {
    public static final String DEFAULT_SOCKET = "/run/taprouter/routerd.sock";

    private RouterCtl() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String socket = System.getenv().getOrDefault("ROUTERD_SOCKET", DEFAULT_SOCKET);
        boolean json = false;
        String batch = null;
        int i = 0;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--socket")) {
                if (++i == args.length) {
                    return usage(err, "--socket needs a path");
                }
                socket = args[i];
            } else if (a.startsWith("--socket=")) {
                socket = a.substring("--socket=".length());
            } else if (a.equals("-j") || a.equals("--json")) {
                json = true;
            } else if (a.equals("-b") || a.equals("--batch")) {
                if (++i == args.length) {
                    return usage(err, "-b needs a file");
                }
                batch = args[i];
            } else if (a.equals("-h") || a.equals("--help")) {
                args = new String[] {"help"};
                i = 0;
                break;
            } else {
                break;
            }
        }
        List<String> words = new ArrayList<>();
        for (; i < args.length; i++) {
            if (args[i].isEmpty() || args[i].chars().anyMatch(Character::isWhitespace)) {
                return usage(err, "bad argument \"" + args[i] + "\"");
            }
            words.add(args[i]);
        }
        if (batch == null && words.size() >= 1 && words.get(0).equals("completion")) {
            if (words.size() != 2 || !words.get(1).equals("bash")) {
                return usage(err, "completion: only \"completion bash\" is supported");
            }
            out.print(Completion.BASH);
            out.flush();
            return 0;
        }
        if (batch == null && words.size() == 1 && words.get(0).equals("stats")) {
            // straight from routerd's shared-memory counters: works even while routerd is busy
            try (SocketChannel alive = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                alive.connect(UnixDomainSocketAddress.of(socket)); // not a stale file of a dead routerd
                String text = CounterSnapshot.read(CounterSnapshot.defaultFile(socket)).render(json);
                out.print(text);
                out.flush();
                return 0;
            } catch (IOException | RuntimeException e) {
                // no counter file next to the socket (routerd --counters elsewhere): ask routerd
            }
        }
        String saveFile = null;
        String body;
        String source;
        if (batch != null) {
            if (!words.isEmpty()) {
                return usage(err, "-b FILE takes no command");
            }
            try {
                body = batch.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(batch));
            } catch (IOException e) {
                err.println("routerctl: cannot read " + batch + ": " + reason(e));
                return 1;
            }
            source = batch;
        } else {
            if (words.isEmpty()) {
                return usage(err, "no command");
            }
            if (words.size() == 2 && words.get(0).equals("save")) {
                saveFile = words.remove(1);
            }
            body = String.join(" ", words) + "\n";
            source = "-";
        }
        String reply;
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            DataOutputStream request = new DataOutputStream(Channels.newOutputStream(channel));
            try {
                Wire.writeFrame(request, Wire.requestHeader(json, source) + body);
            } catch (IOException e) {
                // routerd may have answered (a refusal) and closed before reading: read that answer
            }
            reply = Wire.readFrame(new DataInputStream(Channels.newInputStream(channel)));
        } catch (IOException e) {
            String why = reason(e);
            String hint = why.contains("Permission denied") || why.contains("Access denied")
                ? " (routerd serves only root and members of its --group)"
                : e instanceof java.net.SocketException || e instanceof NoSuchFileException ? " (is routerd running?)" : "";
            err.println("routerctl: cannot talk to routerd at " + socket + ": " + why + hint);
            return 2;
        }
        int newline = reply.indexOf('\n');
        String status = newline < 0 ? reply : reply.substring(0, newline);
        String text = newline < 0 ? "" : reply.substring(newline + 1);
        if (status.equals(Wire.OK)) {
            if (saveFile != null) {
                try {
                    Files.writeString(Path.of(saveFile), text);
                } catch (IOException e) {
                    err.println("routerctl: save: cannot write " + saveFile + ": " + reason(e));
                    return 1;
                }
            } else if (!text.isEmpty()) {
                out.print(text.endsWith("\n") ? text : text + "\n");
                out.flush();
            }
            return 0;
        }
        err.println("routerctl: " + text.strip());
        return 1;
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
        err.println("routerctl: " + problem + " (usage: routerctl [--socket PATH] [-j] OBJECT COMMAND [ARGS...]"
            + " | -b FILE; routerctl help)");
        return 2;
    }
}
