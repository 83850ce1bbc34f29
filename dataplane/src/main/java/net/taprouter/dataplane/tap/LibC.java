package net.taprouter.dataplane.tap;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The few libc calls the TAP layer needs, bound with JNA direct mapping (static natives, primitive arguments
 * where it matters). Linux only. Calls on the per-packet/poll path take raw addresses and report errno through
 * {@link Native#getLastError()} so that EAGAIN/EINTR allocate nothing; control-path calls throw
 * {@link LastErrorException}.
 */
final class LibC {
    static {
        Native.register(LibC.class, Platform.C_LIBRARY_NAME);
    }

    private LibC() {
    }

    // fcntl.h
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;

    // sched.h
    static final int CLONE_NEWNET = 0x40000000;

    // sys/eventfd.h
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;

    // sys/epoll.h
    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;
    static final int EPOLLIN = 0x001;
    static final int EPOLLOUT = 0x004;
    static final int EPOLLERR = 0x008;
    static final int EPOLLHUP = 0x010;
    /** x86_64 packs struct epoll_event (u32 events; u64 data) into 12 bytes; elsewhere it is 16 (data at 8). */
    static final boolean EPOLL_PACKED = Platform.isIntel() && Platform.is64Bit();
    static final int EPOLL_EVENT_SIZE = EPOLL_PACKED ? 12 : 16;
    static final int EPOLL_DATA_OFFSET = EPOLL_PACKED ? 4 : 8;

    // linux/if_tun.h, net/if.h
    static final long TUNSETIFF = 0x400454caL;
    static final long TUNGETIFF = 0x800454d2L;
    /** _IOW('T', 226, int): the carrier the kernel side sees (Linux 4.20+). */
    static final long TUNSETCARRIER = 0x400454e2L;
    static final short IFF_TUN = 0x0001;
    static final short IFF_TAP = 0x0002;
    static final short IFF_NO_PI = 0x1000;
    static final short IFF_PERSIST = 0x0800;
    static final short IFF_TUN_EXCL = (short) 0x8000;
    /** A virtio-net header in front of every frame (Linux 2.6.27+). */
    static final short IFF_VNET_HDR = 0x4000;
    /** _IOW('T', 208, unsigned int), the flags passed by value: what offloads the reader accepts. */
    static final long TUNSETOFFLOAD = 0x400454d0L;
    /** _IOW('T', 216, int): the virtio-net header's size (10, or 12 with num_buffers). */
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    /** _IOW('T', 220, int): the virtio-net header is little-endian whatever the host's order. */
    static final long TUNSETVNETLE = 0x400454dcL;
    /** Several queues (one tun fd each) on one device (Linux 3.8+). */
    static final short IFF_MULTI_QUEUE = 0x0100;
    static final short IFF_ATTACH_QUEUE = 0x0200;
    /** TUNSETQUEUE: the kernel stops delivering to this queue; writes on it still go to the host. */
    static final short IFF_DETACH_QUEUE = 0x0400;
    /** _IOW('T', 217, int): attach or detach this fd's queue (ifr_flags IFF_ATTACH_QUEUE / IFF_DETACH_QUEUE). */
    static final long TUNSETQUEUE = 0x400454d9L;
    static final int IFNAMSIZ = 16;
    static final int IFREQ_SIZE = 40;
    static final int IFREQ_FLAGS_OFFSET = 16;

    // sys/socket.h, linux/netlink.h
    static final int AF_NETLINK = 16;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int NETLINK_ROUTE = 0;

    // errno.h (the ones we look at)
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int ENXIO = 6;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int EBUSY = 16;
    static final int EEXIST = 17;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int EBADFD = 77;

    static native int open(String path, int flags) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native int ioctl(int fd, long request, Pointer arg) throws LastErrorException;

    static native int setns(int fd, int nstype) throws LastErrorException;

    /** Returns 0 if there is no such interface in the calling thread's network namespace. */
    static native int if_nametoindex(String ifname);

    /** sched_setaffinity(2); pid 0: the calling thread. */
    static native int sched_setaffinity(int pid, long cpusetsize, byte[] mask) throws LastErrorException;

    static native int eventfd(int initval, int flags) throws LastErrorException;

    static native int epoll_create1(int flags) throws LastErrorException;

    static native int epoll_ctl(int epfd, int op, int fd, Pointer event) throws LastErrorException;

    /** errno via {@link Native#getLastError()}. */
    static native int epoll_wait(int epfd, long events, int maxevents, int timeout);

    /** errno via {@link Native#getLastError()}. */
    static native long read(int fd, long buf, long count);

    /** errno via {@link Native#getLastError()}. */
    static native long write(int fd, long buf, long count);

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native long send(int fd, Pointer buf, long len, int flags) throws LastErrorException;

    static native long recv(int fd, Pointer buf, long len, int flags) throws LastErrorException;

    /** close(2), ignoring errors; for cleanup paths. Negative fds are ignored. */
    static void closeQuietly(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            close(fd);
        } catch (LastErrorException ignored) {
            // nothing sensible to do on a cleanup path
        }
    }

    /** "EBADFD (File descriptor in bad state)" style text for messages. */
    static String describe(int errno) {
        String name;
        String text;
        switch (errno) {
            case EPERM: name = "EPERM"; text = "Operation not permitted"; break;
            case ENOENT: name = "ENOENT"; text = "No such file or directory"; break;
            case EINTR: name = "EINTR"; text = "Interrupted system call"; break;
            case EIO: name = "EIO"; text = "Input/output error"; break;
            case ENXIO: name = "ENXIO"; text = "No such device or address"; break;
            case EBADF: name = "EBADF"; text = "Bad file descriptor"; break;
            case EAGAIN: name = "EAGAIN"; text = "Resource temporarily unavailable"; break;
            case 12: name = "ENOMEM"; text = "Cannot allocate memory"; break;
            case 13: name = "EACCES"; text = "Permission denied"; break;
            case 14: name = "EFAULT"; text = "Bad address"; break;
            case EBUSY: name = "EBUSY"; text = "Device or resource busy"; break;
            case EEXIST: name = "EEXIST"; text = "File exists"; break;
            case ENODEV: name = "ENODEV"; text = "No such device"; break;
            case EINVAL: name = "EINVAL"; text = "Invalid argument"; break;
            case 23: name = "ENFILE"; text = "Too many open files in system"; break;
            case 24: name = "EMFILE"; text = "Too many open files"; break;
            case 25: name = "ENOTTY"; text = "Inappropriate ioctl for device"; break;
            case 32: name = "EPIPE"; text = "Broken pipe"; break;
            case 36: name = "ENAMETOOLONG"; text = "File name too long"; break;
            case EBADFD: name = "EBADFD"; text = "File descriptor in bad state"; break;
            case 90: name = "EMSGSIZE"; text = "Message too long"; break;
            case 95: name = "EOPNOTSUPP"; text = "Operation not supported"; break;
            case 105: name = "ENOBUFS"; text = "No buffer space available"; break;
            default: return "errno " + errno;
        }
        return name + " (" + text + ")";
    }
}
