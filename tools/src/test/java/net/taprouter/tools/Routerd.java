package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One routerd ({@code bin/routerd}) started with a temporary config, socket and pid file, plus a
 * {@code bin/routerctl} wrapper bound to its socket.
 */
public final class Routerd implements AutoCloseable {
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    private final String name;
    private final Path dir;
    private final Path config;
    private final Path socket;
    private final Path pidfile;
    private Bg proc;
    private Integer exitStatus;
    /** More routerd options (e.g. --workers 2). */
    private List<String> options = List.of();

    private Routerd(String name, Path dir) {
        this.name = name;
        this.dir = dir;
        this.config = dir.resolve(name + ".conf");
        this.socket = dir.resolve(name + ".sock");
        this.pidfile = dir.resolve(name + ".pid");
    }

    /** The repository root: the first ancestor of the working directory that holds bin/routerd. */
    public static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.isRegularFile(q.resolve("bin/routerd"))) {
                return q;
            }
        }
        throw new IllegalStateException("no bin/routerd above " + p);
    }

    public static Path routerdBin() {
        return repoRoot().resolve("bin/routerd");
    }

    /**
     * routerd options every scenario test passes: {@code --io MODE} when the system property
     * {@code taprouter.io} (or the environment's {@code TAPROUTER_IO}) names one, so the suite runs
     * in either I/O mode: {@code mvn ... -Dtaprouter.io=io_uring}. Empty otherwise (routerd's default).
     */
    private static final java.util.concurrent.atomic.AtomicBoolean IO_ANNOUNCED = new java.util.concurrent.atomic.AtomicBoolean();

    public static List<String> ioOptions() {
        String io = System.getProperty("taprouter.io", System.getenv("TAPROUTER_IO"));
        if (io == null || io.isBlank()) {
            return List.of();
        }
        if (!IO_ANNOUNCED.getAndSet(true)) {
            System.out.println("scenario routerd: --io " + io.trim());
        }
        return List.of("--io", io.trim());
    }

    /** {@code base} followed by {@link #ioOptions()}. */
    public static List<String> withIo(String... base) {
        List<String> argv = new ArrayList<>(Arrays.asList(base));
        argv.addAll(ioOptions());
        return argv;
    }

    public static Path routerctlBin() {
        return repoRoot().resolve("bin/routerctl");
    }

    public static Path tempDir(String label) {
        try {
            // short paths: a Unix socket path must fit in 108 bytes
            return Files.createTempDirectory(Path.of("/tmp"), "trt-" + label + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code configText}, starts routerd and waits until routerctl answers. */
    public static Routerd start(String name, String configText) {
        return start(name, configText, List.of());
    }

    /** As {@link #start(String, String)}, with more routerd {@code options} (e.g. {@code --workers 2}). */
    public static Routerd start(String name, String configText, List<String> options) {
        Routerd r = new Routerd(name, tempDir(name));
        r.options = List.copyOf(options);
        try {
            Files.writeString(r.config, configText);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        r.launch();
        r.awaitReady();
        return r;
    }

    /** Starts routerd on {@code configText} and waits for it to exit (for start-up errors). */
    public static Sh.Result runToExit(String name, String configText, Duration timeout) {
        Routerd r = new Routerd(name, tempDir(name));
        try {
            Files.writeString(r.config, configText);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            return Sh.cmd(withIo(routerdBin().toString(), "--config", r.config.toString(), "--socket", r.socket.toString(),
                    "--pidfile", r.pidfile.toString())).timeout(timeout).run();
        } finally {
            deleteTree(r.dir);
        }
    }

    public static Path configPathFor(Sh.Result r) {
        return Path.of(r.cmd().get(2));
    }

    private void launch() {
        List<String> argv = withIo(routerdBin().toString(), "--config", config.toString(), "--socket", socket.toString(),
                "--pidfile", pidfile.toString());
        argv.addAll(options);
        proc = Sh.cmd(argv).start(dir, name);
        Cleanup.register(this);
    }

    private void awaitReady() {
        long end = System.nanoTime() + READY_TIMEOUT.toNanos();
        Sh.Result last = null;
        while (System.nanoTime() < end) {
            if (!proc.alive()) {
                String msg = "routerd " + name + " exited with status " + proc.process().exitValue()
                        + " before it was ready\n" + proc.describe();
                close();
                fail(msg);
            }
            last = ctlWithTimeout(Duration.ofSeconds(8), "link", "show");
            if (last.ok()) {
                return;
            }
            sleep(200);
        }
        String msg = "routerd " + name + " not ready after " + READY_TIMEOUT.toSeconds() + " s (routerctl link show: "
                + (last == null ? "never ran" : "exit " + last.exit() + ", " + last.err().trim()) + ")\n"
                + proc.describe();
        close();
        fail(msg);
    }

    public String name() {
        return name;
    }

    public Path socket() {
        return socket;
    }

    public Path config() {
        return config;
    }

    public Path dir() {
        return dir;
    }

    public boolean alive() {
        return proc != null && proc.alive();
    }

    /** Process id of the running routerd (the JVM: bin/routerd execs java). */
    public long pid() {
        return proc.pid();
    }

    /** Waits up to {@code timeout} for routerd to exit by itself; its status, or null if it still runs. */
    public Integer awaitExit(Duration timeout) {
        Integer rc = proc == null ? null : proc.waitExit(timeout);
        if (rc != null) {
            exitStatus = rc;
            Cleanup.unregister(this);
        }
        return rc;
    }

    public String stderr() {
        return proc == null ? "" : proc.err();
    }

    public String stdout() {
        return proc == null ? "" : proc.out();
    }

    /** routerctl --socket S args..., whatever the exit status. */
    public Sh.Result ctl(String... args) {
        return ctlWithTimeout(Duration.ofSeconds(20), args);
    }

    private Sh.Result ctlWithTimeout(Duration timeout, String... args) {
        List<String> argv = new ArrayList<>(List.of(routerctlBin().toString(), "--socket", socket.toString()));
        argv.addAll(Arrays.asList(args));
        return Sh.cmd(argv).timeout(timeout).run();
    }

    /** routerctl ..., failing the test (with routerd's stderr) unless it exits 0. */
    public Sh.Result ctlOk(String... args) {
        Sh.Result r = ctl(args);
        if (!r.ok()) {
            fail("routerctl failed:\n" + r.describe() + "\n--- routerd " + name + " stderr (tail) ---\n"
                    + tail(stderr()));
        }
        return r;
    }

    /** SIGTERM, wait up to 15 s; returns the exit status (SIGKILLs and returns MIN_VALUE if it hangs). */
    public int stop() {
        if (exitStatus == null && proc != null) {
            exitStatus = proc.stop(Duration.ofSeconds(15));
            Cleanup.unregister(this);
        }
        return exitStatus == null ? Integer.MIN_VALUE : exitStatus;
    }

    /**
     * SIGTERM, then the same routerd again (same config, socket, pid file and state file) once
     * it answers; fails unless the first one exited 0. What the first wrote on stderr stays in
     * {@link #previousStderr}.
     */
    public void restart() {
        stopCleanly();
        previousStderr = stderr();
        exitStatus = null;
        launch();
        awaitReady();
    }

    /** The stderr of the routerd before the last {@link #restart}. */
    public String previousStderr() {
        return previousStderr;
    }

    private String previousStderr = "";

    /** Stops routerd and fails unless it exited 0. */
    public void stopCleanly() {
        boolean wasAlive = alive();
        int rc = stop();
        if (rc != 0) {
            fail("routerd " + name + (wasAlive ? " did not exit 0 on SIGTERM" : " had already exited") + ": status "
                    + (rc == Integer.MIN_VALUE ? "hung, killed" : rc) + "\n--- stderr (tail) ---\n" + tail(stderr()));
        }
    }

    public static String tail(String s) {
        return s.length() > 6000 ? "...\n" + s.substring(s.length() - 6000) : s;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops routerd (if needed) and deletes its temporary directory. */
    @Override
    public void close() {
        stop();
        String err = stderr();
        deleteTree(dir);
        assertNoErrorLogged(name, err);
    }

    /** Fails if routerd's stderr shows a dataplane or internal error (it must count, not throw). */
    public static void assertNoErrorLogged(String name, String err) {
        for (String bad : new String[] {"dataplane error", "internal error", "Exception in thread", "rollback step failed"}) {
            if (err.contains(bad)) {
                throw new AssertionError("routerd " + name + " logged \"" + bad + "\":\n" + tail(err));
            }
        }
    }

    /** Deletes a directory tree, best effort. */
    public static void deleteTree(Path d) {
        if (d == null || !Files.exists(d)) {
            return;
        }
        try (var s = Files.walk(d)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(Sh::deleteQuietly);
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }

    @Override
    public String toString() {
        return "routerd[" + name + " " + socket + "]";
    }
}
