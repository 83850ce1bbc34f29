package net.taprouter.control.server;

/**
 * Who may use the control socket: uid 0, or a member of the configured group (the socket file
 * is 0660 root:GROUP), decided from the peer's SO_PEERCRED credentials.
 */
public final class PeerPolicy {
    private final int allowedGid;
    private final String groupName;

    /** {@code allowedGid} -1: root only. */
    public PeerPolicy(int allowedGid, String groupName) {
        this.allowedGid = allowedGid;
        this.groupName = groupName;
    }

    /**
     * SO_PEERCRED carries only the peer's primary group; its supplementary groups (a member added
     * with {@code usermod -aG}) are read from /proc/PID/status of the connecting process.
     */
    public boolean allows(int uid, int[] gids, int pid) {
        if (uid == 0) {
            return true;
        }
        if (allowedGid < 0) {
            return false;
        }
        if (gids != null) {
            for (int gid : gids) {
                if (gid == allowedGid) {
                    return true;
                }
            }
        }
        for (int gid : supplementaryGroups(pid)) {
            if (gid == allowedGid) {
                return true;
            }
        }
        return false;
    }

    /** The "Groups:" line of /proc/PID/status; empty if the process is gone. */
    static int[] supplementaryGroups(int pid) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("Groups:")) {
                    String list = line.substring("Groups:".length()).strip();
                    return list.isEmpty() ? new int[0]
                        : java.util.Arrays.stream(list.split("\\s+")).mapToInt(Integer::parseInt).toArray();
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return new int[0];
        }
        return new int[0];
    }

    public String refusal() {
        return "permission denied: routerd serves only root" + (groupName != null ? " and members of group \"" + groupName + "\"" : "");
    }
}
