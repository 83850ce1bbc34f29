package net.taprouter.dataplane.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The capture ring and the pcap/pcapng files it feeds, read back by the real tcpdump. */
class CaptureTest {
    /** scapy: ICMP echo request 192.0.2.1 -> 198.51.100.1, id 7 seq 1, "taprouter". */
    private static final byte[] ECHO = HexFormat.of().parseHex("00005e0053fe00005e0053010800450000250001000040018ea1"
        + "c0000201c63364010800bd4800070001746170726f75746572");
    private static final long T0 = 1_764_633_600_123_456_789L; // 2025-12-02 00:00:00.123456789 UTC

    @TempDir
    Path dir;

    @Test
    void framesGoThroughTheRingUpToTheSnapLength() {
        CaptureRing ring = new CaptureRing(4096, 20);
        UnsafeBuffer frame = new UnsafeBuffer(ECHO);
        assertTrue(ring.offer(T0, 3, CaptureRing.TX, -1, frame, 0, ECHO.length));
        assertTrue(ring.offer(T0 + 1, 4, CaptureRing.DROP, 7, frame, 0, ECHO.length));
        List<String> seen = new ArrayList<>();
        int n = ring.drain((t, port, direction, reason, wire, bytes, offset, length) -> {
            byte[] copy = new byte[length];
            bytes.getBytes(offset, copy);
            seen.add(t + " " + port + " " + direction + " " + reason + " " + wire + " " + HexFormat.of().formatHex(copy));
        }, 10);
        assertEquals(2, n);
        String head = HexFormat.of().formatHex(ECHO, 0, 20);
        assertEquals(List.of(T0 + " 3 1 -1 51 " + head, (T0 + 1) + " 4 2 7 51 " + head), seen);
    }

    @Test
    void aFullRingLosesCaptureFramesAndCountsThem() {
        CaptureRing ring = new CaptureRing(4096, 400);
        UnsafeBuffer frame = new UnsafeBuffer(new byte[400]);
        int taken = 0;
        for (int i = 0; i < 100; i++) {
            if (ring.offer(T0, 0, CaptureRing.RX, -1, frame, 0, 400)) {
                taken++;
            }
        }
        assertTrue(taken > 0 && taken < 100, "taken " + taken);
        assertEquals(100 - taken, ring.lost());
        assertEquals(taken, ring.drain((t, p, d, r, w, b, o, l) -> { }, 1000));
        assertTrue(ring.offer(T0, 0, CaptureRing.RX, -1, frame, 0, 400), "room again once read");
    }

    @Test
    void aSnapLengthTheRingCannotHoldIsRefused() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new CaptureRing(4096, 512));
    }

    @Test
    void tcpdumpReadsTheClassicPcapFile() throws Exception {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(Pcap.fileHeader(262144));
        UnsafeBuffer frame = new UnsafeBuffer(ECHO);
        file.writeBytes(Pcap.record(T0, ECHO.length, frame, 0, ECHO.length));
        file.writeBytes(Pcap.record(T0 + 1_000_000_000L, ECHO.length, frame, 0, 34)); // truncated at the IP header
        Path pcap = dir.resolve("capture.pcap");
        Files.write(pcap, file.toByteArray());
        List<String> lines = tcpdump("-r", pcap.toString(), "-n", "--nano", "-tt");
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("1764633600.123456789 IP 192.0.2.1 > 198.51.100.1: ICMP echo request, id 7, seq 1"),
            lines.get(0));
        assertTrue(lines.get(1).startsWith("1764633601.123456789 IP "), lines.get(1));
    }

    @Test
    void tcpdumpReadsThePcapngFileWithPortsAndDropComments() throws Exception {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(Pcap.sectionHeader());
        file.writeBytes(Pcap.interfaceDescription("gw0", 65535));
        file.writeBytes(Pcap.interfaceDescription("gw1", 65535));
        UnsafeBuffer frame = new UnsafeBuffer(ECHO);
        file.writeBytes(Pcap.enhancedPacket(0, T0, ECHO.length, frame, 0, ECHO.length, null));
        file.writeBytes(Pcap.enhancedPacket(1, T0 + 5, ECHO.length, frame, 0, ECHO.length, "drop: no_route"));
        byte[] bytes = file.toByteArray();
        Path pcapng = dir.resolve("capture.pcapng");
        Files.write(pcapng, bytes);
        List<String> lines = tcpdump("-r", pcapng.toString(), "-n", "--nano", "-tt", "-e");
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("1764633600.123456789 00:00:5e:00:53:01 > 00:00:5e:00:53:fe"), lines.get(0));
        assertTrue(lines.get(1).startsWith("1764633600.123456794 "), lines.get(1));
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("drop: no_route") && text.contains("gw1"));
        assertFalse(lines.get(0).contains("drop"));
    }

    private static List<String> tcpdump(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("tcpdump");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "tcpdump failed: " + out);
        return out.isBlank() ? List.of() : List.of(out.strip().split("\n"));
    }
}
