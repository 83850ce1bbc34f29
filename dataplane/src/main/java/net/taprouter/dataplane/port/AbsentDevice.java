package net.taprouter.dataplane.port;

import java.io.IOException;

/**
 * The device of a port whose TAP could not be made (its namespace did not exist when routerd
 * started): no file descriptor, every read and write reports {@link FrameIo#GONE}. The port stays
 * lost until {@code link set NAME up} gives it a real TAP.
 */
public final class AbsentDevice implements FrameIo {
    /** ENODEV: what {@link #lastErrno()} reports. */
    private static final int ENODEV = 19;

    private final String ifname;
    private final String why;

    public AbsentDevice(String ifname, String why) {
        this.ifname = ifname;
        this.why = why;
    }

    @Override
    public int fd() {
        return -1;
    }

    @Override
    public String ifname() {
        return ifname;
    }

    @Override
    public int read(long address, int capacity) {
        return GONE;
    }

    @Override
    public int write(long address, int length) {
        return GONE;
    }

    @Override
    public int lastErrno() {
        return ENODEV;
    }

    @Override
    public String lastFailure() {
        return why;
    }

    @Override
    public void carrier(boolean on) throws IOException {
        throw new IOException(why);
    }

    @Override
    public void close() {
    }
}
