package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.agent.Dataplane;
import net.taprouter.dataplane.agent.DataplaneConfig;

/**
 * routerd's control plane in the test JVM: a real {@link Dataplane} (its threads started or not),
 * a {@link RouterState} and a {@link CommandProcessor}, with ports on TAPs in a network namespace
 * that the test made ({@link #createNamespace}). Needs root. Small tables, so tests can fill them.
 */
final class LiveRouter implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** Small tables: 8 tbl8 groups, 64 next hops, 64 neighbours (so full tables are reachable). */
    static final DataplaneConfig SMALL = new DataplaneConfig(256, 16384, 64, 4, 8, 64, false, null, 4096);

    final Dataplane dataplane;
    final RouterState state;
    final CommandProcessor processor;

    LiveRouter(DataplaneConfig config, boolean startThreads) {
        dataplane = new Dataplane(config);
        if (startThreads) {
            dataplane.start();
        }
        state = new RouterState(dataplane);
        processor = new CommandProcessor(state);
    }

    LiveRouter() {
        this(SMALL, true);
    }

    static boolean isRoot() {
        try {
            return sh("id", "-u").strip().equals("0");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** A fresh network namespace {@code trc<pid><n>-label} (lo up). */
    static String createNamespace(String label) {
        String ns = "trc" + ProcessHandle.current().pid() % 10000 + Integer.toString(COUNTER.getAndIncrement(), 36) + "-" + label;
        sh("ip", "netns", "add", ns);
        return ns;
    }

    static void deleteNamespace(String ns) {
        if (ns != null) {
            shQuiet("ip", "netns", "del", ns);
        }
    }

    /** Is there a device {@code ifname} in {@code ns}? */
    static boolean deviceExists(String ns, String ifname) {
        return shQuiet("ip", "-n", ns, "link", "show", "dev", ifname) == 0;
    }

    static String sh(String... argv) {
        try {
            Process p = new ProcessBuilder(List.of(argv)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static int shQuiet(String... argv) {
        try {
            Process p = new ProcessBuilder(List.of(argv)).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Runs a request as routerctl would (one transaction); the output, or the failure's message as an exception. */
    String run(String text) throws CommandProcessor.Failure {
        return processor.run(text, "-", false);
    }

    /** Runs a request given as the control socket gives it: its lines over its bytes ({@link net.taprouter.control.protocol.RequestLines}). */
    String runBytes(String text, String source) throws CommandProcessor.Failure {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return processor.answer(net.taprouter.control.protocol.RequestLines.of(bytes, bytes.length), source, false).text();
    }

    /** Runs {@code text} as a config file named {@code source} (errors as FILE:LINE:). */
    String runFile(String text, String source) throws CommandProcessor.Failure {
        return processor.run(text, source, false);
    }

    /** Runs a request that must succeed. */
    String ok(String text) {
        try {
            return run(text);
        } catch (CommandProcessor.Failure e) {
            fail("'" + text.strip() + "' failed: " + e.getMessage());
            return null;
        }
    }

    /** True if the request succeeded. */
    boolean tries(String text) {
        try {
            run(text);
            return true;
        } catch (CommandProcessor.Failure e) {
            return false;
        }
    }

    String save() {
        return ok("save");
    }

    @Override
    public void close() {
        dataplane.close();
    }
}
