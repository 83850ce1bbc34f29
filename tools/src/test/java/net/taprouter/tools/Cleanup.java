package net.taprouter.tools;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Last-resort cleanup: everything registered here (background processes, routerd instances,
 * namespaces) is closed by a JVM shutdown hook if a test did not close it itself.
 */
public final class Cleanup {
    private static final Deque<AutoCloseable> ITEMS = new ArrayDeque<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Cleanup::runAll, "taprouter-test-cleanup"));
    }

    private Cleanup() {}

    public static synchronized void register(AutoCloseable c) {
        ITEMS.push(c);
    }

    public static synchronized void unregister(AutoCloseable c) {
        ITEMS.removeIf(x -> x == c);
    }

    /** Closes everything still registered, newest first (processes before namespaces). */
    public static void runAll() {
        List<AutoCloseable> items;
        synchronized (Cleanup.class) {
            items = new ArrayList<>(ITEMS);
            ITEMS.clear();
        }
        for (AutoCloseable c : items) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("cleanup: " + c + ": " + e);
            }
        }
    }
}
