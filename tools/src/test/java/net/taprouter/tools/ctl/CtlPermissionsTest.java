package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import net.taprouter.tools.Namespaces;
import net.taprouter.tools.Sh;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Who may use the control socket: root, and members of {@code --group}; everyone else is refused
 * by the file permissions and, behind them, by routerd's SO_PEERCRED check.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90)
class CtlPermissionsTest {
    private static final String CONFIG = "# no ports: permissions only\nforwarding on\n";
    private TempUser u;

    @BeforeAll
    void setUp() {
        Namespaces.assumeNetnsCapable();
        u = new TempUser("p");
        u.joinGroup();
        // the user must be able to run bin/routerctl from the repository
        Sh.Result v = Sh.cmd("runuser", "-u", u.user, "--", "test", "-r",
                net.taprouter.tools.Routerd.repoRoot().resolve("control/target/control.jar").toString()).run();
        assertTrue(v.ok(), "user " + u.user + " cannot read control.jar\n" + v.describe());
    }

    @AfterAll
    void tearDown() {
        if (u != null) {
            u.close();
            assertFalse(TempUser.exists("passwd", u.user), "user " + u.user + " left behind");
            assertFalse(TempUser.exists("group", u.group), "group " + u.group + " left behind");
            assertFalse(TempUser.exists("group", u.user), "group " + u.user + " left behind");
            assertFalse(Files.exists(java.nio.file.Path.of("/tmp/hsperfdata_" + u.user)), "/tmp/hsperfdata_" + u.user + " left behind");
        }
    }

    private static void assertRefused(Sh.Result r, String diag) {
        String what = r.describe() + diag;
        assertNotEquals(0, r.exit(), "a non-member must be refused\n" + what);
        List<String> err = CtlCheck.lines(r.err());
        assertEquals(1, err.size(), "expected one line on stderr\n" + what);
        assertTrue(err.get(0).startsWith("routerctl: "), "stderr must start with 'routerctl: '\n" + what);
        assertTrue(err.get(0).toLowerCase().contains("permission denied"), "expected 'permission denied'\n" + what);
        assertTrue(r.out().isEmpty(), "nothing on stdout\n" + what);
    }

    @Test
    void defaultSocketRefusesOtherUsersByFileMode() throws IOException {
        try (CtlDaemon d = CtlDaemon.start("perm-a", CONFIG)) {
            PosixFileAttributes a = Files.readAttributes(d.socket(), PosixFileAttributes.class);
            assertEquals("rw-rw----", PosixFilePermissions.toString(a.permissions()), "socket mode");
            Sh.Result r = d.ctlAs(u.user, null, "link", "show");
            assertRefused(r, d.diag());
            d.ctlOk("link", "show"); // root is served
        }
    }

    @Test
    void peerCredentialsRefuseNonMemberEvenWhenSocketIsWorldWritable() throws IOException {
        try (CtlDaemon d = CtlDaemon.start("perm-b", CONFIG)) {
            Files.setPosixFilePermissions(d.socket(), PosixFilePermissions.fromString("rw-rw-rw-"));
            int uid = u.uid();
            // several attempts: the refusal must reach the client every time, not only when the
            // client's request write wins the race against routerd closing the connection
            for (int i = 0; i < 5; i++) {
                Sh.Result r = d.ctlAs(u.user, null, "forwarding", "off");
                assertRefused(r, "\n(attempt " + (i + 1) + " of 5)" + d.diag());
            }
            assertTrue(d.stderr().contains("refused control connection from uid " + uid),
                    "routerd should log 'refused control connection from uid " + uid + "'" + d.diag());
            assertEquals("forwarding on", d.ctlOk("forwarding", "show").out().strip(),
                    "a refused client changed the forwarding switch" + d.diag());
            d.ctlOk("link", "show");
        }
    }

    @Test
    void groupMembersAreServed() throws IOException {
        try (CtlDaemon d = CtlDaemon.start("perm-c", CONFIG, "--group", u.group)) {
            PosixFileAttributes a = Files.readAttributes(d.socket(), PosixFileAttributes.class);
            assertEquals("rw-rw----", PosixFilePermissions.toString(a.permissions()), "socket mode");
            assertEquals(u.group, a.group().getName(), "socket group");
            assertEquals("root", a.owner().getName(), "socket owner");

            // the usual way to be "in the group": a supplementary membership (usermod -aG)
            Sh.Result show = d.ctlAs(u.user, null, "forwarding", "show");
            if (!show.ok()) {
                // diagnosis for the report: is it served when G is the process's primary group?
                Sh.Result primary = d.ctlAs(u.user, u.group, "forwarding", "show");
                assertTrue(false, "member (supplementary group " + u.group + ", `id " + u.user + "`: "
                        + Sh.run("id", u.user).out().strip() + ") was not served:\n" + show.describe()
                        + "\n--- same user with " + u.group + " as primary group (runuser -g) ---\n" + primary.describe()
                        + d.diag());
            }
            assertEquals("forwarding on", show.out().strip(), show.describe());
            Sh.Result off = d.ctlAs(u.user, null, "forwarding", "off");
            assertEquals(0, off.exit(), "member's write refused\n" + off.describe() + d.diag());
            assertEquals("forwarding off", d.ctlOk("forwarding", "show").out().strip(), "member's write not applied");
            d.ctlOk("forwarding", "on"); // root is served too
            assertFalse(d.stderr().contains("refused control connection"), "a member was refused" + d.diag());
        }
    }
}
