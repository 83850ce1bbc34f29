package net.taprouter.dataplane.port;

import java.io.IOException;

/**
 * Frame input/output of a port: one frame per read or write between native memory and the
 * device. A {@link net.taprouter.dataplane.tap.TapDevice} in routerd; an in-memory sink in
 * benchmarks and unit tests of the stage graph.
 */
public interface FrameIo extends AutoCloseable {
    /** File descriptor to poll for readability, or -1 if there is none. */
    int fd();

    /** Name of the device (the TAP's interface name). */
    String ifname();

    /** Reads one frame; its length, 0 if none is ready; IOException if the device is gone. */
    int read(long address, int capacity) throws IOException;

    /** Writes one frame; bytes written, 0 if it would block; IOException on failure. */
    int write(long address, int length) throws IOException;

    /** Sets the link carrier the other side sees (no-op where there is none). */
    default void carrier(boolean on) throws IOException {
    }

    @Override
    void close();
}
