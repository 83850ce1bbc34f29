package net.taprouter.dataplane.io;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The libc calls an {@link IoUring} needs, bound with JNA direct mapping (primitive arguments
 * only: nothing allocates per call). The three io_uring system calls have no libc wrapper and go
 * through {@code syscall(2)} (x86_64 numbers). Helpers return {@code -errno} on failure instead of
 * throwing, so the data path allocates nothing.
 */
final class UringNative {
    static {
        Native.register(UringNative.class, Platform.C_LIBRARY_NAME);
    }

    static final long SYS_IO_URING_SETUP = 425;
    static final long SYS_IO_URING_ENTER = 426;
    static final long SYS_IO_URING_REGISTER = 427;

    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_SHARED = 0x01;
    static final int MAP_POPULATE = 0x8000;

    static final int EPERM = 1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EBUSY = 16;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;
    static final int ETIME = 62;
    static final int ECANCELED = 125;
    static final int ENOENT = 2;
    static final int EALREADY = 114;

    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;

    private UringNative() {
    }

    static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    static native long mmap(long address, long length, int protection, int flags, int fd, long offset);

    static native int munmap(long address, long length);

    static native int close(int fd);

    static native int eventfd(int initval, int flags);

    static native long read(int fd, long buf, long count);

    static native long write(int fd, long buf, long count);

    /** pipe2(2) (tests). */
    static native int pipe2(int[] fds, int flags);

    /** io_uring_setup(2): the ring's fd, or -errno. */
    static int setup(int entries, long params) {
        long r = syscall(SYS_IO_URING_SETUP, entries, params, 0, 0, 0, 0);
        return r < 0 ? -Native.getLastError() : (int) r;
    }

    /** io_uring_enter(2): SQEs consumed, or -errno. */
    static int enter(int ringFd, int toSubmit, int minComplete, int flags, long arg, long argSize) {
        long r = syscall(SYS_IO_URING_ENTER, ringFd, toSubmit, minComplete, flags, arg, argSize);
        return r < 0 ? -Native.getLastError() : (int) r;
    }

    /** io_uring_register(2): its result, or -errno. */
    static int register(int ringFd, int opcode, long arg, int count) {
        long r = syscall(SYS_IO_URING_REGISTER, ringFd, opcode, arg, count, 0, 0);
        return r < 0 ? -Native.getLastError() : (int) r;
    }

    /** "EPERM", "ENOSYS", ... for the few errnos a ring setup reports; else "errno N". */
    static String errnoName(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM (io_uring disabled: kernel.io_uring_disabled or a seccomp filter)";
            case ENOSYS -> "ENOSYS (no io_uring in this kernel)";
            case ENOMEM -> "ENOMEM (RLIMIT_MEMLOCK too low?)";
            case EINVAL -> "EINVAL";
            case EAGAIN -> "EAGAIN";
            default -> "errno " + errno;
        };
    }
}
