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

    public boolean allows(int uid, int[] gids) {
        if (uid == 0) {
            return true;
        }
        if (allowedGid >= 0 && gids != null) {
            for (int gid : gids) {
                if (gid == allowedGid) {
                    return true;
                }
            }
        }
        return false;
    }

    public String refusal() {
        return "permission denied: routerd serves only root" + (groupName != null ? " and members of group \"" + groupName + "\"" : "");
    }
}
