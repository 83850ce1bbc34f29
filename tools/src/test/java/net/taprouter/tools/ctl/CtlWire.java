package net.taprouter.tools.ctl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import net.taprouter.control.protocol.Wire;

/**
 * The control socket spoken directly from the test JVM: well-formed requests (for fast state
 * snapshots) and deliberately broken ones (half frames, huge lengths, garbage).
 */
public final class CtlWire implements AutoCloseable {
    /** A decoded reply: the status line ("ok" / "error") and the text after it. */
    public record Reply(String status, String text) {
        public boolean ok() {
            return status.equals(Wire.OK);
        }

        @Override
        public String toString() {
            return "[" + status + "] " + text;
        }
    }

    private final SocketChannel channel;

    private CtlWire(SocketChannel channel) {
        this.channel = channel;
    }

    public static CtlWire connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new CtlWire(ch);
    }

    /** A complete request frame: length, header line, body. */
    public static byte[] frame(String body, boolean json) {
        return frameOf((Wire.requestHeader(json, "-") + body).getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] frameOf(byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + payload.length);
        b.putInt(payload.length).put(payload);
        return b.array();
    }

    public static byte[] lengthOnly(int length) {
        return ByteBuffer.allocate(4).putInt(length).array();
    }

    /** One request, one reply (like routerctl does), with a 60 s limit. */
    public static Reply request(Path socket, String body, boolean json) throws IOException {
        try (CtlWire w = connect(socket)) {
            w.send(frame(body, json));
            byte[] raw = w.readUntilClosed(Duration.ofSeconds(60));
            Reply r = decode(raw);
            if (r == null) {
                throw new IOException("no complete reply (" + raw.length + " bytes)");
            }
            return r;
        }
    }

    public void send(byte[] bytes) throws IOException {
        channel.configureBlocking(true);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** Everything the server sends until it closes the connection or {@code timeout} passes. */
    public byte[] readUntilClosed(Duration timeout) throws IOException {
        channel.configureBlocking(false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long end = System.nanoTime() + timeout.toNanos();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try (Selector sel = Selector.open()) {
            channel.register(sel, SelectionKey.OP_READ);
            while (true) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return out.toByteArray();
                }
                sel.select(left);
                sel.selectedKeys().clear();
                int n;
                try {
                    n = channel.read(buf);
                } catch (IOException e) {
                    return out.toByteArray(); // reset by the peer: what we have is all
                }
                if (n < 0) {
                    return out.toByteArray();
                }
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
        }
    }

    /** Is the connection still open from the server's side after {@code wait}? (no data, no EOF) */
    public boolean stillOpenAfter(Duration wait) throws IOException {
        channel.configureBlocking(false);
        try (Selector sel = Selector.open()) {
            channel.register(sel, SelectionKey.OP_READ);
            sel.select(wait.toMillis());
            if (sel.selectedKeys().isEmpty()) {
                return true;
            }
            ByteBuffer b = ByteBuffer.allocate(1);
            try {
                return channel.read(b) == 0;
            } catch (IOException e) {
                return false;
            }
        }
    }

    /** A reply decoded (its pieces up to the end frame), or null when {@code raw} is not exactly one complete reply. */
    public static Reply decode(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw);
        StringBuilder text = new StringBuilder();
        while (true) {
            if (b.remaining() < 4) {
                return null;
            }
            int length = b.getInt();
            if (length == 0) {
                break;
            }
            if (length < 0 || b.remaining() < length) {
                return null;
            }
            text.append(new String(raw, b.position(), length, StandardCharsets.UTF_8));
            b.position(b.position() + length);
        }
        if (b.hasRemaining()) {
            return null;
        }
        int nl = text.indexOf("\n");
        return nl < 0 ? new Reply(text.toString(), "") : new Reply(text.substring(0, nl), text.substring(nl + 1));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
