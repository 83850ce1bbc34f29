package net.taprouter.dataplane.l2;

import java.util.Arrays;

/**
 * The VLANs of one bridge port (iproute2's {@code bridge vlan} of a port): the VLANs it is a
 * member of, which of them leave it untagged, and its pvid (the VLAN of untagged and
 * priority-tagged frames it receives; 0: none, such frames are dropped). Immutable: the control
 * thread makes a new one for each change and publishes it with one volatile store
 * ({@code Port.vlans}); the forwarding path reads one reference per frame and tests bits, with
 * no allocation. A port joins a bridge with {@link #DEFAULT} (VLAN 1 pvid untagged: the Linux
 * bridge's default_pvid 1), whether or not the bridge filters VLANs (as a Linux bridge does).
 */
public final class PortVlans {
    /** VLAN ids 1-4094 (0 and 4095 are reserved). */
    public static final int MIN_VID = 1;
    public static final int MAX_VID = 4094;
    /** The Linux bridge's default_pvid. */
    public static final int DEFAULT_PVID = 1;
    /** No VLAN at all. */
    public static final PortVlans NONE = new PortVlans(new long[64], new long[64], 0);
    /** VLAN 1 pvid untagged. */
    public static final PortVlans DEFAULT = NONE.with(DEFAULT_PVID, true, true);

    private final long[] member;
    private final long[] untagged;
    private final int pvid;

    private PortVlans(long[] member, long[] untagged, int pvid) {
        this.member = member;
        this.untagged = untagged;
        this.pvid = pvid;
    }

    private static boolean bit(long[] bits, int vid) {
        return (bits[vid >>> 6] & 1L << vid) != 0;
    }

    /** True if frames of VLAN {@code vid} may enter and leave the port. */
    public boolean isMember(int vid) {
        return (vid & ~0xFFF) == 0 && bit(member, vid);
    }

    /** True if the port is a member of {@code vid} and sends its frames untagged. */
    public boolean isUntagged(int vid) {
        return (vid & ~0xFFF) == 0 && bit(untagged, vid);
    }

    /** The VLAN of untagged frames received (0: none). */
    public int pvid() {
        return pvid;
    }

    /**
     * {@code bridge vlan add vid VID [pvid] [untagged]}: as Linux, the flags are set anew (an
     * existing VLAN without {@code untagged} becomes tagged; {@code pvid} moves the pvid here; a
     * VLAN that was the pvid and is added again without {@code pvid} stops being it).
     */
    public PortVlans with(int vid, boolean isPvid, boolean isUntagged) {
        check(vid);
        long[] m = member.clone();
        long[] u = untagged.clone();
        m[vid >>> 6] |= 1L << vid;
        if (isUntagged) {
            u[vid >>> 6] |= 1L << vid;
        } else {
            u[vid >>> 6] &= ~(1L << vid);
        }
        int p = isPvid ? vid : pvid == vid ? 0 : pvid;
        return new PortVlans(m, u, p);
    }

    /** {@code bridge vlan del vid VID} (a pvid deleted leaves the port without one). */
    public PortVlans without(int vid) {
        check(vid);
        long[] m = member.clone();
        long[] u = untagged.clone();
        m[vid >>> 6] &= ~(1L << vid);
        u[vid >>> 6] &= ~(1L << vid);
        return new PortVlans(m, u, pvid == vid ? 0 : pvid);
    }

    /** The member VLANs in increasing order. */
    public int[] vids() {
        int n = 0;
        for (long w : member) {
            n += Long.bitCount(w);
        }
        int[] vids = new int[n];
        int k = 0;
        for (int vid = 0; vid < 4096; vid++) {
            if (bit(member, vid)) {
                vids[k++] = vid;
            }
        }
        return vids;
    }

    private static void check(int vid) {
        if (vid < MIN_VID || vid > MAX_VID) {
            throw new IllegalArgumentException("VLAN id " + vid + " out of 1-4094");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PortVlans v && v.pvid == pvid && Arrays.equals(v.member, member) && Arrays.equals(v.untagged, untagged);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(member) * 31 + pvid;
    }
}
