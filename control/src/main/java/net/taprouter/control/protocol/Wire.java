package net.taprouter.control.protocol;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The routerctl ↔ routerd protocol over the Unix-domain socket: one request and one reply per
 * connection, each a frame of a 4-byte big-endian length and UTF-8 text.
 *
 * <pre>
 *  request:  "taprouter/1 json=0|1 source=NAME\n" + command lines ("link show\n", a batch file...)
 *  reply:    "ok\n" + output          |  "error\n" + one-line message
 * </pre>
 *
 * A request with several lines is one transaction: all of it applies or none. JDK only: the
 * client must start fast.
 */
public final class Wire {
    public static final String VERSION = "taprouter/1";
    public static final int MAX_FRAME = 64 << 20;
    public static final String OK = "ok";
    public static final String ERROR = "error";

    private Wire() {
    }

    public static void writeFrame(DataOutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
        out.flush();
    }

    public static String readFrame(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_FRAME) {
            throw new IOException("bad frame length " + length);
        }
        byte[] bytes = in.readNBytes(length);
        if (bytes.length != length) {
            throw new IOException("connection closed mid-frame");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The first line of a request. */
    public static String requestHeader(boolean json, String source) {
        return VERSION + " json=" + (json ? 1 : 0) + " source=" + source.replace(' ', '_') + "\n";
    }
}
