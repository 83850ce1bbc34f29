package net.taprouter.dataplane.tap;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import net.taprouter.dataplane.port.FrameIo;
import net.taprouter.dataplane.wire.VirtioNetHeaderView;
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
 * return {@link #GONE} (errno EBADFD), while a {@link Poller} reports EPOLLERR for the fd. The TAP is not persistent:
 * {@link #close()} deletes it.
 *
 * <p><b>Attach</b> ({@code attach=true}): opens an existing persistent TAP (e.g. {@code ip tuntap add mode tap name X}
 * run inside the namespace) from a helper thread that entered {@code netns}. The fd then belongs to that namespace and
 * keeps it alive after {@code ip netns del} until {@link #close()}; the device survives {@link #close()}.
 *
 * <p>The kernel side starts administratively down; the host brings it up ({@code ip link set X up}); until then a
 * write fails with EIO ({@link #FAILED}: the port is still fine). Reads need a buffer of at least MTU + 18 bytes
 * (Ethernet header plus a VLAN tag), or frames are truncated.
 *
 * <p><b>Offloads</b> ({@code offload=true} in {@link #open(String, String, boolean, boolean)}): the TAP is opened
 * with {@code IFF_VNET_HDR} and a 10-byte virtio-net header ({@code TUNSETVNETHDRSZ 10}, little-endian:
 * {@code TUNSETVNETLE}; see {@link net.taprouter.dataplane.wire.VirtioNetHeaderView}) in front of every frame read
 * or written ({@link #headroom()} = 10), and {@code TUNSETOFFLOAD} declares what routerd accepts on read:
 * {@code TUN_F_CSUM|TUN_F_TSO4|TUN_F_TSO6|TUN_F_USO4|TUN_F_USO6}, or, where the kernel refuses USO (before 6.2),
 * {@code CSUM|TSO4|TSO6}, or {@code CSUM}, or nothing; {@link #offloads()} tells which was accepted. The host's stack
 * then hands over frames with partial checksums and TCP/UDP super-packets of up to 64 KiB; written frames may be
 * either whatever {@link #offloads()} says (the kernel takes any GSO type on write). 10 bytes and not the 12 of
 * {@code virtio_net_hdr_v1}: the kernel neither writes nor reads {@code num_buffers} on a TAP.
 *
 * <p>{@link #read} and {@link #write} return status codes and allocate nothing, failures included (see
 * {@link FrameIo}); one system call per frame (the batch calls loop). They call Netty's JNI functions behind
 * {@code FileDescriptor.readAddress/writeAddress} directly (the private natives that return {@code -errno}: the
 * public wrappers allocate an exception per failure) when the Netty epoll natives load, else JNA direct calls
 * (system property {@code taprouter.tap.io=jna} forces the latter).
 */
public final class TapDevice implements FrameIo {
    /** Pseudo-errno of an unexpected end of file from read(2): the device is gone. */
    static final int EOF = -1;
    /** Netty's {@code private static native int readAddress(int fd, long address, int pos, int limit)}, or null. */
    private static final MethodHandle NETTY_READ;
    /** Netty's {@code private static native int writeAddress(int fd, long address, int pos, int limit)}, or null. */
    private static final MethodHandle NETTY_WRITE;
    private static final String TUN_PATH = "/dev/net/tun";

    static {
        MethodHandle[] handles = nettyNatives();
        NETTY_READ = handles[0];
        NETTY_WRITE = handles[1];
    }

    private final int fd;
    private final String ifname;
    private final String netns;
    private final boolean attached;
    /** Bytes of the device's own header in front of each frame (virtio-net); 0 without IFF_VNET_HDR. */
    private final int headroom;
    /** The TUN_F_* flags TUNSETOFFLOAD accepted (0: none, or no offload asked for). */
    private final int offloads;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** errno << 1 | (1 if a write), of the last failure: for {@link #lastFailure()} only. */
    private int lastError;

    private TapDevice(int fd, String ifname, String netns, boolean attached) {
        this(fd, ifname, netns, attached, 0, 0);
    }

    private TapDevice(int fd, String ifname, String netns, boolean attached, int headroom, int offloads) {
        this.headroom = headroom;
        this.offloads = offloads;
        this.fd = fd;
        this.ifname = ifname;
        this.netns = netns;
        this.attached = attached;
    }

    /** The read and write natives of Netty's FileDescriptor, or two nulls (then JNA does the I/O). */
    private static MethodHandle[] nettyNatives() {
        if ("jna".equalsIgnoreCase(System.getProperty("taprouter.tap.io"))) {
            return new MethodHandle[2];
        }
        try {
            Epoll.ensureAvailability(); // loads the library that registers FileDescriptor's natives
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(FileDescriptor.class, MethodHandles.lookup());
            MethodType type = MethodType.methodType(int.class, int.class, long.class, int.class, int.class);
            return new MethodHandle[] {
                lookup.findStatic(FileDescriptor.class, "readAddress", type),
                lookup.findStatic(FileDescriptor.class, "writeAddress", type)};
        } catch (Throwable t) {
            return new MethodHandle[2];
        }
    }

    /** True if per-frame I/O uses Netty's JNI (else JNA direct mapping). */
    public static boolean usesNettyIo() {
        return NETTY_READ != null;
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
        return open(ifname, netns, attach, false);
    }

    /**
     * As {@link #open(String, String, boolean)}; with {@code offload}, the TAP is opened with a
     * virtio-net header and the offloads the kernel accepts (see the class comment).
     */
    public static TapDevice open(String ifname, String netns, boolean attach, boolean offload) throws IOException {
        checkIfname(ifname);
        short vnet = offload ? LibC.IFF_VNET_HDR : 0;
        if (netns != null && !NetworkNamespace.isValidName(netns)) {
            throw new IOException("invalid network namespace name \"" + netns + "\"");
        }
        int fd;
        if (attach) {
            if (netns == null) {
                fd = attachHere(ifname, null, vnet);
            } else {
                int nsFd = NetworkNamespace.openFd(netns);
                try {
                    fd = NetworkNamespace.callWithFd(nsFd, netns, () -> attachHere(ifname, netns, vnet));
                } finally {
                    LibC.closeQuietly(nsFd);
                }
            }
        } else if (netns == null) {
            fd = createHere(ifname, vnet);
        } else {
            fd = createInto(ifname, netns, vnet);
        }
        if (!offload) {
            return new TapDevice(fd, ifname, netns, attach);
        }
        try {
            setVnetHeader(fd, ifname, netns);
        } catch (IOException e) {
            LibC.closeQuietly(fd);
            throw e;
        }
        return new TapDevice(fd, ifname, netns, attach, VirtioNetHeaderView.LENGTH, setOffloads(fd));
    }

    /**
     * Opens TAP {@code ifname} as {@code rxQueues + txOnly} queues of one multi-queue device
     * ({@code IFF_MULTI_QUEUE}: one fd per queue, each a {@link TapDevice}); as
     * {@link #open(String, String, boolean, boolean)} otherwise (create and move, or attach to an
     * existing persistent TAP, which must then be multi-queue). The first {@code rxQueues} fds are
     * the device's queues: the kernel spreads what the host sends over them by flow hash. The last
     * {@code txOnly} are detached at once ({@code TUNSETQUEUE IFF_DETACH_QUEUE}): the kernel
     * delivers nothing to them, but what is written on them goes to the host as on any queue (a
     * worker that reads none of the device's queues writes on one of these, so that every fd has
     * one writer). With {@code rxQueues == 1 && txOnly == 0 && !multiQueue} this is a plain
     * single-queue TAP, exactly {@link #open(String, String, boolean, boolean)}. On failure
     * nothing is left behind.
     */
    public static TapDevice[] openQueues(String ifname, String netns, boolean attach, boolean offload, int rxQueues, int txOnly,
                                         boolean multiQueue) throws IOException {
        if (rxQueues < 1 || txOnly < 0 || rxQueues + txOnly > MAX_QUEUES) {
            throw new IllegalArgumentException("queues " + rxQueues + " (+" + txOnly + " for transmit) out of range 1.." + MAX_QUEUES);
        }
        if (rxQueues == 1 && txOnly == 0 && !multiQueue) {
            return new TapDevice[] {open(ifname, netns, attach, offload)};
        }
        checkIfname(ifname);
        if (netns != null && !NetworkNamespace.isValidName(netns)) {
            throw new IOException("invalid network namespace name \"" + netns + "\"");
        }
        short flags = (short) (LibC.IFF_TAP | LibC.IFF_NO_PI | LibC.IFF_MULTI_QUEUE | (offload ? LibC.IFF_VNET_HDR : 0));
        int n = rxQueues + txOnly;
        int[] fds;
        if (attach) {
            if (netns == null) {
                fds = attachQueuesHere(ifname, null, flags, n);
            } else {
                int nsFd = NetworkNamespace.openFd(netns);
                try {
                    fds = NetworkNamespace.callWithFd(nsFd, netns, () -> attachQueuesHere(ifname, netns, flags, n));
                } finally {
                    LibC.closeQuietly(nsFd);
                }
            }
        } else {
            fds = createQueues(ifname, netns, flags, n);
        }
        TapDevice[] queues = new TapDevice[n];
        try {
            for (int q = 0; q < n; q++) {
                int headroom = 0;
                int accepted = 0;
                if (offload) {
                    setVnetHeader(fds[q], ifname, netns);
                    headroom = VirtioNetHeaderView.LENGTH;
                    accepted = setOffloads(fds[q]);
                }
                if (q >= rxQueues) {
                    detachQueue(fds[q], ifname, netns);
                }
                queues[q] = new TapDevice(fds[q], ifname, netns, attach, headroom, accepted);
                queues[q].detached = q >= rxQueues;
            }
        } catch (IOException | RuntimeException e) {
            for (int fd : fds) {
                LibC.closeQuietly(fd);
            }
            throw e;
        }
        return queues;
    }

    /** The most queues a TAP may have (the kernel's MAX_TAP_QUEUES). */
    public static final int MAX_QUEUES = 256;

    /**
     * Detaches this queue of a multi-queue TAP ({@code TUNSETQUEUE IFF_DETACH_QUEUE}): the kernel
     * delivers nothing more to it (what the host sends goes to the queues still attached); it
     * stays writable. Does nothing for a queue detached already. Throws IOException with a
     * one-line message (EINVAL: not a multi-queue TAP).
     */
    public synchronized void detachQueue() throws IOException {
        if (!detached) {
            detachQueue(fd, ifname, netns);
            detached = true;
        }
    }

    /** This queue was detached (a transmit-only queue, or {@link #detachQueue}): idempotent. */
    private boolean detached;

    /** TUNSETQUEUE IFF_DETACH_QUEUE: no more frames delivered to this fd; it stays writable. */
    private static void detachQueue(int fd, String ifname, String netns) throws IOException {
        try {
            LibC.ioctl(fd, LibC.TUNSETQUEUE, ifreq("", LibC.IFF_DETACH_QUEUE));
        } catch (LastErrorException e) {
            throw new IOException("cannot detach a transmit queue of TAP \"" + ifname + "\" " + where(netns) + ": "
                + LibC.describe(e.getErrorCode()));
        }
    }

    /**
     * Creates a multi-queue TAP of {@code n} queues under a temporary name in routerd's namespace,
     * then moves and renames it into {@code netns} (or names it {@code ifname} here): as
     * {@link #createInto}, with every queue attached before the move (a tun fd attaches by name in
     * the namespace it was opened in).
     */
    private static int[] createQueues(String ifname, String netns, short flags, int n) throws IOException {
        int nsFd = netns == null ? -1 : NetworkNamespace.openFd(netns);
        try {
            for (int attempt = 0; attempt < 32; attempt++) {
                String name = netns == null ? ifname : String.format("trt%05d", ThreadLocalRandom.current().nextInt(100_000));
                int[] fds = new int[n];
                java.util.Arrays.fill(fds, -1);
                boolean ok = false;
                try {
                    fds[0] = openTun();
                    int err = tunSetIff(fds[0], name, (short) (flags | LibC.IFF_TUN_EXCL));
                    if (err == LibC.EBUSY || err == LibC.EEXIST) {
                        if (netns == null) {
                            throw new IOException("TAP \"" + ifname + "\" already exists " + where(null));
                        }
                        continue;
                    }
                    if (err != 0) {
                        throw new IOException("cannot create TAP \"" + ifname + "\": " + LibC.describe(err));
                    }
                    for (int q = 1; q < n; q++) {
                        fds[q] = openTun();
                        err = tunSetIff(fds[q], name, flags);
                        if (err != 0) {
                            throw new IOException("cannot open queue " + q + " of TAP \"" + ifname + "\": " + LibC.describe(err));
                        }
                    }
                    if (netns != null) {
                        int ifindex = LibC.if_nametoindex(name);
                        if (ifindex == 0) {
                            throw new IOException("cannot create TAP \"" + ifname + "\": temporary device \"" + name + "\" vanished");
                        }
                        int e = Rtnetlink.moveAndRename(ifindex, nsFd, ifname);
                        if (e == LibC.EEXIST || e == LibC.EBUSY) {
                            throw new IOException("TAP \"" + ifname + "\" already exists " + where(netns));
                        }
                        if (e != 0) {
                            throw new IOException("cannot move TAP \"" + ifname + "\" into namespace \"" + netns + "\": " + LibC.describe(e));
                        }
                    }
                    ok = true;
                    return fds;
                } finally {
                    if (!ok) {
                        for (int fd : fds) {
                            if (fd >= 0) {
                                LibC.closeQuietly(fd); // non-persistent: the device goes with its last queue
                            }
                        }
                    }
                }
            }
            throw new IOException("cannot create TAP \"" + ifname + "\": no free temporary name");
        } finally {
            if (nsFd >= 0) {
                LibC.closeQuietly(nsFd);
            }
        }
    }

    /** Opens {@code n} queues of the existing persistent multi-queue TAP {@code ifname} in the calling thread's namespace. */
    private static int[] attachQueuesHere(String ifname, String netns, short flags, int n) throws IOException {
        int[] fds = new int[n];
        java.util.Arrays.fill(fds, -1);
        boolean ok = false;
        try {
            fds[0] = attachHere(ifname, netns, flags);
            for (int q = 1; q < n; q++) {
                fds[q] = openTun();
                int err = tunSetIff(fds[q], ifname, flags);
                if (err != 0) {
                    throw new IOException("cannot open queue " + q + " of TAP \"" + ifname + "\" " + where(netns) + ": "
                        + LibC.describe(err));
                }
            }
            ok = true;
            return fds;
        } finally {
            if (!ok) {
                for (int fd : fds) {
                    if (fd >= 0) {
                        LibC.closeQuietly(fd);
                    }
                }
            }
        }
    }

    /** TUN_F_* of TUNSETOFFLOAD. */
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;
    public static final int TUN_F_USO4 = 0x20;
    public static final int TUN_F_USO6 = 0x40;
    /** What routerd asks for, then falls back from, in order (USO needs Linux 6.2; TSO needs CSUM). */
    private static final int[] OFFLOAD_CHOICES = {
        TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6,
        TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
        TUN_F_CSUM,
    };

    /** TUNSETVNETHDRSZ 10 and TUNSETVNETLE (a persistent TAP keeps what its last user set: set both). */
    private static void setVnetHeader(int fd, String ifname, String netns) throws IOException {
        Memory value = new Memory(4);
        value.setInt(0, VirtioNetHeaderView.LENGTH);
        try {
            LibC.ioctl(fd, LibC.TUNSETVNETHDRSZ, value);
        } catch (LastErrorException e) {
            throw new IOException("cannot set the virtio-net header size of TAP \"" + ifname + "\" " + where(netns) + ": "
                + LibC.describe(e.getErrorCode()));
        }
        value.setInt(0, 1);
        try {
            LibC.ioctl(fd, LibC.TUNSETVNETLE, value);
        } catch (LastErrorException e) {
            if (java.nio.ByteOrder.nativeOrder() != java.nio.ByteOrder.LITTLE_ENDIAN) {
                throw new IOException("TAP \"" + ifname + "\" " + where(netns) + ": no little-endian virtio-net header: "
                    + LibC.describe(e.getErrorCode()));
            } // little-endian host: the header is little-endian anyway
        }
    }

    /** The first of {@link #OFFLOAD_CHOICES} TUNSETOFFLOAD accepts (0 if none: plain frames behind a zero header). */
    private static int setOffloads(int fd) {
        for (int flags : OFFLOAD_CHOICES) {
            try {
                LibC.ioctl(fd, LibC.TUNSETOFFLOAD, Pointer.createConstant(flags));
                return flags;
            } catch (LastErrorException e) {
                // EINVAL: a flag this kernel does not know; try the next choice
            }
        }
        return 0;
    }

    /** The offloads in {@code flags} as words: "csum tso4 tso6 uso4 uso6" ("" for none). */
    public static String describeOffloads(int flags) {
        StringBuilder s = new StringBuilder();
        String[] names = {"csum", "tso4", "tso6", null, null, "uso4", "uso6"};
        for (int bit = 0; bit < names.length; bit++) {
            if (names[bit] != null && (flags & (1 << bit)) != 0) {
                s.append(s.length() == 0 ? "" : " ").append(names[bit]);
            }
        }
        return s.toString();
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

    /** {@inheritDoc} 10 (the virtio-net header) for a TAP opened with offloads, else 0. */
    @Override
    public int headroom() {
        return headroom;
    }

    /** {@inheritDoc} */
    @Override
    public int offloads() {
        return offloads;
    }

    /**
     * Reads one frame into native memory {@code [address, address+capacity)}. Returns its length,
     * or {@link #WOULD_BLOCK} (EAGAIN), {@link #GONE} (EBADFD once its namespace was deleted, EBADF
     * after close, end of file), {@link #FAILED} (another errno, kept in {@link #lastErrno()}).
     * Never throws, never allocates.
     */
    @Override
    public int read(long address, int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        if (closed.get()) {
            return failed(LibC.EBADF, false);
        }
        return readResult(rawRead(address - headroom, capacity + headroom));
    }

    /**
     * The frame length or status of a read of this device's fd, header included, that returned
     * {@code n} (bytes, or -errno): for reads made elsewhere (the worker's io_uring). Never allocates.
     */
    public int readResult(int n) {
        if (n > headroom) {
            return n - headroom;
        }
        if (n == 0) {
            return failed(EOF, false);
        }
        if (n > 0) {
            return failed(LibC.EINVAL, false); // shorter than its own header: cannot happen on a TAP
        }
        return failed(-n, false);
    }

    /**
     * Writes one frame from native memory {@code [address, address+length)}. Returns
     * {@code length}, or {@link #WOULD_BLOCK} (EAGAIN), {@link #GONE} (the device is gone),
     * {@link #FAILED} (e.g. EIO while the host has not brought its side up; EINVAL for fewer than
     * 14 bytes; the errno is kept in {@link #lastErrno()}). Never throws, never allocates.
     */
    @Override
    public int write(long address, int length) {
        if (closed.get()) {
            return failed(LibC.EBADF, true);
        }
        return writeResult(rawWrite(address - headroom, length + headroom));
    }

    /** As {@link #readResult} for a write that returned {@code n}. */
    public int writeResult(int n) {
        if (n >= 0) {
            return n - headroom;
        }
        return failed(-n, true);
    }

    @Override
    public int lastErrno() {
        return lastError >> 1;
    }

    @Override
    public String lastFailure() {
        int last = lastError;
        return describe((last & 1) != 0 ? "write" : "read", last >> 1);
    }

    /**
     * The status of a failed call with {@code errno}: {@link #WOULD_BLOCK} for EAGAIN, {@link #GONE}
     * when the device or our fd no longer exists (EBADFD, EBADF, ENODEV, ENXIO, end of file),
     * {@link #FAILED} for any other (EIO, EINVAL, ...).
     */
    public static int status(int errno) {
        switch (errno) {
            case LibC.EAGAIN:
                return WOULD_BLOCK;
            case LibC.EBADFD: // tun file detached: the device was unregistered
            case LibC.EBADF:  // our fd was closed
            case LibC.ENODEV:
            case LibC.ENXIO:
            case EOF:
                return GONE;
            default:
                return FAILED;
        }
    }

    /** Keeps the errno of a failure (not of EAGAIN) for {@link #lastFailure()}; returns its status. */
    private int failed(int errno, boolean write) {
        int status = status(errno);
        if (status != WOULD_BLOCK) {
            lastError = errno << 1 | (write ? 1 : 0); // one int store: a log line never sees half of it
        }
        return status;
    }

    /** read(2) of the fd: bytes read, 0 at end of file, or -errno. EINTR is retried. */
    private int rawRead(long address, int length) {
        if (NETTY_READ != null) {
            try {
                return (int) NETTY_READ.invokeExact(fd, address, 0, length);
            } catch (Throwable t) {
                throw new IllegalStateException("Netty native read", t); // the handle was checked at class init
            }
        }
        while (true) {
            long n = LibC.read(fd, address, length);
            if (n >= 0) {
                return (int) n;
            }
            int err = Native.getLastError();
            if (err != LibC.EINTR) {
                return -err;
            }
        }
    }

    /** write(2) of the fd: bytes written or -errno. EINTR is retried. */
    private int rawWrite(long address, int length) {
        if (NETTY_WRITE != null) {
            try {
                return (int) NETTY_WRITE.invokeExact(fd, address, 0, length);
            } catch (Throwable t) {
                throw new IllegalStateException("Netty native write", t);
            }
        }
        while (true) {
            long n = LibC.write(fd, address, length);
            if (n >= 0) {
                return (int) n;
            }
            int err = Native.getLastError();
            if (err != LibC.EINTR) {
                return -err;
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
            throw new IOException(describe("TUNSETCARRIER", e.getErrorCode()));
        }
    }

    /** Closes the fd (idempotent). A TAP created by {@link #open} disappears with it. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LibC.closeQuietly(fd);
    }

    @Override
    public String toString() {
        return "TapDevice[" + ifname + (netns == null ? "" : " in " + netns) + ", fd " + fd
                + (attached ? ", attached" : "") + (headroom > 0 ? ", offload " + describeOffloads(offloads) : "") + (closed.get() ? ", closed" : "") + "]";
    }

    /** One line for a log on a failed {@code op} with {@code errno}. */
    private String describe(String op, int errno) {
        String what = "TAP \"" + ifname + "\" " + where(netns);
        if (errno == 0) {
            return what + ": no failure";
        }
        if (errno == EOF) {
            return what + " is gone (" + op + ": end of file)";
        }
        if (status(errno) == GONE) {
            return what + " is " + (closed.get() ? "closed" : "gone") + " (" + op + ": " + LibC.describe(errno) + ")";
        }
        return op + " on " + what + " failed: " + LibC.describe(errno);
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
    private static int createHere(String ifname, short vnet) throws IOException {
        int fd = openTun();
        int err = tunSetIff(fd, ifname, (short) (LibC.IFF_TAP | LibC.IFF_NO_PI | LibC.IFF_TUN_EXCL | vnet));
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
    private static int createInto(String ifname, String netns, short vnet) throws IOException {
        int nsFd = NetworkNamespace.openFd(netns);
        try {
            for (int attempt = 0; attempt < 32; attempt++) {
                String tmp = String.format("trt%05d", ThreadLocalRandom.current().nextInt(100_000));
                int fd = openTun();
                int err = tunSetIff(fd, tmp, (short) (LibC.IFF_TAP | LibC.IFF_NO_PI | LibC.IFF_TUN_EXCL | vnet));
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
    private static int attachHere(String ifname, String netns, short vnet) throws IOException {
        String noSuch = "no persistent TAP \"" + ifname + "\" " + where(netns);
        if (LibC.if_nametoindex(ifname) == 0) {
            throw new IOException(noSuch);
        }
        int fd = openTun();
        boolean ok = false;
        try {
            int err = tunSetIff(fd, ifname, (short) (LibC.IFF_TAP | LibC.IFF_NO_PI | vnet));
            // (vnet may carry IFF_MULTI_QUEUE too: openQueues)
            if (err == LibC.EBUSY) {
                throw new IOException("TAP \"" + ifname + "\" " + where(netns)
                        + " is busy (already attached by another process)");
            }
            if (err == LibC.EINVAL) {
                throw new IOException("\"" + ifname + "\" " + where(netns) + ((vnet & LibC.IFF_MULTI_QUEUE) != 0
                        ? " is not a multi-queue TAP device (ip tuntap add ... multi_queue)" : " is not a single-queue TAP device"));
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
