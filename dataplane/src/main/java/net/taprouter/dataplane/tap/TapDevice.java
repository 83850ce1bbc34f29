package net.taprouter.dataplane.tap;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;
import net.taprouter.dataplane.port.FrameIo;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One router port: a TAP device ({@code IFF_TAP|IFF_NO_PI}, non-blocking fd) whose kernel side is a host's NIC.
 *
 * <p><b>Create</b> ({@code attach=false}): the TAP is created in routerd's own namespace under a temporary unique
 * name ({@code trtNNNNN}) and then moved and renamed into {@code netns} with a single rtnetlink request. Because
 * {@code /dev/net/tun} was opened in routerd's namespace, the fd does not pin the host's namespace: after
 * {@code ip netns del NAME} the kernel destroys the namespace and the device with it, and {@link #read}/{@link #write}
 * fail with a {@link TapIOException} whose {@link TapIOException#isDeviceGone()} is true (errno EBADFD), while a
 * {@link Poller} reports EPOLLERR for the fd. The TAP is not persistent: {@link #close()} deletes it.
 *
 * <p><b>Attach</b> ({@code attach=true}): opens an existing persistent TAP (e.g. {@code ip tuntap add mode tap name X}
 * run inside the namespace) from a helper thread that entered {@code netns}. The fd then belongs to that namespace and
 * keeps it alive after {@code ip netns del} until {@link #close()}; the device survives {@link #close()}.
 *
 * <p>The kernel side starts administratively down; the host brings it up ({@code ip link set X up}). Reads need a
 * buffer of at least MTU + 18 bytes (Ethernet header plus a VLAN tag), or frames are truncated.
 *
 * <p>{@link #read} and {@link #write} are allocation-free on success and on EAGAIN; they go through Netty's JNI
 * {@code FileDescriptor.readAddress/writeAddress} when the Netty epoll natives load, else through JNA direct calls
 * (system property {@code taprouter.tap.io=jna} forces the latter).
 */
public final class TapDevice implements FrameIo {
    private static final boolean NETTY_IO = initNetty();
    private static final String TUN_PATH = "/dev/net/tun";

    private final int fd;
    private final String ifname;
    private final String netns;
    private final boolean attached;
    private final FileDescriptor nettyFd;
    private final AtomicBoolean closed = new AtomicBoolean();

    private TapDevice(int fd, String ifname, String netns, boolean attached) {
        this.fd = fd;
        this.ifname = ifname;
        this.netns = netns;
        this.attached = attached;
        this.nettyFd = NETTY_IO ? new FileDescriptor(fd) : null;
    }

    private static boolean initNetty() {
        if ("jna".equalsIgnoreCase(System.getProperty("taprouter.tap.io"))) {
            return false;
        }
        try {
            Epoll.ensureAvailability();
            return true;
        } catch (Throwable t) {
            return false;
        }
    }

    /** True if per-frame I/O uses Netty's JNI (else JNA direct mapping). */
    public static boolean usesNettyIo() {
        return NETTY_IO;
    }

    /**
     * Creates TAP {@code ifname} (IFF_TAP|IFF_NO_PI, non-blocking) and moves it into network namespace {@code netns}
     * ({@code null}: it stays in routerd's own namespace). With {@code attach=true}, opens the EXISTING persistent
     * TAP {@code ifname} inside {@code netns} instead. On failure nothing is left behind.
     *
     * @throws IOException with a one-line message such as {@code no such network namespace "ns9"},
     *         {@code TAP "ns1-veth0" already exists in namespace "ns1"},
     *         {@code no persistent TAP "x" in namespace "ns1"}, {@code cannot open /dev/net/tun: ...}
     */
    public static TapDevice open(String ifname, String netns, boolean attach) throws IOException {
        checkIfname(ifname);
        if (netns != null && !NetworkNamespace.isValidName(netns)) {
            throw new IOException("invalid network namespace name \"" + netns + "\"");
        }
        int fd;
        if (attach) {
            if (netns == null) {
                fd = attachHere(ifname, null);
            } else {
                int nsFd = NetworkNamespace.openFd(netns);
                try {
                    fd = NetworkNamespace.callWithFd(nsFd, netns, () -> attachHere(ifname, netns));
                } finally {
                    LibC.closeQuietly(nsFd);
                }
            }
        } else if (netns == null) {
            fd = createHere(ifname);
        } else {
            fd = createInto(ifname, netns);
        }
        return new TapDevice(fd, ifname, netns, attach);
    }

    /**
     * A sink that swallows every frame written to it ({@code /dev/null}) through the very same
     * write path as a TAP: routerd's JIT warm-up forwards synthetic frames into it, so the
     * compiled code has seen the real device class before the first real packet.
     */
    public static TapDevice discarding() throws IOException {
        int fd;
        try {
            fd = LibC.open("/dev/null", LibC.O_RDWR | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open /dev/null: errno " + e.getErrorCode());
        }
        return new TapDevice(fd, "null", null, false);
    }

    public int fd() {
        return fd;
    }

    public String ifname() {
        return ifname;
    }

    /** The namespace given to {@link #open}, or null for routerd's own. */
    public String netns() {
        return netns;
    }

    /** True if this fd was attached to a pre-existing persistent TAP (which survives {@link #close()}). */
    public boolean attached() {
        return attached;
    }

    public boolean isOpen() {
        return !closed.get();
    }

    /**
     * Reads one frame into native memory {@code [address, address+capacity)}.
     *
     * @return the frame length, or 0 if no frame is ready (EAGAIN)
     * @throws TapIOException if the device is gone (EBADFD once its namespace was deleted; EBADF after close) or on
     *         another read error; no allocation on success or EAGAIN
     */
    public int read(long address, int capacity) throws IOException {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        if (closed.get()) {
            throw failure("read", LibC.EBADF);
        }
        if (NETTY_IO) {
            int n;
            try {
                n = nettyFd.readAddress(address, 0, capacity);
            } catch (Errors.NativeIoException e) {
                throw failure("read", -e.expectedErr());
            } catch (ClosedChannelException e) {
                throw failure("read", LibC.EBADF);
            } catch (NotYetConnectedException e) {
                throw failure("read", 107);
            } catch (java.io.FileNotFoundException e) {
                throw failure("read", LibC.ENOENT);
            }
            if (n >= 0) {
                return n;
            }
            throw failure("read", TapIOException.EOF);
        }
        while (true) {
            long n = LibC.read(fd, address, capacity);
            if (n > 0) {
                return (int) n;
            }
            if (n == 0) {
                throw failure("read", TapIOException.EOF);
            }
            int err = Native.getLastError();
            if (err == LibC.EAGAIN) {
                return 0;
            }
            if (err != LibC.EINTR) {
                throw failure("read", err);
            }
        }
    }

    /**
     * Writes one frame from native memory {@code [address, address+length)}.
     *
     * @return bytes written, or 0 on EAGAIN
     * @throws TapIOException if the device is gone ({@link TapIOException#isDeviceGone()}), or the frame was refused
     *         (e.g. EINVAL for fewer than 14 bytes); no allocation on success or EAGAIN
     */
    public int write(long address, int length) throws IOException {
        if (closed.get()) {
            throw failure("write", LibC.EBADF);
        }
        if (NETTY_IO) {
            try {
                return nettyFd.writeAddress(address, 0, length);
            } catch (Errors.NativeIoException e) {
                throw failure("write", -e.expectedErr());
            } catch (ClosedChannelException e) {
                throw failure("write", LibC.EBADF);
            } catch (NotYetConnectedException e) {
                throw failure("write", 107);
            } catch (java.io.FileNotFoundException e) {
                throw failure("write", LibC.ENOENT);
            }
        }
        while (true) {
            long n = LibC.write(fd, address, length);
            if (n >= 0) {
                return (int) n;
            }
            int err = Native.getLastError();
            if (err == LibC.EAGAIN) {
                return 0;
            }
            if (err != LibC.EINTR) {
                throw failure("write", err);
            }
        }
    }

    /**
     * Sets the carrier the host sees on its side: off shows NO-CARRIER there, like a pulled cable
     * ({@code link set NAME down}).
     */
    @Override
    public void carrier(boolean on) throws IOException {
        Memory value = new Memory(4);
        value.setInt(0, on ? 1 : 0);
        try {
            LibC.ioctl(fd, LibC.TUNSETCARRIER, value);
        } catch (LastErrorException e) {
            throw failure("TUNSETCARRIER", e.getErrorCode());
        }
    }

    /** Closes the fd (idempotent). A TAP created by {@link #open} disappears with it. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (nettyFd != null) {
            try {
                nettyFd.close();
            } catch (IOException ignored) {
                // close(2) releases the fd even when it reports an error
            }
        } else {
            LibC.closeQuietly(fd);
        }
    }

    @Override
    public String toString() {
        return "TapDevice[" + ifname + (netns == null ? "" : " in " + netns) + ", fd " + fd
                + (attached ? ", attached" : "") + (closed.get() ? ", closed" : "") + "]";
    }

    private TapIOException failure(String op, int errno) {
        String what = "TAP \"" + ifname + "\" " + where(netns);
        if (errno == TapIOException.EOF) {
            return new TapIOException(what + " is gone (" + op + ": end of file)", errno);
        }
        if (TapIOException.isGoneErrno(errno)) {
            String cause = closed.get() ? "closed" : "gone";
            return new TapIOException(what + " is " + cause + " (" + op + ": " + LibC.describe(errno) + ")", errno);
        }
        return new TapIOException(op + " on TAP \"" + ifname + "\" " + where(netns) + " failed: "
                + LibC.describe(errno), errno);
    }

    // ---- control path ------------------------------------------------------------------------------------------

    private static String where(String netns) {
        return netns == null ? "in routerd's namespace" : "in namespace \"" + netns + "\"";
    }

    /** Kernel rules (dev_valid_name) plus: ASCII printable, no '%' (TUNSETIFF would treat it as a pattern). */
    static void checkIfname(String ifname) throws IOException {
        if (ifname == null || ifname.isEmpty()) {
            throw new IOException("invalid interface name \"" + ifname + "\": empty");
        }
        if (ifname.length() >= LibC.IFNAMSIZ) {
            throw new IOException("invalid interface name \"" + ifname + "\": longer than "
                    + (LibC.IFNAMSIZ - 1) + " characters");
        }
        if (ifname.equals(".") || ifname.equals("..")) {
            throw new IOException("invalid interface name \"" + ifname + "\"");
        }
        for (int i = 0; i < ifname.length(); i++) {
            char c = ifname.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '/' || c == ':' || c == '%') {
                throw new IOException("invalid interface name \"" + ifname + "\": character '" + c
                        + "' is not allowed");
            }
        }
    }

    private static int openTun() throws IOException {
        try {
            return LibC.open(TUN_PATH, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + TUN_PATH + ": " + LibC.describe(e.getErrorCode()));
        }
    }

    private static Memory ifreq(String name, short flags) {
        Memory ifr = new Memory(LibC.IFREQ_SIZE);
        ifr.clear();
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        ifr.write(0, b, 0, b.length);
        ifr.setShort(LibC.IFREQ_FLAGS_OFFSET, flags);
        return ifr;
    }

    /** TUNSETIFF; returns 0 or the errno. */
    private static int tunSetIff(int fd, String name, short flags) {
        try {
            LibC.ioctl(fd, LibC.TUNSETIFF, ifreq(name, flags));
            return 0;
        } catch (LastErrorException e) {
            return e.getErrorCode();
        }
    }

    /** Creates a new non-persistent TAP in the calling thread's namespace; EBUSY: the name is taken. */
    private static int createHere(String ifname) throws IOException {
        int fd = openTun();
        int err = tunSetIff(fd, ifname, (short) (LibC.IFF_TAP | LibC.IFF_NO_PI | LibC.IFF_TUN_EXCL));
        if (err == 0) {
            return fd;
        }
        LibC.closeQuietly(fd);
        if (err == LibC.EBUSY || err == LibC.EEXIST) {
            throw new IOException("TAP \"" + ifname + "\" already exists " + where(null));
        }
        throw new IOException("cannot create TAP \"" + ifname + "\": " + LibC.describe(err));
    }

    /**
     * Creates the TAP in routerd's namespace under a temporary name, then moves+renames it into {@code netns}. The
     * tun file (and so its socket) belongs to routerd's namespace and does not pin {@code netns}.
     */
    private static int createInto(String ifname, String netns) throws IOException {
        int nsFd = NetworkNamespace.openFd(netns);
        try {
            for (int attempt = 0; attempt < 32; attempt++) {
                String tmp = String.format("trt%05d", ThreadLocalRandom.current().nextInt(100_000));
                int fd = openTun();
                int err = tunSetIff(fd, tmp, (short) (LibC.IFF_TAP | LibC.IFF_NO_PI | LibC.IFF_TUN_EXCL));
                if (err == LibC.EBUSY) {
                    LibC.closeQuietly(fd);
                    continue;
                }
                if (err != 0) {
                    LibC.closeQuietly(fd);
                    throw new IOException("cannot create TAP \"" + ifname + "\": " + LibC.describe(err));
                }
                boolean ok = false;
                try {
                    int ifindex = LibC.if_nametoindex(tmp);
                    if (ifindex == 0) {
                        throw new IOException("cannot create TAP \"" + ifname + "\": temporary device \"" + tmp
                                + "\" vanished");
                    }
                    int e = Rtnetlink.moveAndRename(ifindex, nsFd, ifname);
                    if (e == LibC.EEXIST || e == LibC.EBUSY) {
                        throw new IOException("TAP \"" + ifname + "\" already exists " + where(netns));
                    }
                    if (e != 0) {
                        throw new IOException("cannot move TAP \"" + ifname + "\" into namespace \"" + netns
                                + "\": " + LibC.describe(e));
                    }
                    ok = true;
                    return fd;
                } finally {
                    if (!ok) {
                        LibC.closeQuietly(fd); // non-persistent: the temporary device goes with the fd
                    }
                }
            }
            throw new IOException("cannot create TAP \"" + ifname + "\": no free temporary name");
        } finally {
            LibC.closeQuietly(nsFd);
        }
    }

    /** Attaches to an existing persistent TAP in the calling thread's namespace. */
    private static int attachHere(String ifname, String netns) throws IOException {
        String noSuch = "no persistent TAP \"" + ifname + "\" " + where(netns);
        if (LibC.if_nametoindex(ifname) == 0) {
            throw new IOException(noSuch);
        }
        int fd = openTun();
        boolean ok = false;
        try {
            int err = tunSetIff(fd, ifname, (short) (LibC.IFF_TAP | LibC.IFF_NO_PI));
            if (err == LibC.EBUSY) {
                throw new IOException("TAP \"" + ifname + "\" " + where(netns)
                        + " is busy (already attached by another process)");
            }
            if (err == LibC.EINVAL) {
                throw new IOException("\"" + ifname + "\" " + where(netns)
                        + " is not a single-queue TAP device");
            }
            if (err == LibC.EPERM) {
                throw new IOException("not permitted to attach TAP \"" + ifname + "\" " + where(netns)
                        + " (owner/group mismatch or missing CAP_NET_ADMIN)");
            }
            if (err != 0) {
                throw new IOException("cannot attach TAP \"" + ifname + "\" " + where(netns) + ": "
                        + LibC.describe(err));
            }
            // If the device vanished between the check and TUNSETIFF, the ioctl created a fresh one: refuse it.
            Memory ifr = new Memory(LibC.IFREQ_SIZE);
            ifr.clear();
            try {
                LibC.ioctl(fd, LibC.TUNGETIFF, ifr);
            } catch (LastErrorException e) {
                throw new IOException("cannot query TAP \"" + ifname + "\" " + where(netns) + ": "
                        + LibC.describe(e.getErrorCode()));
            }
            if ((ifr.getShort(LibC.IFREQ_FLAGS_OFFSET) & LibC.IFF_PERSIST) == 0) {
                throw new IOException(noSuch);
            }
            ok = true;
            return fd;
        } finally {
            if (!ok) {
                LibC.closeQuietly(fd);
            }
        }
    }
}
