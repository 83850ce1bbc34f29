package net.taprouter.dataplane.tap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Test helper: a uniquely named network namespace ("tap-test-PID-N") plus shell helpers. Always close it. */
final class NetnsFixture implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final long PID = ProcessHandle.current().pid();

    final String name;

    private NetnsFixture(String name) {
        this.name = name;
    }

    /** Skips the calling test unless we are root with /dev/net/tun and iproute2. */
    static void assumeRootWithNetns() {
        assumeTrue(isRoot(), "needs root (network namespaces, TAP devices)");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "needs /dev/net/tun");
        assumeTrue(run("ip", "-V").rc == 0, "needs iproute2 (ip)");
    }

    static boolean isRoot() {
        Result r = run("id", "-u");
        return r.rc == 0 && r.out.trim().equals("0");
    }

    /** A name unique to this JVM; the namespace is not created. */
    static String uniqueName() {
        return "tap-test-" + PID + "-" + SEQ.incrementAndGet();
    }

    static NetnsFixture create() {
        NetnsFixture ns = new NetnsFixture(uniqueName());
        checked("ip", "netns", "add", ns.name);
        return ns;
    }

    /** Runs {@code cmd} inside the namespace; fails the test on a non-zero exit. */
    String exec(String... cmd) {
        return checked(inNs(cmd));
    }

    /** Runs {@code cmd} inside the namespace and returns its result. */
    Result execResult(String... cmd) {
        return run(inNs(cmd));
    }

    /** Starts {@code cmd} inside the namespace without waiting. */
    Process start(String... cmd) throws IOException {
        return new ProcessBuilder(inNs(cmd)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private String[] inNs(String... cmd) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", name));
        all.addAll(Arrays.asList(cmd));
        return all.toArray(new String[0]);
    }

    boolean exists() {
        return Files.exists(NetworkNamespace.NETNS_DIR.resolve(name));
    }

    /** Deletes the namespace if it still exists (idempotent). */
    void delete() {
        if (exists()) {
            run("ip", "netns", "del", name);
        }
    }

    @Override
    public void close() {
        delete();
    }

    static String checked(String... cmd) {
        Result r = run(cmd);
        if (r.rc != 0) {
            throw new AssertionError(String.join(" ", cmd) + " -> exit " + r.rc + ": " + r.out.trim());
        }
        return r.out;
    }

    static Result run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timeout");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, e.toString());
        }
    }

    static final class Result {
        final int rc;
        final String out;

        Result(int rc, String out) {
            this.rc = rc;
            this.out = out;
        }
    }
}
