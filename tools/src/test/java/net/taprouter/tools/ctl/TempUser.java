package net.taprouter.tools.ctl;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.tools.Cleanup;
import net.taprouter.tools.Sh;

/**
 * A throw-away system user (no home, nologin shell) and a group, named {@code trt<pid><tag>u/g};
 * both are deleted by {@link #close()} (or by the shutdown hook).
 */
final class TempUser implements AutoCloseable {
    final String user;
    final String group;
    private final List<String[]> undo = new ArrayList<>();

    TempUser(String tag) {
        String base = "trt" + (ProcessHandle.current().pid() % 100000) + tag;
        user = base + "u";
        group = base + "g";
        Cleanup.register(this);
        // leftovers of an earlier run with the same pid: remove them first
        Sh.cmd("userdel", user).timeoutSeconds(10).run();
        Sh.cmd("groupdel", group).timeoutSeconds(10).run();
        Sh.ok("groupadd", group);
        undo.add(new String[] {"groupdel", group});
        Sh.ok("useradd", "-M", "-s", "/usr/sbin/nologin", user);
        undo.add(0, new String[] {"userdel", user});
    }

    /** Adds the user to the group as a supplementary member ({@code usermod -aG}). */
    void joinGroup() {
        Sh.ok("usermod", "-aG", group, user);
    }

    int uid() {
        return Integer.parseInt(Sh.ok("id", "-u", user).out().trim());
    }

    static boolean exists(String kind, String name) {
        return Sh.cmd("getent", kind, name).timeoutSeconds(10).run().ok();
    }

    @Override
    public void close() {
        for (String[] cmd : undo) {
            Sh.cmd(cmd).timeoutSeconds(10).run();
        }
        undo.clear();
        // useradd made a user private group of the same name; userdel removes it, but be sure
        if (exists("group", user)) {
            Sh.cmd("groupdel", user).timeoutSeconds(10).run();
        }
        // the JVMs that ran as the user (routerctl) left their perf-data directory
        Sh.cmd("rm", "-rf", "--", "/tmp/hsperfdata_" + user).timeoutSeconds(10).run();
        Cleanup.unregister(this);
    }
}
