package net.taprouter.control.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * routerd's files in shared directories (pid file, control socket), made so that a symbolic link
 * planted at their path is never followed and no other user sees them with wider modes than
 * their final ones: the pid file is created with O_CREAT|O_EXCL|O_NOFOLLOW and its mode; the
 * socket is bound in a fresh private (0700) directory, given its mode and group there, and
 * hard-linked into place (never over an existing file). A symbolic link at either path is refused with a message.
 */
final class RuntimeFiles {
    static final Set<PosixFilePermission> PIDFILE_MODE = PosixFilePermissions.fromString("rw-r--r--");
    static final Set<PosixFilePermission> SOCKET_MODE = PosixFilePermissions.fromString("rw-rw----");
    /** sun_path holds 108 bytes including the terminating NUL. */
    static final int MAX_SOCKET_PATH = 107;

    /** Binds a socket at the given path (the control server). */
    @FunctionalInterface
    interface Binder {
        void bind(String path) throws Exception;
    }

    private RuntimeFiles() {
    }

    /** Refuses a symbolic link at {@code path} ({@code what}: "pid file", "socket"...). */
    static void refuseSymlink(Path path, String what) throws IOException {
        if (Files.isSymbolicLink(path)) {
            throw new IOException(what + " " + path + " is a symbolic link; not following it (remove it if it is yours)");
        }
    }

    /** Writes our pid to a new file at {@code path} (a stale regular file is replaced; a link refused). */
    static void writePidfile(Path path) throws IOException {
        refuseSymlink(path, "pid file");
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("pid file " + path + " is a directory");
        }
        Files.deleteIfExists(path); // a stale file of a routerd that did not stop cleanly
        try (SeekableByteChannel out = Files.newByteChannel(path,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PIDFILE_MODE))) {
            out.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("pid file " + path + " appeared while routerd created it; not touching it");
        }
    }

    /**
     * Binds the socket in a private directory next to {@code socket}, sets its final mode (and
     * group), and links it to {@code socket} with link(2), which fails if anything is there: two
     * routerds that both found the path free (see the probe in RouterDaemon) cannot take over each
     * other's socket; the second gets "another routerd is serving". Returns the socket's file key
     * (device and inode), for {@link #deleteSocketIfOurs}.
     */
    static Object bindSocket(Path socket, GroupPrincipal group, Binder binder) throws Exception {
        refuseSymlink(socket, "socket");
        Path dir = socket.toAbsolutePath().getParent();
        Path privateDir = Files.createTempDirectory(dir, ".rd"); // mode 0700
        Path temporary = privateDir.resolve("s");
        try {
            if (temporary.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
                throw new IOException("socket path " + socket + " is too long (routerd binds it as " + temporary
                    + ", at most " + MAX_SOCKET_PATH + " bytes)");
            }
            binder.bind(temporary.toString());
            // in our 0700 directory nobody else can replace it (and a socket cannot be opened for fchmod)
            PosixFileAttributeView view = Files.getFileAttributeView(temporary, PosixFileAttributeView.class);
            view.setPermissions(SOCKET_MODE);
            if (group != null) {
                view.setGroup(group);
            }
            Object key = fileKey(temporary);
            try {
                Files.createLink(socket, temporary);
            } catch (FileAlreadyExistsException e) {
                throw new IOException("another routerd is serving " + socket + " (it appeared while this one started)");
            }
            return key;
        } finally {
            Files.deleteIfExists(temporary);
            Files.deleteIfExists(privateDir);
        }
    }

    /** Removes the socket at {@code socket} if it is still the one {@link #bindSocket} made (its file key). */
    static void deleteSocketIfOurs(Path socket, Object key) throws IOException {
        if (key != null && key.equals(fileKey(socket))) {
            Files.deleteIfExists(socket);
        }
    }

    private static Object fileKey(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }
}
