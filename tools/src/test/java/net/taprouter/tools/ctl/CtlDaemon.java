package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.taprouter.tools.Bg;
import net.taprouter.tools.Cleanup;
import net.taprouter.tools.Routerd;
import net.taprouter.tools.Sh;

/**
 * A routerd ({@code bin/routerd}) with options the shared {@link Routerd} helper does not pass
 * ({@code --group}, {@code --metrics}, a config file of our choosing), in a temporary directory
 * that other users may traverse (mode 0711) so that the socket's own permissions decide.
 */
public final class CtlDaemon implements AutoCloseable {
    private final String name;
    private final Path dir;
    private final Path socket;
    private final Path pidfile;
    private Bg proc;
    private Integer exitStatus;

    private CtlDaemon(String name, Path dir) {
        this.name = name;
        this.dir = dir;
        this.socket = dir.resolve(name + ".sock");
        this.pidfile = dir.resolve(name + ".pid");
    }

    /** A fresh temporary directory under /tmp (short: socket paths must fit in 108 bytes), mode 0711. */
    public static Path newDir(String label) {
        try {
            Path d = Files.createTempDirectory(Path.of("/tmp"), "trt-" + label + "-");
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx--x--x"));
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code configText} to NAME.conf, starts routerd with it and {@code extra} options, waits until it serves. */
    public static CtlDaemon start(String name, String configText, String... extra) {
        CtlDaemon d = new CtlDaemon(name, newDir(name));
        Path config = d.dir.resolve(name + ".conf");
        try {
            Files.writeString(config, configText);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        d.launch(config, extra);
        return d;
    }

    /** Starts routerd with an existing config file (e.g. one written by {@code routerctl save FILE}). */
    public static CtlDaemon startWithConfigFile(String name, Path config, String... extra) {
        CtlDaemon d = new CtlDaemon(name, newDir(name));
        d.launch(config, extra);
        return d;
    }

    private void launch(Path config, String... extra) {
        List<String> argv = new ArrayList<>(List.of(Routerd.routerdBin().toString(), "--config", config.toString(),
                "--socket", socket.toString(), "--pidfile", pidfile.toString()));
        argv.addAll(Arrays.asList(extra));
        argv.addAll(Routerd.ioOptions());
        proc = Sh.cmd(argv).start(dir, name);
        Cleanup.register(this);
        awaitReady();
    }

    private void awaitReady() {
        long end = System.nanoTime() + Routerd.READY_TIMEOUT.toNanos();
        String last = "never tried";
        while (System.nanoTime() < end) {
            if (!proc.alive()) {
                String msg = "routerd " + name + " exited with status " + proc.process().exitValue()
                        + " before it was ready\n" + proc.describe();
                close();
                fail(msg);
            }
            if (Files.exists(socket)) {
                try {
                    CtlWire.Reply r = CtlWire.request(socket, "forwarding show\n", false);
                    if (r.ok()) {
                        return;
                    }
                    last = r.toString();
                } catch (IOException e) {
                    last = e.toString();
                }
            }
            sleep(100);
        }
        String msg = "routerd " + name + " not ready after " + Routerd.READY_TIMEOUT.toSeconds() + " s (" + last + ")\n"
                + proc.describe();
        close();
        fail(msg);
    }

    public String name() {
        return name;
    }

    public Path dir() {
        return dir;
    }

    public Path socket() {
        return socket;
    }

    public long pid() {
        return proc.pid();
    }

    public boolean alive() {
        return proc != null && proc.alive();
    }

    public String stderr() {
        return proc == null ? "" : proc.err();
    }

    /** The tail of routerd's stderr, for failure messages. */
    public String diag() {
        return "\n--- routerd " + name + " stderr (tail) ---\n" + Routerd.tail(stderr());
    }

    /** {@code bin/routerctl --socket S args...} as root, whatever the exit status. */
    public Sh.Result ctl(String... args) {
        List<String> argv = new ArrayList<>(List.of(Routerd.routerctlBin().toString(), "--socket", socket.toString()));
        argv.addAll(Arrays.asList(args));
        return Sh.cmd(argv).timeout(Duration.ofSeconds(60)).run();
    }

    /** routerctl, failing the test (with routerd's stderr) unless it exits 0. */
    public Sh.Result ctlOk(String... args) {
        Sh.Result r = ctl(args);
        if (!r.ok()) {
            fail("routerctl failed:\n" + r.describe() + diag());
        }
        return r;
    }

    /** {@code runuser -u USER [-g GROUP] -- bin/routerctl --socket S args...}. */
    public Sh.Result ctlAs(String user, String group, String... args) {
        List<String> argv = new ArrayList<>(List.of("runuser", "-u", user));
        if (group != null) {
            argv.addAll(List.of("-g", group));
        }
        argv.addAll(List.of("--", Routerd.routerctlBin().toString(), "--socket", socket.toString()));
        argv.addAll(Arrays.asList(args));
        return Sh.cmd(argv).timeout(Duration.ofSeconds(30)).run();
    }

    /** One request over the protocol from this JVM (fast: no routerctl JVM start); fails on I/O errors. */
    public CtlWire.Reply request(String body) {
        try {
            return CtlWire.request(socket, body, false);
        } catch (IOException e) {
            fail("cannot talk to routerd " + name + ": " + e + diag());
            return null;
        }
    }

    /**
     * The configuration-relevant state: {@code save} plus {@code route show}, {@code link show} and
     * {@code addr show} (connected routes and the LPM view are not in save), taken in-process.
     */
    public String snapshot() {
        StringBuilder s = new StringBuilder();
        for (String q : List.of("save", "route show", "link show", "addr show")) {
            CtlWire.Reply r = request(q + "\n");
            if (!r.ok()) {
                fail("'" + q + "' failed: " + r + diag());
            }
            s.append("## ").append(q).append('\n').append(r.text());
        }
        return s.toString();
    }

    /** SIGTERM, wait up to 15 s; the exit status (MIN_VALUE if it hung and was killed). */
    public int stop() {
        if (exitStatus == null && proc != null) {
            exitStatus = proc.stop(Duration.ofSeconds(15));
            Cleanup.unregister(this);
        }
        return exitStatus == null ? Integer.MIN_VALUE : exitStatus;
    }

    @Override
    public void close() {
        stop();
        String err = stderr();
        Routerd.deleteTree(dir);
        Routerd.assertNoErrorLogged(name, err);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "routerd[" + name + " " + socket + "]";
    }
}
