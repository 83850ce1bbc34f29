package net.taprouter.dataplane.pipeline;

import net.taprouter.dataplane.table.ForwardingVersion;

/** Switches the control thread flips and the dataplane reads on every packet. */
public final class DataplaneSettings {
    private volatile boolean forwarding = true;
    private volatile int icmpRatePerSecond = 1000;
    private volatile int icmpBurst = 50;

    /** Like net.ipv4.ip_forward: off = only packets to the router itself are handled. */
    public boolean forwarding() {
        return forwarding;
    }

    public void forwarding(boolean on) {
        this.forwarding = on;
        ForwardingVersion.changed();
    }

    /** ICMP errors per second (token bucket refill), like net.ipv4.icmp_msgs_per_sec. */
    public int icmpRatePerSecond() {
        return icmpRatePerSecond;
    }

    /** Largest burst of ICMP errors, like net.ipv4.icmp_msgs_burst. */
    public int icmpBurst() {
        return icmpBurst;
    }

    public void icmpRateLimit(int perSecond, int burst) {
        if (perSecond < 0 || burst < 1) {
            throw new IllegalArgumentException("bad ICMP rate limit " + perSecond + "/s burst " + burst);
        }
        this.icmpRatePerSecond = perSecond;
        this.icmpBurst = burst;
    }
}
