package net.taprouter.control.daemon;

import net.taprouter.control.protocol.Wire;
import net.taprouter.control.server.ControlServer;

/** routerd's command-line options. */
public final class DaemonOptions {
    String config;
    /** The default socket, as routerctl's: $ROUTERD_SOCKET or /run/taprouter/routerd.sock. */
    String socket = System.getenv().getOrDefault("ROUTERD_SOCKET", "/run/taprouter/routerd.sock");
    String pidfile;
    String group;
    String counters;
    /** Where the conntrack/NAT table is written on SIGTERM and read at start (ConntrackStateFile). */
    String state;
    String metrics;
    int warmupFrames = 30_000;
    boolean dedicatedThreads;
    /** Forwarding workers ({@code --workers N}); 1 by default. */
    int workers = 1;
    /** CPUs to pin worker i's thread(s) to ({@code --cpus 0,1}: worker i on cpus[i mod n]); empty: not pinned. */
    int[] cpus = new int[0];
    /** {@code --io}: how the dataplane waits for and moves frames (io_uring, the default, or epoll; epoll also where the kernel gives no ring). */
    net.taprouter.dataplane.io.IoMode io = net.taprouter.dataplane.io.IoMode.IO_URING;
    int maxClients = ControlServer.Limits.DEFAULT_MAX_CLIENTS;
    int maxRequest = Wire.DEFAULT_MAX_REQUEST;

    /**
     * Parses args; throws IllegalArgumentException with the problem in one line (an empty message
     * for {@code -h}/{@code --help}).
     */
    static DaemonOptions parse(String[] args) {
        DaemonOptions o = new DaemonOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--config" -> o.config = value(args, ++i, a, "a FILE");
                case "--socket" -> o.socket = value(args, ++i, a, "a PATH");
                case "--pidfile" -> o.pidfile = value(args, ++i, a, "a PATH");
                case "--group" -> o.group = value(args, ++i, a, "a NAME");
                case "--counters" -> o.counters = value(args, ++i, a, "a PATH");
                case "--state" -> o.state = value(args, ++i, a, "a PATH");
                case "--metrics" -> o.metrics = value(args, ++i, a, "HOST:PORT");
                case "--warmup" -> {
                    String frames = value(args, ++i, a, "a number of FRAMES");
                    try {
                        o.warmupFrames = Integer.parseInt(frames);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--warmup takes a number of frames, not \"" + frames + "\"");
                    }
                    if (o.warmupFrames < 0 || o.warmupFrames > 10_000_000) {
                        throw new IllegalArgumentException("--warmup " + frames + " out of range 0..10000000");
                    }
                }
                case "--threads" -> {
                    String mode = value(args, ++i, a, "shared or dedicated");
                    if (!mode.equals("shared") && !mode.equals("dedicated")) {
                        throw new IllegalArgumentException("--threads takes shared or dedicated, not \"" + mode + "\"");
                    }
                    o.dedicatedThreads = mode.equals("dedicated");
                }
                case "--workers" -> o.workers = number(args, ++i, a, 1, net.taprouter.dataplane.agent.DataplaneConfig.MAX_WORKERS);
                case "--cpus" -> o.cpus = cpuList(value(args, ++i, a, "a LIST of CPUs (0,1 or 0-3)"));
                case "--io" -> o.io = net.taprouter.dataplane.io.IoMode.parse(value(args, ++i, a, "epoll or io_uring"));
                case "--max-clients" -> o.maxClients = number(args, ++i, a, 1, 4096);
                case "--max-request" -> o.maxRequest = number(args, ++i, a, 4096, Integer.MAX_VALUE - 8);
                case "--daemon", "--log" -> throw new IllegalArgumentException(a + " is handled by bin/routerd (the launcher)");
                case "-h", "--help" -> throw new IllegalArgumentException("");
                default -> throw new IllegalArgumentException("unknown option \"" + a + "\"");
            }
        }
        if (o.counters == null) {
            o.counters = o.socket.endsWith(".sock") ? o.socket.substring(0, o.socket.length() - 5) + ".counters" : o.socket + ".counters";
        }
        if (o.state == null) {
            o.state = ConntrackStateFile.defaultPath(o.socket);
        }
        return o;
    }

    /** "0,1" or "0-3" or "0,2-3": the CPUs in the order given. */
    static int[] cpuList(String text) {
        java.util.List<Integer> cpus = new java.util.ArrayList<>();
        try {
            for (String part : text.split(",", -1)) {
                int dash = part.indexOf('-');
                int first = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
                int last = dash < 0 ? first : Integer.parseInt(part.substring(dash + 1));
                if (first < 0 || last < first || last > 1023) {
                    throw new NumberFormatException();
                }
                for (int cpu = first; cpu <= last; cpu++) {
                    cpus.add(cpu);
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--cpus takes a CPU list such as 0,1 or 0-3, not \"" + text + "\"");
        }
        return cpus.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int number(String[] args, int i, String option, int min, int max) {
        String text = value(args, i, option, "a number");
        long n;
        try {
            n = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a number, not \"" + text + "\"");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(option + " " + text + " out of range " + min + ".." + max);
        }
        return (int) n;
    }

    /**
     * The value of {@code option}: the next argument, unless there is none or it is another option
     * ({@code --config --socket X} is a missing FILE, not a file named "--socket").
     */
    private static String value(String[] args, int i, String option, String what) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs " + what);
        }
        return args[i];
    }

    static String usage() {
        return "usage: routerd [--config FILE] [--socket PATH] [--pidfile PATH] [--group NAME]"
            + " [--counters PATH] [--state PATH] [--metrics HOST:PORT] [--threads shared|dedicated] [--workers N] [--cpus LIST]"
            + " [--io epoll|io_uring] [--warmup FRAMES]"
            + " [--max-clients N] [--max-request BYTES] [--daemon [--log FILE]]";
    }
}
