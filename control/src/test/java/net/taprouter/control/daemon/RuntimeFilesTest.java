package net.taprouter.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The control socket is put in place without replacing a live one, and removed only if it is still ours. */
class RuntimeFilesTest {
    private Path dir;
    private final List<ServerSocketChannel> bound = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "rft-");
    }

    @AfterEach
    void tearDown() throws IOException {
        for (ServerSocketChannel s : bound) {
            s.close();
        }
        try (var left = Files.list(dir)) {
            for (Path p : left.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    private void bind(String path) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        bound.add(s);
    }

    private static boolean answers(Path socket) {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aSecondBindDoesNotReplaceALiveSocket() throws Exception {
        Path socket = dir.resolve("r.sock");
        Object first = RuntimeFiles.bindSocket(socket, null, this::bind);
        assertTrue(answers(socket));
        // a second routerd that passed the probe at the same moment as the first
        IOException e = assertThrows(IOException.class, () -> RuntimeFiles.bindSocket(socket, null, this::bind));
        assertTrue(e.getMessage().contains("another routerd is serving " + socket), e.getMessage());
        assertEquals(first, Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey(), "still the first's socket");
        assertTrue(answers(socket));
        try (var left = Files.list(dir)) {
            assertEquals(List.of(socket), left.toList(), "no private bind directory left behind");
        }
    }

    @Test
    void onlyOurOwnSocketIsRemoved() throws Exception {
        Path socket = dir.resolve("r.sock");
        Object ours = RuntimeFiles.bindSocket(socket, null, this::bind);
        Files.delete(socket); // someone else's socket now sits at the path
        bind(socket.toString());
        RuntimeFiles.deleteSocketIfOurs(socket, ours);
        assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "another's socket was deleted");
        Files.delete(socket);
        Object again = RuntimeFiles.bindSocket(socket, null, this::bind);
        RuntimeFiles.deleteSocketIfOurs(socket, again);
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
    }
}
