package net.taprouter.tools;

import java.nio.file.Path;

/** Paced UDP floods from inside a namespace (Debian's python3: plain sockets, no scapy needed). */
public final class Flood {
    private Flood() {}

    private static final String SCRIPT = String.join("\n",
            "import socket, sys, time",
            "prefix, first, count, port, rate, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])",
            "ttl = int(sys.argv[7]) if len(sys.argv) > 7 else 64",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)",
            "targets = [(prefix + str(first + i), port) for i in range(count)]",
            "payload = b'x' * 64",
            "start = time.time(); end = start + seconds; sent = 0; i = 0",
            "while time.time() < end:",
            "    due = start + sent / rate",
            "    now = time.time()",
            "    if now < due:",
            "        time.sleep(due - now)",
            "    for _ in range(20):",
            "        try:",
            "            s.sendto(payload, targets[i % count])",
            "        except OSError:",
            "            pass",
            "        i += 1; sent += 1",
            "print(sent)",
            "");

    /**
     * Starts, in {@code ns}, UDP datagrams to {@code prefix+first} .. {@code prefix+(first+count-1)} port
     * {@code port}, round robin, at about {@code rate} per second for {@code seconds}, with IP TTL {@code ttl}.
     */
    public static Bg udp(String ns, String prefix, int first, int count, int port, int rate, double seconds, int ttl,
                         Path dir, String label) {
        return Sh.ns(ns, "/usr/bin/python3", "-c", SCRIPT, prefix, Integer.toString(first), Integer.toString(count),
                Integer.toString(port), Integer.toString(rate), Double.toString(seconds), Integer.toString(ttl))
                .start(dir, label);
    }
}
