package net.taprouter.tools;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A set of network namespaces (and interface names) unique to one test run and one topology:
 * {@code t<pid%10000><counter>-<role>}. Everything created is deleted by {@link #close()} (or by the
 * shutdown hook), after killing whatever still runs inside.
 */
public final class Namespaces implements AutoCloseable {
    private static final String RUN_ID = "t" + (ProcessHandle.current().pid() % 10000);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String prefix;
    private final List<String> created = new ArrayList<>();

    public Namespaces() {
        prefix = RUN_ID + Integer.toString(COUNTER.getAndIncrement(), 36);
        Cleanup.register(this);
    }

    /** Skips the calling test unless we are root and iproute2 is there. */
    public static void assumeNetnsCapable() {
        Sh.Result id = Sh.cmd("id", "-u").timeoutSeconds(5).run();
        assumeTrue(id.ok() && id.out().trim().equals("0"), "netns scenario tests need root");
        Sh.Result ip = Sh.cmd("sh", "-c", "command -v ip").timeoutSeconds(5).run();
        assumeTrue(ip.ok(), "netns scenario tests need iproute2 (ip)");
    }

    public String prefix() {
        return prefix;
    }

    /** The namespace name for a role, e.g. {@code t1234a-ns1}. */
    public String name(String role) {
        return prefix + "-" + role;
    }

    /** An interface name for a role; at most 15 characters (IFNAMSIZ - 1). */
    public String ifname(String role) {
        String n = prefix + "-" + role;
        if (n.length() > 15) {
            throw new IllegalArgumentException("interface name too long: " + n);
        }
        return n;
    }

    /** Creates the namespace for {@code role} with lo up and returns its name. */
    public String create(String role) {
        String ns = name(role);
        Sh.ok("ip", "netns", "add", ns);
        synchronized (this) {
            created.add(ns);
        }
        Sh.ok("ip", "-n", ns, "link", "set", "lo", "up");
        return ns;
    }

    public static Set<String> list() {
        Set<String> names = new HashSet<>();
        for (String line : Sh.cmd("ip", "netns", "list").timeoutSeconds(10).run().out().split("\n")) {
            String t = line.trim();
            if (!t.isEmpty()) {
                names.add(t.split("\\s+")[0]);
            }
        }
        return names;
    }

    public static boolean exists(String ns) {
        return list().contains(ns);
    }

    /** Kills what still runs in {@code ns} (only our own test processes can be there) and deletes it. */
    public void delete(String ns) {
        killAllIn(ns);
        Sh.cmd("ip", "netns", "del", ns).timeoutSeconds(10).run();
        synchronized (this) {
            created.remove(ns);
        }
    }

    static void killAllIn(String ns) {
        Sh.Result pids = Sh.cmd("ip", "netns", "pids", ns).timeoutSeconds(10).run();
        if (!pids.ok()) {
            return;
        }
        Arrays.stream(pids.out().split("\\s+")).filter(s -> s.matches("\\d+")).map(Long::parseLong)
                .forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        Sh.waitUntil(Duration.ofSeconds(3), () -> Sh.cmd("ip", "netns", "pids", ns).timeoutSeconds(5).run()
                .out().isBlank());
    }

    @Override
    public void close() {
        List<String> all;
        synchronized (this) {
            all = new ArrayList<>(created);
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            delete(all.get(i));
        }
        Cleanup.unregister(this);
    }

    @Override
    public String toString() {
        return "Namespaces[" + prefix + " " + created + "]";
    }
}
