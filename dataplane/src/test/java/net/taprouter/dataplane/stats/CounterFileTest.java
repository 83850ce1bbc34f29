package net.taprouter.dataplane.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The counter file is created with its final mode, replaces stale files, and never follows a link. */
class CounterFileTest {
    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("cft-");
    }

    @AfterEach
    void tearDown() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @Test
    void createdWith0640AndReadable() throws IOException {
        Path file = dir.resolve("r.counters");
        try (CounterFile counters = CounterFile.create(file.toFile(), 16)) {
            // the mode as created (the process umask is 022 or stricter), no chmod afterwards
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)));
            counters.newCounter("x").set(42);
            assertEquals(42, CounterFile.openReader(file.toFile()).getCounterValue(0));
        }
        assertFalse(Files.exists(file), "removed on close");
    }

    @Test
    void aStaleFileIsReplaced() throws IOException {
        Path file = dir.resolve("r.counters");
        Files.writeString(file, "stale");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        try (CounterFile counters = CounterFile.create(file.toFile(), 16)) {
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertTrue(Files.size(file) > 1000);
        }
    }

    @Test
    void aPlantedSymlinkIsRefusedAndItsTargetUntouched() throws IOException {
        Path target = dir.resolve("victim");
        Files.writeString(target, "precious");
        Path file = dir.resolve("r.counters");
        Files.createSymbolicLink(file, target);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CounterFile.create(file.toFile(), 16));
        assertEquals("counter file " + file + " is a symbolic link; not following it (remove it if it is yours)", e.getMessage());
        assertEquals("precious", Files.readString(target));
        assertTrue(Files.isSymbolicLink(file));
    }
}
