package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A port added by a request is read only once that request commits: what the host sends between
 * {@code link add ... attach} and the {@code addr add} later in the same batch (or config) waits
 * in the TAP's queue and is then answered. Before, routerd read the host's first ARP request
 * while the port had no address yet and dropped it, and the host retried only a second later
 * (an attach restart took ~1.6 s instead of ~0.7 s).
 *
 * <p>The host sends exactly one ARP request the moment its TAP's carrier comes up (routerd
 * opened it) and waits 5 s for the answer; the batch holds 100,000 route lines between the
 * {@code link add} and the {@code addr add}, so the request arrives while the batch is applied.
 */
@Tag("netns")
@Timeout(value = 120)
class RouterdAttachQueueTest {
    private static final String ONE_ARP_REQUEST = """
            import socket, struct, sys, time
            ifname = sys.argv[1]
            deadline = time.time() + 60
            while open(f"/sys/class/net/{ifname}/carrier").read().strip() != "1":
                if time.time() > deadline:
                    print("NO-CARRIER"); sys.exit(1)
                time.sleep(0.001)
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
            s.bind((ifname, 0))
            mac = s.getsockname()[4]
            me, router = socket.inet_aton("192.0.2.1"), socket.inet_aton("192.0.2.254")
            arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + me + b"\\0" * 6 + router
            s.send(b"\\xff" * 6 + mac + b"\\x08\\x06" + arp)
            print("SENT", flush=True)
            s.settimeout(0.2)
            end = time.time() + 5
            while time.time() < end:
                try:
                    f = s.recv(2048)
                except socket.timeout:
                    continue
                if f[12:14] == b"\\x08\\x06" and f[20:22] == b"\\x00\\x02" and f[28:32] == router:
                    print("REPLY"); sys.exit(0)
            print("NO-REPLY"); sys.exit(1)
            """;

    private Namespaces names;
    private Routerd routerd;

    @BeforeEach
    void setUp() {
        Namespaces.assumeNetnsCapable();
        names = new Namespaces();
    }

    @AfterEach
    void tearDown() {
        try {
            if (routerd != null) {
                routerd.close();
            }
        } finally {
            names.close();
        }
    }

    @Test
    void whatTheHostSendsWhileTheBatchIsAppliedIsAnsweredAfterItCommits() throws Exception {
        String ns1 = names.create("ns1");
        String if1 = names.ifname("ns1v0");
        Sh.ok("ip", "-n", ns1, "tuntap", "add", "dev", if1, "mode", "tap");
        Sh.ok("ip", "-n", ns1, "addr", "add", "192.0.2.1/24", "dev", if1);
        Sh.ok("ip", "-n", ns1, "link", "set", if1, "up");
        routerd = Routerd.start("r", "");

        Path dir = Routerd.tempDir("attachq");
        Path script = dir.resolve("one-arp.py");
        Files.writeString(script, ONE_ARP_REQUEST);
        try (Bg host = Sh.ns(ns1, "python3", script.toString(), if1).start(dir, "host")) {
            List<String> batch = new ArrayList<>();
            batch.add("link add gw0 type tap ifname " + if1 + " netns " + ns1 + " attach address 00:00:5e:00:53:12");
            for (int i = 0; i < 100_000; i++) {
                batch.add("route add 198." + (18 + (i >> 16)) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff) + "/32 dev gw0");
            }
            batch.add("addr add 192.0.2.254/24 dev gw0");
            Path file = dir.resolve("attach.batch");
            write(file, batch);
            routerd.ctlOk("-b", file.toString());

            Integer exit = host.waitExit(Duration.ofSeconds(30));
            String out = host.out();
            assertTrue(out.contains("SENT"), "the host never saw its carrier come up\n" + host.describe());
            assertEquals(0, exit, "the host's one ARP request was not answered\n" + host.describe()
                    + "\nrouterd stats:\n" + routerd.ctl("stats").out());
            assertTrue(out.contains("REPLY"), host.describe());
        } finally {
            Routerd.deleteTree(dir);
        }
    }

    private static void write(Path file, List<String> lines) {
        try {
            Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
