package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import net.taprouter.tools.Routerd;
import net.taprouter.tools.Sh;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code routerd --daemon --log FILE} never appends through a planted symbolic link. */
@Timeout(60)
class CtlDaemonLogTest {
    @Test
    void aSymlinkedLogIsRefusedAndItsTargetUntouched() throws IOException {
        Path dir = CtlDaemon.newDir("log");
        try {
            Path victim = dir.resolve("victim");
            Files.writeString(victim, "precious\n");
            Path log = dir.resolve("r.log");
            Files.createSymbolicLink(log, victim);
            Sh.Result r = Sh.cmd(Routerd.routerdBin().toString(), "--daemon", "--log", log.toString(), "--socket",
                    dir.resolve("r.sock").toString(), "--counters", dir.resolve("r.counters").toString(), "--pidfile",
                    dir.resolve("r.pid").toString())
                    .timeout(Duration.ofSeconds(40)).run();
            assertEquals(1, r.exit(), r.describe());
            assertTrue(r.err().contains("log file " + log + " is a symbolic link; not following it"), r.err());
            assertEquals("precious\n", Files.readString(victim), "the link's target was written");
            assertTrue(Files.isSymbolicLink(log));
        } finally {
            Path pidfile = dir.resolve("r.pid");
            if (Files.exists(pidfile)) { // it started (the bug): stop it
                long pid = Long.parseLong(Files.readString(pidfile).strip());
                ProcessHandle.of(pid).ifPresent(p -> {
                    p.destroy();
                    p.onExit().orTimeout(20, java.util.concurrent.TimeUnit.SECONDS).join();
                });
            }
            Routerd.deleteTree(dir);
        }
    }
}
