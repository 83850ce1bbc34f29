package net.taprouter.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A background process (tcpdump, nc -l, iperf3 -s, routerd ...) whose stdout and stderr go to files.
 * It is registered with {@link Cleanup} so that it dies with the test run at the latest.
 */
public final class Bg implements AutoCloseable {
    private final List<String> cmd;
    private final Process process;
    private final Path out;
    private final Path err;

    private Bg(List<String> cmd, Process process, Path out, Path err) {
        this.cmd = cmd;
        this.process = process;
        this.out = out;
        this.err = err;
    }

    static Bg start(Sh.Cmd c, Path dir, String label) {
        try {
            Files.createDirectories(dir);
            Path out = dir.resolve(label + ".out");
            Path err = dir.resolve(label + ".err");
            Process p = c.builder(out, err).start();
            Bg bg = new Bg(c.argv(), p, out, err);
            Cleanup.register(bg);
            return bg;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + c.argv(), e);
        }
    }

    public Path outFile() {
        return out;
    }

    public String out() {
        return Sh.read(out);
    }

    public String err() {
        return Sh.read(err);
    }

    public boolean alive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    /** Waits for the process to end by itself; returns its exit status or null on timeout. */
    public Integer waitExit(Duration timeout) {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                Cleanup.unregister(this);
                return process.exitValue();
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** SIGTERM to the process tree, then SIGKILL after {@code grace}; returns the exit status. */
    public int stop(Duration grace) {
        if (process.isAlive()) {
            Sh.killTree(process.toHandle(), false);
            Integer rc = waitExit(grace);
            if (rc != null) {
                return rc;
            }
            Sh.killTree(process.toHandle(), true);
        }
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Cleanup.unregister(this);
        return process.isAlive() ? Integer.MIN_VALUE : process.exitValue();
    }

    public String describe() {
        return "$ " + String.join(" ", cmd) + (process.isAlive() ? " [running]" : " [exit " + process.exitValue() + "]")
                + "\n--- stdout ---\n" + tail(out()) + "--- stderr ---\n" + tail(err());
    }

    private static String tail(String s) {
        return s.length() > 8000 ? "...\n" + s.substring(s.length() - 8000) : s;
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(3));
    }
}
