package net.taprouter.dataplane.io;

/** How the dataplane waits for and moves frames ({@code routerd --io}). */
public enum IoMode {
    /** epoll readiness, one read(2)/write(2) per frame (the default, and the fallback). */
    EPOLL("epoll"),
    /** One io_uring per worker: readiness by multishot polls, reads and writes in batches (one io_uring_enter each). */
    IO_URING("io_uring");

    private final String label;

    IoMode(String label) {
        this.label = label;
    }

    /** The option's spelling: epoll or io_uring. */
    public String label() {
        return label;
    }

    /** {@code epoll} or {@code io_uring}; throws IllegalArgumentException otherwise. */
    public static IoMode parse(String text) {
        for (IoMode m : values()) {
            if (m.label.equals(text)) {
                return m;
            }
        }
        throw new IllegalArgumentException("--io takes epoll or io_uring, not \"" + text + "\"");
    }
}
