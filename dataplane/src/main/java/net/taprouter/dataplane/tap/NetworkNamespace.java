package net.taprouter.dataplane.tap;

import com.sun.jna.LastErrorException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Helpers for named network namespaces as managed by {@code ip netns} (bind mounts under {@code /run/netns}).
 *
 * <p>Work that must happen inside a namespace runs on a dedicated, short-lived thread that {@code setns(2)}s into it
 * ({@link #call}); the calling thread never changes namespace. Note that anything that thread opens which is bound to
 * a namespace (a socket, a {@code /dev/net/tun} file attached to a TAP) keeps that namespace alive after
 * {@code ip netns del} until it is closed.
 */
public final class NetworkNamespace {
    /** Where {@code ip netns} keeps its namespace bind mounts. */
    public static final Path NETNS_DIR = Path.of("/run/netns");

    private static final AtomicInteger THREAD_SEQ = new AtomicInteger();

    private NetworkNamespace() {
    }

    /** A piece of work run inside a namespace. */
    @FunctionalInterface
    public interface Task<T> {
        T call() throws IOException;
    }

    /** True if {@code name} is a valid namespace name and {@code /run/netns/NAME} exists. */
    public static boolean exists(String name) {
        return isValidName(name) && Files.exists(NETNS_DIR.resolve(name));
    }

    /** True for names {@code ip netns} would accept: non-empty, no '/', not "." or "..", at most 255 bytes. */
    public static boolean isValidName(String name) {
        return name != null && !name.isEmpty() && name.length() <= 255 && name.indexOf('/') < 0
                && name.indexOf('\0') < 0 && !name.equals(".") && !name.equals("..");
    }

    /** {@code /run/netns/NAME}; throws IOException for an invalid name (the path need not exist). */
    public static Path path(String name) throws IOException {
        if (!isValidName(name)) {
            throw new IOException("invalid network namespace name \"" + name + "\"");
        }
        return NETNS_DIR.resolve(name);
    }

    /**
     * Opens {@code /run/netns/NAME} read-only (close-on-exec) and returns the fd; the caller closes it.
     * Throws {@code no such network namespace "NAME"} if it does not exist.
     */
    static int openFd(String name) throws IOException {
        Path p = path(name);
        try {
            return LibC.open(p.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.ENOENT) {
                throw new IOException("no such network namespace \"" + name + "\"");
            }
            throw new IOException("cannot open network namespace \"" + name + "\": " + LibC.describe(e.getErrorCode()));
        }
    }

    /**
     * Runs {@code task} on a new thread that has entered network namespace {@code name} and returns its result.
     * The thread switches back to its original namespace and ends afterwards; the caller's thread is untouched.
     * The task's IOException/RuntimeException/Error is rethrown as is.
     *
     * @throws IOException {@code no such network namespace "NAME"}, or the task's IOException
     */
    public static <T> T call(String name, Task<T> task) throws IOException {
        int nsFd = openFd(name);
        try {
            return callWithFd(nsFd, name, task);
        } finally {
            LibC.closeQuietly(nsFd);
        }
    }

    /** Like {@link #call} but with {@code task} returning nothing. */
    public static void run(String name, IoRunnable task) throws IOException {
        call(name, () -> {
            task.run();
            return null;
        });
    }

    /** A Runnable that may throw IOException. */
    @FunctionalInterface
    public interface IoRunnable {
        void run() throws IOException;
    }

    /** {@link #call} with an already-open namespace fd (not closed here); {@code name} is for messages only. */
    static <T> T callWithFd(int nsFd, String name, Task<T> task) throws IOException {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            int ownNs = -1;
            try {
                ownNs = LibC.open("/proc/thread-self/ns/net", LibC.O_RDONLY | LibC.O_CLOEXEC);
                try {
                    LibC.setns(nsFd, LibC.CLONE_NEWNET);
                } catch (LastErrorException e) {
                    throw new IOException("cannot enter network namespace \"" + name + "\": "
                            + LibC.describe(e.getErrorCode()));
                }
                try {
                    result[0] = task.call();
                } finally {
                    try {
                        LibC.setns(ownNs, LibC.CLONE_NEWNET);
                    } catch (LastErrorException ignored) {
                        // the thread ends right after this anyway
                    }
                }
            } catch (LastErrorException e) {
                failure[0] = new IOException("cannot open own network namespace: " + LibC.describe(e.getErrorCode()));
            } catch (Throwable e) {
                failure[0] = e;
            } finally {
                LibC.closeQuietly(ownNs);
            }
        }, "netns-" + name + "-" + THREAD_SEQ.incrementAndGet());
        t.setDaemon(true);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the task cannot be abandoned half-way; finish, then re-assert
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable f = failure[0];
        if (f == null) {
            @SuppressWarnings("unchecked")
            T r = (T) result[0];
            return r;
        }
        if (f instanceof IOException) {
            throw (IOException) f;
        }
        if (f instanceof RuntimeException) {
            throw (RuntimeException) f;
        }
        if (f instanceof Error) {
            throw (Error) f;
        }
        throw new IOException(f.toString(), f);
    }
}
