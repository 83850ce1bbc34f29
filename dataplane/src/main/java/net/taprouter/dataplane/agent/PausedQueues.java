package net.taprouter.dataplane.agent;

import java.util.Arrays;
import net.taprouter.dataplane.port.FrameIo;
import net.taprouter.dataplane.port.Port;

/**
 * The read queues an {@link RxAgent} turned away for their port's share of the pool and paused in
 * its poller (their frames wait in their TAP queues, and they do not end the agent's idle wait),
 * until a batch of the share is back. The agent's own list: one thread, no allocation once it
 * holds as many entries as were ever paused at once.
 */
final class PausedQueues {
    private int[] token = new int[8];
    private FrameIo[] device = new FrameIo[8];
    private boolean[] large = new boolean[8];
    private boolean[] probed = new boolean[8];
    private Port[] port = new Port[8];
    private int count;

    int count() {
        return count;
    }

    /** Entry of {@code token}, or -1. */
    int indexOf(int token) {
        for (int i = 0; i < count; i++) {
            if (this.token[i] == token) {
                return i;
            }
        }
        return -1;
    }

    /** Queue {@code token} of {@code port}, {@code device}, read into large slots or not, is paused. */
    void add(int token, FrameIo device, Port port, boolean large) {
        if (count == this.token.length) {
            int n = count * 2;
            this.token = Arrays.copyOf(this.token, n);
            this.device = Arrays.copyOf(this.device, n);
            this.large = Arrays.copyOf(this.large, n);
            this.probed = Arrays.copyOf(this.probed, n);
            this.port = Arrays.copyOf(this.port, n);
        }
        this.token[count] = token;
        this.device[count] = device;
        this.large[count] = large;
        this.probed[count] = false;
        this.port[count] = port;
        count++;
    }

    /** Forgets entry {@code i} (the last one takes its place). */
    void remove(int i) {
        count--;
        token[i] = token[count];
        device[i] = device[count];
        large[i] = large[count];
        probed[i] = probed[count];
        port[i] = port[count];
        port[count] = null;
        device[count] = null;
    }

    int token(int i) {
        return token[i];
    }

    /** The device paused (a port revived on a new device since is no longer this entry's). */
    FrameIo device(int i) {
        return device[i];
    }

    /**
     * Reported ready while paused (an error or a hang-up: epoll reports them even so): the first
     * time it is read once to learn what (a gone device); true if that was done already.
     */
    boolean probe(int i) {
        boolean before = probed[i];
        probed[i] = true;
        return before;
    }

    boolean large(int i) {
        return large[i];
    }

    Port port(int i) {
        return port[i];
    }
}
