package net.taprouter.dataplane.tap;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("netns")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NetworkNamespaceTest {

    private static String ownNetNs() throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
    }

    @Test
    void invalidNamesDoNotExist() {
        assertFalse(NetworkNamespace.exists(null));
        assertFalse(NetworkNamespace.exists(""));
        assertFalse(NetworkNamespace.exists(".."));
        assertFalse(NetworkNamespace.exists("a/b"));
        assertFalse(NetworkNamespace.exists(NetnsFixture.uniqueName()));
    }

    @Test
    void callRunsInsideTheNamespaceOnAnotherThread() throws Exception {
        NetnsFixture.assumeRootWithNetns();
        try (NetnsFixture ns = NetnsFixture.create()) {
            assertTrue(NetworkNamespace.exists(ns.name));
            ns.exec("ip", "link", "add", "probe0", "type", "bridge");
            String before = ownNetNs();
            long nsInode = (Long) Files.getAttribute(NetworkNamespace.path(ns.name), "unix:ino");
            Thread caller = Thread.currentThread();
            String inside = NetworkNamespace.call(ns.name, () -> {
                assertNotEquals(caller, Thread.currentThread());
                assertTrue(LibC.if_nametoindex("probe0") > 0, "bridge visible inside");
                return ownNetNs();
            });
            assertEquals("net:[" + nsInode + "]", inside);
            assertEquals(before, ownNetNs(), "caller's namespace unchanged");
            assertEquals(0, LibC.if_nametoindex("probe0"));

            IOException thrown = new IOException("boom");
            assertSame(thrown, assertThrows(IOException.class, () -> NetworkNamespace.run(ns.name, () -> {
                throw thrown;
            })));
        }
    }

    @Test
    void callOnMissingNamespace() {
        NetnsFixture.assumeRootWithNetns();
        String missing = NetnsFixture.uniqueName();
        IOException e = assertThrows(IOException.class, () -> NetworkNamespace.call(missing, () -> 1));
        assertEquals("no such network namespace \"" + missing + "\"", e.getMessage());
    }
}
