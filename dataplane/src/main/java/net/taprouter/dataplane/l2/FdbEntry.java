package net.taprouter.dataplane.l2;

/**
 * A copy of one FDB entry, for display and for control transactions (off the hot path).
 *
 * @param bridge         the bridge's interface index
 * @param vlan           0 on a bridge without VLAN filtering, else the VLAN (1-4094)
 * @param mac            the MAC
 * @param port           the port index it is on (-1 in an undo record: there was no entry)
 * @param isStatic       added by {@code fdb add} (never ages, never moves)
 * @param lastSeenMillis a learned entry's last-seen time on the worker's clock (ms); 0 for static
 * @param ageMillis      how long ago a learned entry was last seen; 0 for static
 */
public record FdbEntry(int bridge, int vlan, long mac, int port, boolean isStatic, long lastSeenMillis, long ageMillis) {
    /** The entry as {@link Fdb#value} packs it. */
    public long packed() {
        return Fdb.pack(port, isStatic, lastSeenMillis);
    }
}
