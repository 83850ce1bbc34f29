package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * TCP across routerd's bridge between ports with and without TAP offloads (issues 7 and 9): hosts
 * ns1 (p1, {@code offload on}), ns2 (p2, {@code offload off}) and ns3 (p3, {@code offload on}),
 * 192.0.2.1-3/24 on br0. A known destination's super-packets go whole to an offload port and are
 * cut by routerd ({@code SegmentStage}, to the port the FDB has) for a port without offloads; what
 * arrives is checked byte for byte (nc + sha256).
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180)
class RouterdBridgeOffloadTest {
    private final Namespaces names = new Namespaces();
    private final String[] ns = new String[4];
    private final String[] ifs = new String[4];
    private Routerd router;
    private Path work;

    @BeforeAll
    void setUp() throws IOException {
        Namespaces.assumeNetnsCapable();
        assertTrue(Sh.run("sh", "-c", "command -v nc").ok(), "nc is needed");
        work = Files.createTempDirectory("trt-broff-");
        StringBuilder config = new StringBuilder("link add br0 type bridge address " + BridgeTopology.BRIDGE_MAC + "\n");
        String[] offload = {null, "on", "off", "on"};
        for (int i = 1; i <= 3; i++) {
            ns[i] = names.create("ns" + i);
            ifs[i] = names.ifname("ns" + i + "v0");
            Sh.ns(ns[i], "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1").ok();
            Sh.ns(ns[i], "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1").ok();
            config.append("link add p" + i + " type tap ifname " + ifs[i] + " netns " + ns[i] + " offload " + offload[i] + "\n");
            config.append("link set p" + i + " master br0\n");
        }
        router = Routerd.start("broff", config.toString());
        for (int i = 1; i <= 3; i++) {
            BridgeTopology.hostNic(ns[i], ifs[i], BridgeTopology.hostMac(i));
            Sh.ok("ip", "-n", ns[i], "addr", "add", "192.0.2." + i + "/24", "dev", ifs[i]);
            Sh.ok("ip", "-n", ns[i], "link", "set", ifs[i], "up");
        }
        for (int i = 2; i <= 3; i++) {
            Net.assertPingOk(Net.ping(ns[1], "192.0.2." + i, "-c2", "-i0.2", "-W2"), 64, diag());
        }
    }

    @AfterAll
    void tearDown() {
        try {
            if (router != null) {
                router.stopCleanly();
            }
        } finally {
            if (router != null) {
                router.close();
            }
            names.close();
            if (work != null) {
                Routerd.deleteTree(work);
            }
        }
    }

    private String diag() {
        return "\n--- routerd fdb show / stats ---\n" + router.ctl("fdb", "show").out() + router.ctl("stats").out()
            + "\n--- routerd stderr ---\n" + Routerd.tail(router.stderr());
    }

    private long counter(String name) {
        String stats = router.ctlOk("stats").out();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\s+(\\d+)\\s*$").matcher(stats);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** {@code mib} MiB of random bytes from host {@code from} to host {@code to} with nc; sha256 compared. */
    private void transfer(int from, int to, int port, int mib) throws Exception {
        Path payload = work.resolve("payload-" + port + ".bin");
        Sh.cmd("sh", "-c", "head -c " + mib + "M /dev/urandom > '" + payload + "'").timeoutSeconds(60).ok();
        Bg server = Sh.ns(ns[to], "nc", "-l", "-p", Integer.toString(port)).start(work, "nc-" + port);
        try {
            Net.waitListening(ns[to], "tcp", port, server);
            Sh.Result client = Sh.ns(ns[from], "nc", "-N", "192.0.2." + to, Integer.toString(port)).stdin(payload)
                .timeout(Duration.ofSeconds(120)).run();
            assertTrue(client.ok(), "nc client failed\n" + client.describe() + "\n" + server.describe() + diag());
            Integer rc = server.waitExit(Duration.ofSeconds(15));
            assertTrue(rc != null, "nc server did not see the end of the stream\n" + server.describe() + diag());
            assertEquals(Files.size(payload), Files.size(server.outFile()), "bytes received" + diag());
            assertEquals(BookScenarios.sha256(payload), BookScenarios.sha256(server.outFile()), "sha256 of what arrived" + diag());
        } finally {
            server.close();
            Sh.deleteQuietly(server.outFile());
            Sh.deleteQuietly(payload);
        }
    }

    @Test
    @Order(1)
    void tcpBetweenOffloadPortsCrossesTheBridgeWhole() throws Exception {
        long segmented = counter("event.gso_segmented");
        long forwarded = counter("port.p1.forwarded");
        transfer(1, 3, 5101, 64);
        assertEquals(segmented, counter("event.gso_segmented"), "nothing to segment between offload ports" + diag());
        long frames = counter("port.p1.forwarded") - forwarded;
        // 64 MiB in 1514-byte frames would be ~46,000; super-packets make it far fewer
        assertTrue(frames > 0 && frames < 20_000, "p1 forwarded " + frames + " frames for 64 MiB" + diag());
    }

    @Test
    @Order(2)
    void tcpFromAnOffloadPortToOneWithoutIsSegmentedByRouterd() throws Exception {
        long segmented = counter("event.gso_segmented");
        long segments = counter("event.gso_segments_created");
        transfer(1, 2, 5102, 64);
        long superPackets = counter("event.gso_segmented") - segmented;
        long made = counter("event.gso_segments_created") - segments;
        assertTrue(superPackets > 10, "routerd segmented only " + superPackets + " super-packets" + diag());
        assertTrue(made >= 2 * superPackets, made + " segments of " + superPackets + " super-packets" + diag());
        assertEquals(0, counter("drop.offload_bad"), diag());
    }

    @Test
    @Order(3)
    void tcpFromAPortWithoutOffloadsToOneWithArrives() throws Exception {
        transfer(2, 3, 5103, 32);
    }
}
