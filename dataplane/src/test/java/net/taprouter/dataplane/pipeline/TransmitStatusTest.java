package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.taprouter.dataplane.neigh.NeighbourLimits;
import net.taprouter.dataplane.port.FrameIo;
import net.taprouter.dataplane.tap.TapDevice;
import org.junit.jupiter.api.Test;

/**
 * What a device's answer to a write costs, per errno a TAP can give (mapped to a status as
 * {@link TapDevice} maps it): EAGAIN = tx_queue_full; EIO (the host has not brought its side up)
 * and EINVAL = tx_error, the port stays up, nothing logged; EBADFD, EBADF, ENODEV, ENXIO (the
 * device is gone) = tx_error, the port is marked lost with one log line, later frames are
 * port_down. And: frames go out batched per port, in order, the slots come back.
 */
class TransmitStatusTest extends GraphTestBase {
    private static final int EIO = 5;
    private static final int ENXIO = 6;
    private static final int EBADF = 9;
    private static final int EAGAIN = 11;
    private static final int ENODEV = 19;
    private static final int EINVAL = 22;
    private static final int EBADFD = 77;
    private static final int FRAME = 78; // UDP_A_TO_B

    @Test
    void eagainIsTxQueueFull() {
        resolveHosts();
        String log = answering(EAGAIN, () -> fx.receive(0, Golden.UDP_A_TO_B));
        fx.assertCounters("drop.tx_queue_full", 1, "port.tap0.rx_drops", 1, "port.tap1.tx_drops", 1);
        assertTrue(fx.port1.isUp());
        assertEquals("", log);
        fx.assertNoLeak();
    }

    @Test
    void eioAndEinvalAreTxErrorsAndThePortStaysUp() {
        resolveHosts();
        for (int errno : new int[] {EIO, EINVAL}) {
            String log = answering(errno, () -> {
                fx.receive(0, Golden.UDP_A_TO_B);
                fx.receive(0, Golden.UDP_A_TO_B);
            });
            fx.assertCounters("drop.tx_error", 2, "port.tap0.rx_drops", 2, "port.tap1.tx_drops", 2, "port.tap1.tx_errors", 2,
                "event.route_fast_path", errno == EIO ? 1 : 2); // the first packet to B goes the whole way, the later ones not
            assertTrue(fx.port1.isUp(), "errno " + errno + " took the port down");
            assertEquals("", log, "errno " + errno + " logged");
            fx.assertNoLeak();
        }
        fx.receive(0, Golden.UDP_A_TO_B);
        assertEquals(Golden.UDP_A_TO_B_OUT, Wire.hex(GraphFixture.only(fx.tap1)));
    }

    @Test
    void aGoneDeviceTakesThePortDownWithOneLogLine() {
        for (int errno : new int[] {EBADFD, EBADF, ENODEV, ENXIO}) {
            fx.close();
            fx = new GraphFixture();
            resolveHosts();
            String log = answering(errno, () -> {
                fx.receive(0, Golden.UDP_A_TO_B);
                fx.receive(0, Golden.UDP_A_TO_B);
            });
            assertFalse(fx.port1.isUp(), "errno " + errno + " left the port up");
            assertTrue(fx.port1.carrierLost());
            assertEquals(List.of("routerd: port tap1 down: tap1: errno " + errno), log.lines().toList(),
                "errno " + errno + ": one log line");
            // the second frame found the port down already
            fx.assertCounters("drop.port_down", 1, "drop.tx_error", 1, "port.tap0.rx_drops", 2,
                "port.tap1.tx_drops", 1, "port.tap1.tx_errors", 1);
            assertEquals(1, fx.tap1.writeCalls(), "frames written to a lost port");
            fx.assertNoLeak();
        }
    }

    @Test
    void theStatusOfEachErrno() {
        assertEquals(FrameIo.WOULD_BLOCK, TapDevice.status(EAGAIN));
        for (int errno : new int[] {EIO, EINVAL, 14 /* EFAULT */, 90 /* EMSGSIZE */, 12 /* ENOMEM */}) {
            assertEquals(FrameIo.FAILED, TapDevice.status(errno), "errno " + errno);
        }
        for (int errno : new int[] {EBADFD, EBADF, ENODEV, ENXIO, -1 /* end of file */}) {
            assertEquals(FrameIo.GONE, TapDevice.status(errno), "errno " + errno);
        }
    }

    @Test
    void framesGoOutBatchedPerPortInOrderAndBeforeAnImmediateFrame() {
        resolveHosts();
        byte[] udp = Wire.unhex(Golden.UDP_A_TO_B);
        fx.receiveQueued(0, udp);
        fx.receiveQueued(0, Wire.unhex(Golden.ECHO_REQUEST));
        fx.receiveQueued(0, udp);
        assertEquals(0, fx.tap1.pending(), "written before the flush");
        // the gateway is unknown: its ARP request is written at once, after the frames queued for tap1
        fx.receiveQueued(0, Wire.unhex(Golden.UDP_A_TO_REMOTE));
        assertEquals(3, fx.tap1.pending());
        assertEquals(1, fx.tap1.batchCalls(), "the two frames for tap1 in one batch");
        fx.drain();
        List<String> out1 = GraphFixture.hexes(fx.tap1.take());
        assertEquals(List.of(Golden.UDP_A_TO_B_OUT, Golden.UDP_A_TO_B_OUT), out1.subList(0, 2));
        assertTrue(out1.get(2).startsWith("ffffffffffff00005e0053210806"), "ARP request last: " + out1.get(2));
        assertEquals(Golden.ECHO_REPLY, Wire.hex(GraphFixture.only(fx.tap0)));
        assertEquals(1, fx.tap0.batchCalls());
        assertEquals(FRAME * 2, fx.counter("port.tap1.tx_bytes") - 42);
        fx.assertNoLeak(1); // the packet to the gateway waits for ARP
    }

    @Test
    void aFullQueueFlushesItself() {
        fx.close();
        fx = new GraphFixture(2 * Transmitter.QUEUE, NeighbourLimits.of(GraphFixture.NEIGHBOURS, GraphFixture.ARP_QUEUE,
            2 * Transmitter.QUEUE));
        resolveHosts();
        byte[] udp = Wire.unhex(Golden.UDP_A_TO_B);
        for (int i = 0; i < Transmitter.QUEUE + 1; i++) {
            fx.receiveQueued(0, udp);
        }
        assertEquals(Transmitter.QUEUE, fx.tap1.pending());
        fx.drain();
        assertEquals(Transmitter.QUEUE + 1, fx.tap1.take().size());
        fx.assertNoLeak();
    }

    /** Runs {@code frames} with tap1 answering {@code errno}; returns what was logged. */
    private String answering(int errno, Runnable frames) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            fx.tap1.answer(TapDevice.status(errno), errno);
            frames.run();
        } finally {
            System.setErr(original);
            fx.tap1.answer(0, 0);
        }
        return err.toString(StandardCharsets.UTF_8);
    }
}
