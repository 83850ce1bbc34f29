package net.taprouter.control.daemon;

/** routerd's command-line options. */
public final class DaemonOptions {
    String config;
    String socket = "/run/taprouter/routerd.sock";
    String pidfile;
    String group;
    String counters;
    String metrics;
    int warmupFrames = 30_000;
    boolean dedicatedThreads;

    /** Parses args; throws IllegalArgumentException with a usage message. */
    static DaemonOptions parse(String[] args) {
        DaemonOptions o = new DaemonOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--config" -> o.config = value(args, ++i, a);
                case "--socket" -> o.socket = value(args, ++i, a);
                case "--pidfile" -> o.pidfile = value(args, ++i, a);
                case "--group" -> o.group = value(args, ++i, a);
                case "--counters" -> o.counters = value(args, ++i, a);
                case "--metrics" -> o.metrics = value(args, ++i, a);
                case "--warmup" -> {
                    String frames = value(args, ++i, a);
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
                    String mode = value(args, ++i, a);
                    if (!mode.equals("shared") && !mode.equals("dedicated")) {
                        throw new IllegalArgumentException("--threads takes shared or dedicated, not \"" + mode + "\"");
                    }
                    o.dedicatedThreads = mode.equals("dedicated");
                }
                case "-h", "--help" -> throw new IllegalArgumentException("");
                default -> throw new IllegalArgumentException("unknown option \"" + a + "\"");
            }
        }
        if (o.counters == null) {
            o.counters = o.socket.endsWith(".sock") ? o.socket.substring(0, o.socket.length() - 5) + ".counters" : o.socket + ".counters";
        }
        return o;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    static String usage() {
        return "usage: routerd [--config FILE] [--socket PATH] [--pidfile PATH] [--group NAME]"
            + " [--counters PATH] [--metrics HOST:PORT] [--threads shared|dedicated] [--warmup FRAMES]";
    }
}
