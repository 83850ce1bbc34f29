package net.taprouter.control.protocol;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The routerctl ↔ routerd protocol over the Unix-domain socket: one request and one reply per
 * connection. The request is one frame (a 4-byte big-endian length, then UTF-8 text); the reply
 * is a sequence of such frames (pieces) ended by a frame of length 0, so a reply has no size
 * limit and routerd produces a long listing only as fast as the client reads it.
 *
 * <pre>
 *  request:  "taprouter/2 json=0|1 source=NAME\n" + command lines ("link show\n", a batch file...)
 *  reply:    "ok\n" + output          |  "error\n" + one-line message      (split into pieces)
 * </pre>
 *
 * A request with several lines is one transaction: all of it applies or none. A reply cut
 * before its end frame is incomplete (routerd failed or stopped). JDK only: the client must
 * start fast.
 */
public final class Wire {
    public static final String VERSION = "taprouter/2";
    /** routerd's default limit on one request (a full BGP table as a batch is ~36 MB). */
    public static final int DEFAULT_MAX_REQUEST = 64 << 20;
    /** The largest single piece a client accepts (routerd sends pieces of ~64 KiB). */
    public static final int MAX_PIECE = 16 << 20;
    public static final String OK = "ok";
    public static final String ERROR = "error";

    private Wire() {
    }

    /** Writes one frame: the request (client), or a piece of a reply. */
    public static void writeFrame(DataOutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
        out.flush();
    }

    /** The next piece of a reply, or null at the end frame; EOFException if the reply was cut. */
    public static String readPiece(DataInputStream in) throws IOException {
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            throw new EOFException("reply cut short (routerd closed the connection)");
        }
        if (length == 0) {
            return null;
        }
        if (length < 0 || length > MAX_PIECE) {
            throw new IOException("bad frame length " + length);
        }
        byte[] bytes = in.readNBytes(length);
        if (bytes.length != length) {
            throw new EOFException("reply cut short (routerd closed the connection mid-frame)");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A whole reply as one string (small replies, tests). */
    public static String readReply(DataInputStream in) throws IOException {
        StringBuilder all = new StringBuilder();
        for (String piece; (piece = readPiece(in)) != null;) {
            all.append(piece);
        }
        return all.toString();
    }

    /** The first line of a request. */
    public static String requestHeader(boolean json, String source) {
        return VERSION + " json=" + (json ? 1 : 0) + " source=" + source.replace(' ', '_') + "\n";
    }
}
