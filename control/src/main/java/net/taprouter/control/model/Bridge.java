package net.taprouter.control.model;

import net.taprouter.dataplane.l2.FdbTables;

/**
 * A bridge's settings as configured (control thread only; what {@code link show} and {@code save}
 * print): the FDB ageing time and bounds, VLAN filtering. The FDB itself lives in each forwarding worker.
 */
public final class Bridge {
    public static final int DEFAULT_AGEING_SECONDS = (int) (FdbTables.DEFAULT_AGEING_MILLIS / 1000);
    public static final int MAX_AGEING_SECONDS = 1_000_000;
    public static final int MAX_FDB = 1 << 24;

    private int ageingSeconds = DEFAULT_AGEING_SECONDS;
    private int fdbMax = FdbTables.DEFAULT_MAX_ENTRIES;
    private int fdbPortLimit = FdbTables.DEFAULT_PORT_LIMIT;
    private boolean vlanFiltering;

    /** Seconds a learned entry lives unseen (0: forever). */
    public int ageingSeconds() {
        return ageingSeconds;
    }

    public void ageingSeconds(int seconds) {
        this.ageingSeconds = seconds;
    }

    /** Bound on the FDB's entries (learned and static). */
    public int fdbMax() {
        return fdbMax;
    }

    public void fdbMax(int max) {
        this.fdbMax = max;
    }

    /** {@code vlan_filtering 1}: the bridge classifies frames by its ports' VLANs ({@code bridge vlan}). */
    public boolean vlanFiltering() {
        return vlanFiltering;
    }

    public void vlanFiltering(boolean on) {
        this.vlanFiltering = on;
    }

    /** Bound on the entries one port may have learned. */
    public int fdbPortLimit() {
        return fdbPortLimit;
    }

    public void fdbPortLimit(int limit) {
        this.fdbPortLimit = limit;
    }
}
