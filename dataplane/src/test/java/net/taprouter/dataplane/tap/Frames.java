package net.taprouter.dataplane.tap;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.util.function.Predicate;

/** Test helper: hand-built Ethernet/ARP frames and a poll+read loop. */
final class Frames {
    static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};
    /** Locally administered unicast MAC used as "the router". */
    static final byte[] ROUTER_MAC = {0x02, 0x00, 0x00, 0x00, 0x00, (byte) 0xfe};
    static final int ETH_P_ARP = 0x0806;

    private Frames() {
    }

    static byte[] ip(int a, int b, int c, int d) {
        return new byte[] {(byte) a, (byte) b, (byte) c, (byte) d};
    }

    /** Broadcast ARP request "who has {@code tpa}? tell {@code spa}", padded to 60 bytes. */
    static byte[] arpRequest(byte[] sha, byte[] spa, byte[] tpa) {
        byte[] f = new byte[60];
        System.arraycopy(BROADCAST, 0, f, 0, 6);
        System.arraycopy(sha, 0, f, 6, 6);
        f[12] = 0x08;
        f[13] = 0x06;
        f[14] = 0x00; f[15] = 0x01;       // htype Ethernet
        f[16] = 0x08; f[17] = 0x00;       // ptype IPv4
        f[18] = 6; f[19] = 4;             // hlen, plen
        f[20] = 0x00; f[21] = 0x01;       // oper request
        System.arraycopy(sha, 0, f, 22, 6);
        System.arraycopy(spa, 0, f, 28, 4);
        // tha (32..37) zero
        System.arraycopy(tpa, 0, f, 38, 4);
        return f;
    }

    static int etherType(byte[] f) {
        return f.length < 14 ? -1 : ((f[12] & 0xff) << 8) | (f[13] & 0xff);
    }

    /** ARP opcode (1 request, 2 reply) or -1 if not an Ethernet/IPv4 ARP frame. */
    static int arpOp(byte[] f) {
        if (etherType(f) != ETH_P_ARP || f.length < 42) {
            return -1;
        }
        return ((f[20] & 0xff) << 8) | (f[21] & 0xff);
    }

    static byte[] slice(byte[] f, int off, int len) {
        byte[] r = new byte[len];
        System.arraycopy(f, off, r, 0, len);
        return r;
    }

    static byte[] arpSpa(byte[] f) {
        return slice(f, 28, 4);
    }

    static byte[] arpTpa(byte[] f) {
        return slice(f, 38, 4);
    }

    static byte[] arpSha(byte[] f) {
        return slice(f, 22, 6);
    }

    static byte[] arpTha(byte[] f) {
        return slice(f, 32, 6);
    }

    static void write(TapDevice tap, Memory buf, byte[] frame) throws IOException {
        buf.write(0, frame, 0, frame.length);
        int n = tap.write(Pointer.nativeValue(buf), frame.length);
        if (n != frame.length) {
            throw new AssertionError("short write: " + n + " of " + frame.length);
        }
    }

    /**
     * Polls {@code tap} (registered in {@code poller} under {@code token}) and reads frames until one matches
     * {@code want} or {@code timeoutMillis} pass; returns it, or null.
     */
    static byte[] awaitFrame(TapDevice tap, Poller poller, int token, Memory buf, Predicate<byte[]> want,
                             long timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            int n = poller.poll(100);
            for (int i = 0; i < n; i++) {
                if (poller.readyToken(i) != token) {
                    continue;
                }
                int len;
                while ((len = tap.read(Pointer.nativeValue(buf), (int) buf.size())) > 0) {
                    byte[] f = buf.getByteArray(0, len);
                    if (want.test(f)) {
                        return f;
                    }
                }
            }
        }
        return null;
    }
}
