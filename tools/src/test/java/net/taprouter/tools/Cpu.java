package net.taprouter.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time of a process from /proc/PID/stat (utime + stime), to tell an idle routerd from a spinning one. */
public final class Cpu {
    private Cpu() {}

    /** utime + stime of {@code pid} in clock ticks (USER_HZ, 100 on Linux). */
    public static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ": field 3 (state) is f[0]; utime is field 14, stime field 15
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fraction of one core {@code pid} used over the next {@code millis} ms. */
    public static double coresUsed(long pid, long millis) {
        long t0 = ticks(pid);
        long n0 = System.nanoTime();
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long t1 = ticks(pid);
        double seconds = (System.nanoTime() - n0) / 1e9;
        return (t1 - t0) / 100.0 / seconds;
    }
}
