package net.taprouter.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import net.taprouter.dataplane.io.IoMode;
import org.junit.jupiter.api.Test;

/** routerd's {@code --io} option; a missing value, usage errors and unusable files as one line that names the problem. */
class DaemonOptionsTest {
    @Test
    void ioDefaultsToEpollAndTakesIoUring() {
        assertEquals(IoMode.IO_URING, DaemonOptions.parse(new String[0]).io);
        assertEquals(IoMode.IO_URING, DaemonOptions.parse(new String[] {"--io", "io_uring"}).io);
        assertEquals(IoMode.EPOLL, DaemonOptions.parse(new String[] {"--io", "epoll"}).io);
    }

    @Test
    void aBadIoModeIsRefusedWithTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> DaemonOptions.parse(new String[] {"--io", "uring"}));
        assertEquals("--io takes epoll or io_uring, not \"uring\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DaemonOptions.parse(new String[] {"--io"}));
        assertEquals("--io needs epoll or io_uring", e.getMessage());
        assertTrue(DaemonOptions.usage().contains("[--io epoll|io_uring]"));
    }

    private static String refusal(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> DaemonOptions.parse(args), String.join(" ", args)).getMessage();
    }

    @Test
    void anOptionIsNotTakenAsTheValueOfAnother() {
        assertEquals("--config needs a FILE", refusal("--config", "--socket", "/tmp/x.sock"));
        assertEquals("--config needs a FILE", refusal("--config"));
        assertEquals("--socket needs a PATH", refusal("--socket", "--config", "f"));
        assertEquals("--pidfile needs a PATH", refusal("--pidfile", "--group", "wheel"));
        assertEquals("--workers needs a number", refusal("--workers", "--cpus", "0"));
        assertEquals("/tmp/-odd.conf", DaemonOptions.parse(new String[] {"--config", "/tmp/-odd.conf"}).config);
    }

    private record Printed(int status, String out, String err) {
    }

    private static Printed refused(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DaemonOptions.parse(args));
        int status = RouterDaemon.refused(e, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Printed(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aUsageErrorIsOneLineAndHelpPrintsTheUsage() {
        Printed p = refused("--config", "--socket", "X");
        assertEquals(new Printed(2, "", "routerd: --config needs a FILE\n"), p);
        p = refused("--bogus");
        assertEquals(new Printed(2, "", "routerd: unknown option \"--bogus\" (routerd --help)\n"), p);
        p = refused("--help");
        assertEquals(new Printed(0, DaemonOptions.usage() + "\n", ""), p);
        assertEquals(p, refused("-h"));
    }

    /** Runs routerd with {@code args}, which must fail before anything starts; what it printed on stderr. */
    private static String failedStart(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(1, RouterDaemon.run(DaemonOptions.parse(args)));
        } finally {
            System.setErr(saved);
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aFileRouterdCannotUseIsNamedWithTheReason() throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "rdo-");
        String socket = dir.resolve("r.sock").toString();
        Path binary = dir.resolve("binary.conf");
        Files.write(binary, new byte[] {'#', ' ', (byte) 0xc3, '\n'});
        try {
            assertEquals("routerd: cannot read config /nonexistent/x.conf: No such file or directory\n",
                failedStart("--config", "/nonexistent/x.conf", "--socket", socket));
            assertEquals("routerd: cannot read config " + binary + ": not UTF-8 text (bad byte at offset 2)\n",
                failedStart("--config", binary.toString(), "--socket", socket));
            assertEquals("routerd: cannot write pidfile /nonexistent/dir/p: No such file or directory\n",
                failedStart("--pidfile", "/nonexistent/dir/p", "--socket", socket));
            assertEquals("routerd: cannot write pidfile " + binary + "/p: Not a directory\n",
                failedStart("--pidfile", binary + "/p", "--socket", socket));
            assertEquals("/nonexistent/p: No such file or directory", RouterDaemon.message(new NoSuchFileException("/nonexistent/p")));
        } finally {
            Files.delete(binary);
            try (var left = Files.list(dir)) {
                for (Path p : left.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }
}
