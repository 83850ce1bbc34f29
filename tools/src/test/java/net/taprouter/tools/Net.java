package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Host-side helpers: configure a host NIC, build kernel-router pieces, ping and parse. */
public final class Net {
    private Net() {}

    private static final Pattern LOSS = Pattern.compile("(\\d+(?:\\.\\d+)?)% packet loss");
    private static final Pattern TTL = Pattern.compile("\\bttl=(\\d+)");
    private static final Pattern ETHER = Pattern.compile("link/ether ([0-9a-f:]{17})");

    /** The host's side: address, link up, default route. */
    public static void host(String ns, String ifname, String cidr, String gateway) {
        Sh.ok("ip", "-n", ns, "addr", "add", cidr, "dev", ifname);
        Sh.ok("ip", "-n", ns, "link", "set", ifname, "up");
        Sh.ok("ip", "-n", ns, "route", "add", "default", "via", gateway);
    }

    public static String mac(String ns, String ifname) {
        Sh.Result r = Sh.ok("ip", "-n", ns, "-o", "link", "show", "dev", ifname);
        Matcher m = ETHER.matcher(r.out());
        if (!m.find()) {
            fail("no MAC address in\n" + r.describe());
        }
        return m.group(1);
    }

    /** A veth pair created inside {@code nsA} (so the name never meets the root namespace). */
    public static void veth(String nsA, String ifA, String nsB, String ifB) {
        Sh.ok("ip", "-n", nsA, "link", "add", ifA, "type", "veth", "peer", "name", ifB, "netns", nsB);
    }

    /** Turns {@code ns} into a kernel router. */
    public static void kernelForwarding(String ns) {
        Sh.ns(ns, "sysctl", "-qw", "net.ipv4.ip_forward=1").ok();
    }

    /** A kernel-router port: MAC, address, up. */
    public static void kernelPort(String ns, String ifname, String mac, String cidr) {
        Sh.ok("ip", "-n", ns, "link", "set", ifname, "address", mac);
        Sh.ok("ip", "-n", ns, "addr", "add", cidr, "dev", ifname);
        Sh.ok("ip", "-n", ns, "link", "set", ifname, "up");
    }

    /** {@code ip netns exec NS ping -n OPTS... DST}; always numeric (no DNS look-ups). */
    public static Sh.Result ping(String ns, String dst, String... opts) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns, "ping", "-n"));
        argv.addAll(List.of(opts));
        argv.add(dst);
        return Sh.cmd(argv).timeoutSeconds(60).run();
    }

    /** Packet loss in percent from ping's summary, or -1 if there is none. */
    public static double loss(String pingOut) {
        Matcher m = LOSS.matcher(pingOut);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    public static List<Integer> ttls(String pingOut) {
        List<Integer> out = new ArrayList<>();
        Matcher m = TTL.matcher(pingOut);
        while (m.find()) {
            out.add(Integer.parseInt(m.group(1)));
        }
        return out;
    }

    /** Asserts 0% loss and that every reply carries {@code ttl}. */
    public static void assertPingOk(Sh.Result r, int ttl, String diag) {
        assertTrue(loss(r.out()) == 0.0, "expected 0% packet loss\n" + r.describe() + diag);
        List<Integer> ttls = ttls(r.out());
        assertTrue(!ttls.isEmpty() && ttls.stream().allMatch(t -> t == ttl),
                "expected ttl=" + ttl + " on every reply, got " + ttls + "\n" + r.describe() + diag);
    }

    /** Waits until something listens on PROTO (tcp|udp) PORT in {@code ns}. */
    public static void waitListening(String ns, String proto, int port, Bg server) {
        String flag = proto.equals("udp") ? "-Hlun" : "-Hltn";
        boolean up = Sh.waitUntil(Duration.ofSeconds(10), () -> !server.alive()
                || !Sh.ns(ns, "ss", flag, "sport", "=", ":" + port).timeoutSeconds(5).run().out().isBlank());
        if (!up || !server.alive()) {
            fail("server did not start listening on " + proto + "/" + port + " in " + ns + "\n" + server.describe());
        }
    }
}
