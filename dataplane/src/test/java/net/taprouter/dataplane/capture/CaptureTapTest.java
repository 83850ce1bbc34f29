package net.taprouter.dataplane.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.match.FrameMatch;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The worker's capture points: port and direction matching, arming and disarming, counted loss. */
class CaptureTapTest {
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[200]);

    private static List<String> drain(CaptureRing ring) {
        List<String> seen = new ArrayList<>();
        ring.drain((t, port, direction, reason, wire, bytes, offset, length) ->
            seen.add(port + "/" + direction + "/" + wire + "/" + length + "/" + bytes.getByte(offset)), 100);
        return seen;
    }

    @Test
    void dropsGoToDropSessionsOfTheirPortOrOfEveryPortWithTheirReason() {
        CaptureTap tap = new CaptureTap();
        CaptureRing every = new CaptureRing(4096, 64);
        CaptureRing port3 = new CaptureRing(4096, 64);
        CaptureRing rx3 = new CaptureRing(4096, 64);
        tap.arm(new CaptureTap.Session(1, CaptureTap.ANY_PORT, CaptureTap.DIRECTION_DROP, FrameMatch.ANY, every, 0));
        tap.arm(new CaptureTap.Session(2, 3, CaptureTap.DIRECTION_DROP, FrameMatch.ANY, port3, 0));
        tap.arm(new CaptureTap.Session(3, 3, CaptureTap.DIRECTION_RX, FrameMatch.ANY, rx3, 0));
        frame.putByte(10, (byte) 9);
        tap.drop(3, 17, frame, 10, 40);
        tap.drop(-1, 5, frame, 10, 30); // a packet the router made
        tap.rx(4, frame, 10, 20);       // not a drop: no drop session takes it
        List<String> reasons = new ArrayList<>();
        every.drain((t, port, direction, reason, wire, bytes, offset, length) ->
            reasons.add(port + "/" + direction + "/" + reason + "/" + wire), 100);
        assertEquals(List.of("3/" + CaptureRing.DROP + "/17/40", "-1/" + CaptureRing.DROP + "/5/30"), reasons);
        assertEquals(List.of("3/2/40/40/9"), drain(port3));
        assertEquals(List.of(), drain(rx3), "an rx session sees no drops");
    }

    @Test
    void onlyTheArmedPortAndDirectionsAreCopied() {
        CaptureTap tap = new CaptureTap();
        assertFalse(tap.armed);
        CaptureRing rxOnly = new CaptureRing(4096, 64);
        CaptureRing both = new CaptureRing(4096, 64);
        tap.arm(new CaptureTap.Session(1, 3, CaptureTap.DIRECTION_RX, FrameMatch.ANY, rxOnly, 0));
        tap.arm(new CaptureTap.Session(2, 4, CaptureTap.DIRECTION_RX | CaptureTap.DIRECTION_TX, FrameMatch.ANY, both, 0));
        assertTrue(tap.armed);
        frame.putByte(10, (byte) 7);
        tap.rx(3, frame, 10, 100);
        tap.tx(3, frame, 10, 100);
        tap.rx(4, frame, 10, 50);
        tap.tx(4, frame, 10, 60);
        tap.rx(5, frame, 10, 60);
        assertEquals(List.of("3/0/100/64/7"), drain(rxOnly), "snap length 64, rx only");
        assertEquals(List.of("4/0/50/50/7", "4/1/60/60/7"), drain(both));

        tap.disarm(1);
        assertTrue(tap.armed);
        tap.rx(3, frame, 10, 100);
        assertEquals(List.of(), drain(rxOnly));
        tap.disarm(2);
        assertFalse(tap.armed);
        assertEquals(0, tap.count());
    }

    @Test
    void aFullRingLosesCaptureFramesCounted() {
        CaptureTap tap = new CaptureTap();
        CaptureRing ring = new CaptureRing(4096, 400);
        tap.arm(new CaptureTap.Session(1, 0, CaptureTap.DIRECTION_TX, FrameMatch.ANY, ring, 0));
        UnsafeBuffer big = new UnsafeBuffer(new byte[400]);
        for (int i = 0; i < 20; i++) {
            tap.tx(0, big, 0, 400);
        }
        int kept = drain(ring).size();
        assertTrue(kept > 0 && kept < 20, "kept " + kept);
        assertEquals(20 - kept, ring.lost());
    }

    @Test
    void aSessionWithAMatchTakesOnlyTheFramesThatSatisfyIt() {
        CaptureTap tap = new CaptureTap();
        CaptureRing icmpOnly = new CaptureRing(1 << 16, 200);
        CaptureRing all = new CaptureRing(1 << 16, 200);
        tap.arm(new CaptureTap.Session(1, 3, CaptureTap.DIRECTION_RX | CaptureTap.DIRECTION_TX, FrameMatch.parse("proto icmp"), icmpOnly, 0));
        tap.arm(new CaptureTap.Session(2, 3, CaptureTap.DIRECTION_RX, FrameMatch.ANY, all, 0));
        byte[] frame = new byte[60];
        frame[12] = 0x08; // IPv4
        frame[14] = 0x45;
        frame[14 + 9] = 17; // UDP
        UnsafeBuffer buffer = new UnsafeBuffer(frame);
        tap.rx(3, buffer, 0, 60);
        frame[14 + 9] = 1; // ICMP
        tap.rx(3, buffer, 0, 60);
        tap.tx(3, buffer, 0, 60);
        assertEquals(List.of("3/0/60/60/0", "3/1/60/60/0"), drain(icmpOnly));
        assertEquals(2, drain(all).size(), "the other session takes both received frames");
    }
}
