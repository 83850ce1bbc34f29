package net.taprouter.dataplane.capture;

import net.taprouter.dataplane.event.SessionSet;
import net.taprouter.dataplane.match.FrameMatch;
import org.agrona.DirectBuffer;

/**
 * One worker's capture points: the RX path ({@code ForwardingAgent}), the transmit path
 * ({@code Transmitter}) and the drop count ({@code ForwardingContext.countDrop}, a frame and its
 * reason, before the slot is reused for an ICMP error or freed) hand every frame to
 * {@link #rx}/{@link #tx}/{@link #drop} only while {@link #armed} is
 * true (one predictable branch per frame when nothing is armed). Each armed session names a port
 * and directions and owns a {@link CaptureRing} whose write side this worker's thread holds; a
 * frame of its port, direction and {@link FrameMatch} is copied into it (up to the snap length; no
 * allocation; a full ring loses the capture frame, counted in the ring, never the router frame).
 *
 * <p>Sessions are armed and disarmed by command messages ({@code WorkerCommand.ArmCapture},
 * {@code DisarmCapture}; {@link SessionSet}). Worker thread only.
 */
public final class CaptureTap extends SessionSet<CaptureTap.Session> {
    public static final int DIRECTION_RX = 1;
    public static final int DIRECTION_TX = 2;
    /** Dropped frames (with their {@code stats.DropReason} ordinal). */
    public static final int DIRECTION_DROP = 4;
    /** {@link Session#port} of a session that takes frames of every port (and, for drops, the router's own). */
    public static final int ANY_PORT = -2;

    /**
     * An armed capture: frames of {@code port} (or {@link #ANY_PORT}) in {@code directions} that
     * satisfy {@code match} ({@link FrameMatch#ANY}: all) go to {@code ring}.
     */
    public record Session(int id, int port, int directions, FrameMatch match, CaptureRing ring, long epochOffsetNanos)
        implements SessionSet.Session {
    }

    public CaptureTap() {
        super(new Session[0]);
    }

    /** A frame received on {@code port}. */
    public void rx(int port, DirectBuffer buffer, int offset, int length) {
        offer(port, DIRECTION_RX, CaptureRing.RX, -1, buffer, offset, length);
    }

    /** A frame written to {@code port}. */
    public void tx(int port, DirectBuffer buffer, int offset, int length) {
        offer(port, DIRECTION_TX, CaptureRing.TX, -1, buffer, offset, length);
    }

    /** A frame dropped for {@code reason} (a {@code DropReason} ordinal); {@code port} its ingress port, -1 if the router made it. */
    public void drop(int port, int reason, DirectBuffer buffer, int offset, int length) {
        offer(port, DIRECTION_DROP, CaptureRing.DROP, reason, buffer, offset, length);
    }

    private void offer(int port, int directionBit, int direction, int reason, DirectBuffer buffer, int offset, int length) {
        Session[] all = sessions();
        for (int i = 0; i < all.length; i++) {
            Session s = all[i];
            if ((s.port() == port || s.port() == ANY_PORT) && (s.directions() & directionBit) != 0
                && s.match().matches(buffer, offset, length)) {
                s.ring().offer(s.epochOffsetNanos() + System.nanoTime(), port, direction, reason, buffer, offset, length);
            }
        }
    }
}
