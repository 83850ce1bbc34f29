package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs commands (optionally inside a network namespace) with a timeout and captures their output. */
public final class Sh {
    private Sh() {}

    /** The outcome of a finished command; {@code exit == TIMED_OUT} when it had to be killed. */
    public record Result(List<String> cmd, int exit, String out, String err, Duration took) {
        public static final int TIMED_OUT = -124;

        public boolean ok() {
            return exit == 0;
        }

        public String describe() {
            return "$ " + String.join(" ", cmd) + "\n[exit " + (exit == TIMED_OUT ? "TIMED OUT" : exit)
                    + " after " + took.toMillis() + " ms]\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    public static Cmd cmd(String... argv) {
        return new Cmd(Arrays.asList(argv));
    }

    public static Cmd cmd(List<String> argv) {
        return new Cmd(argv);
    }

    /** {@code ip netns exec NS argv...} */
    public static Cmd ns(String ns, String... argv) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(Arrays.asList(argv));
        return new Cmd(all);
    }

    /** {@code ip netns exec NS sh -c SCRIPT} */
    public static Cmd nsSh(String ns, String script) {
        return ns(ns, "sh", "-c", script);
    }

    /** Runs with the default timeout and returns the result whatever the exit status. */
    public static Result run(String... argv) {
        return cmd(argv).run();
    }

    /** Runs with the default timeout and fails the test unless the exit status is 0. */
    public static Result ok(String... argv) {
        return cmd(argv).ok();
    }

    public static final class Cmd {
        private final List<String> argv;
        private Duration timeout = Duration.ofSeconds(30);
        private Path stdin;
        private Path stdout;
        private final Map<String, String> env = new LinkedHashMap<>();

        private Cmd(List<String> argv) {
            this.argv = List.copyOf(argv);
        }

        public Cmd timeout(Duration d) {
            this.timeout = d;
            return this;
        }

        public Cmd timeoutSeconds(long s) {
            return timeout(Duration.ofSeconds(s));
        }

        public Cmd stdin(Path p) {
            this.stdin = p;
            return this;
        }

        /** Sends stdout to this file instead of capturing it (for large outputs). */
        public Cmd stdout(Path p) {
            this.stdout = p;
            return this;
        }

        public Cmd env(String k, String v) {
            env.put(k, v);
            return this;
        }

        public List<String> argv() {
            return argv;
        }

        ProcessBuilder builder(Path out, Path err) {
            ProcessBuilder pb = new ProcessBuilder(argv);
            pb.environment().putAll(env);
            pb.redirectInput(stdin != null ? ProcessBuilder.Redirect.from(stdin.toFile())
                    : ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            pb.redirectOutput(out.toFile());
            pb.redirectError(err.toFile());
            return pb;
        }

        public Result run() {
            long t0 = System.nanoTime();
            Path out = null;
            Path err = null;
            try {
                out = stdout != null ? stdout : Files.createTempFile("trt-out", ".txt");
                err = Files.createTempFile("trt-err", ".txt");
                Process p = builder(out, err).start();
                int exit;
                if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    exit = p.exitValue();
                } else {
                    killTree(p.toHandle(), true);
                    p.waitFor(5, TimeUnit.SECONDS);
                    exit = Result.TIMED_OUT;
                }
                String o = stdout != null ? "(stdout in " + stdout + ")\n" : read(out);
                return new Result(argv, exit, o, read(err), Duration.ofNanos(System.nanoTime() - t0));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run " + argv, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running " + argv, e);
            } finally {
                deleteQuietly(stdout == null ? out : null);
                deleteQuietly(err);
            }
        }

        /** Runs and fails the test unless the exit status is 0. */
        public Result ok() {
            Result r = run();
            if (!r.ok()) {
                fail("command failed:\n" + r.describe());
            }
            return r;
        }

        /** Starts the command in the background; its output goes to files in {@code dir}. */
        public Bg start(Path dir, String label) {
            return Bg.start(this, dir, label);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            try {
                return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
            } catch (IOException e2) {
                return "(unreadable: " + e2 + ")";
            }
        }
    }

    static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** Sends SIGTERM (or SIGKILL when {@code force}) to the process and all its descendants. */
    static void killTree(ProcessHandle h, boolean force) {
        List<ProcessHandle> all = new ArrayList<>();
        h.descendants().forEach(all::add);
        all.add(h);
        for (ProcessHandle p : all) {
            if (force) {
                p.destroyForcibly();
            } else {
                p.destroy();
            }
        }
    }

    /** Polls {@code check} every 100 ms until it holds or {@code timeout} passes. */
    public static boolean waitUntil(Duration timeout, java.util.function.BooleanSupplier check) {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (check.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() > end) {
                return false;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
