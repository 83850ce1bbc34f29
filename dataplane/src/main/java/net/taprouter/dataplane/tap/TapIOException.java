package net.taprouter.dataplane.tap;

import java.io.IOException;

/**
 * An I/O error on an open {@link TapDevice}, carrying the errno. {@link #isDeviceGone()} tells a dead port (device
 * deleted, e.g. its namespace was removed; or the fd closed) from a per-frame failure (e.g. EINVAL for a frame
 * shorter than an Ethernet header) after which the port is still usable.
 */
public final class TapIOException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Pseudo-errno used for an unexpected end-of-file from read(2). */
    public static final int EOF = -1;

    private final int errno;

    TapIOException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The positive errno, or {@link #EOF}. */
    public int errno() {
        return errno;
    }

    /** True if the device (or our fd) no longer exists: the port is dead and should be closed. */
    public boolean isDeviceGone() {
        return isGoneErrno(errno);
    }

    static boolean isGoneErrno(int errno) {
        switch (errno) {
            case LibC.EBADFD: // tun file detached: the device was unregistered
            case LibC.EBADF:  // our fd was closed
            case LibC.ENODEV:
            case LibC.ENXIO:
            case EOF:
                return true;
            default:
                return false;
        }
    }
}
