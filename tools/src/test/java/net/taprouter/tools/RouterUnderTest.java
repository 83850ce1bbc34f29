package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The router in a scenario: routerd (driven with routerctl) or, as a control of the assertions, a
 * Linux kernel router in its own namespace (driven with the iproute2 equivalents of the same words).
 */
public interface RouterUnderTest {
    String label();

    boolean isRouterd();

    /** A command in routerctl's grammar, e.g. {@code ctl("route", "add", "198.51.100.0/24", "via", "203.0.113.2")}. */
    Sh.Result ctl(String... args);

    default Sh.Result ctlOk(String... args) {
        Sh.Result r = ctl(args);
        if (!r.ok()) {
            fail(label() + ": command failed:\n" + r.describe() + diagnostics());
        }
        return r;
    }

    /** Extra text for failure messages (routerd's stderr). */
    String diagnostics();

    /** Stops the router; returns null when it stopped cleanly, else what went wrong. */
    String stop();

    /** routerd, already started. */
    static RouterUnderTest routerd(Routerd r) {
        return new RouterUnderTest() {
            @Override
            public String label() {
                return r.name() + " (routerd)";
            }

            @Override
            public boolean isRouterd() {
                return true;
            }

            @Override
            public Sh.Result ctl(String... args) {
                return r.ctl(args);
            }

            @Override
            public String diagnostics() {
                return "\n--- routerd " + r.name() + " stderr (tail) ---\n" + Routerd.tail(r.stderr());
            }

            @Override
            public String stop() {
                boolean wasAlive = r.alive();
                int rc = r.stop();
                if (rc == 0) {
                    return null;
                }
                return "routerd " + r.name() + (wasAlive ? " exited with " : " had died with ")
                        + (rc == Integer.MIN_VALUE ? "no exit (hung; killed)" : "status " + rc) + " on SIGTERM"
                        + diagnostics();
            }
        };
    }

    /** A kernel router in namespace {@code ns} (net.ipv4.ip_forward=1). */
    static RouterUnderTest kernel(String ns) {
        return new RouterUnderTest() {
            @Override
            public String label() {
                return ns + " (kernel)";
            }

            @Override
            public boolean isRouterd() {
                return false;
            }

            @Override
            public Sh.Result ctl(String... args) {
                if (args.length == 2 && args[0].equals("forwarding")) {
                    String v = args[1].equals("on") ? "1" : args[1].equals("off") ? "0" : args[1];
                    return Sh.ns(ns, "sysctl", "-qw", "net.ipv4.ip_forward=" + v).run();
                }
                if (args.length == 2 && args[0].equals("neigh") && args[1].equals("flush")) {
                    return Sh.cmd("ip", "-4", "-n", ns, "neigh", "flush", "all").run();
                }
                String[] argv = new String[args.length + 4];
                argv[0] = "ip";
                argv[1] = "-4";
                argv[2] = "-n";
                argv[3] = ns;
                System.arraycopy(args, 0, argv, 4, args.length);
                return Sh.cmd(argv).run();
            }

            @Override
            public String diagnostics() {
                return "";
            }

            @Override
            public String stop() {
                return null;
            }
        };
    }
}
