package net.taprouter.control.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import net.taprouter.control.protocol.Wire;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The control socket's flow control and limits, with an in-process server on a temporary socket. */
@Timeout(60)
class ControlServerTest {
    private static final String PIECE = "y".repeat(64 * 1024);

    private Path dir;
    private Path socket;
    private ControlServer server;
    private final AtomicLong piecesMade = new AtomicLong();

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "cst-");
        socket = dir.resolve("s.sock");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (server != null) {
            server.close();
        }
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }

    /** "endless" gets a reply that never ends (pieces made on demand); anything else gets "ok\n" + the request. */
    private void start(int maxClients, int maxRequest) throws InterruptedException {
        start(new ControlServer.Limits(maxClients, maxRequest));
    }

    private void start(ControlServer.Limits limits) throws InterruptedException {
        server = new ControlServer(new PeerPolicy(-1, null), lines -> {
            String request = String.join("\n", lines);
            if (request.startsWith("finite ")) { // "finite N SIZE": N pieces of SIZE bytes, then the end
                String[] w = request.split(" ");
                int[] left = {Integer.parseInt(w[1])};
                String piece = "f".repeat(Integer.parseInt(w[2]));
                return () -> left[0]-- > 0 ? piece : null;
            }
            if (request.equals("empty")) { // an empty piece must not end the reply early
                String[] pieces = {"ok\n", "", "tail", null};
                int[] at = {0};
                return () -> pieces[at[0]++];
            }
            if (request.endsWith("endless")) {
                return () -> {
                    piecesMade.incrementAndGet();
                    return PIECE;
                };
            }
            return ControlServer.Reply.of(Wire.OK + "\n" + request);
        }, limits);
        server.bind(socket.toString());
    }

    private SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return ch;
    }

    private static void send(SocketChannel ch, String request) throws IOException {
        Wire.writeFrame(new DataOutputStream(Channels.newOutputStream(ch)), request);
    }

    private String ask(String request) throws IOException {
        try (SocketChannel ch = connect()) {
            try {
                send(ch, request);
            } catch (IOException e) {
                // refused before it was all sent (as routerctl does): read the answer
            }
            return Wire.readReply(new DataInputStream(Channels.newInputStream(ch)));
        }
    }

    @Test
    void aClientThatNeverReadsHoldsABoundedReplyAndBlocksNobody() throws Exception {
        start(8, 1 << 20);
        try (SocketChannel stuck = connect()) {
            send(stuck, "endless");
            Thread.sleep(1000);
            long made = piecesMade.get();
            assertTrue(made > 0, "the reply was started");
            // watermark (256 KiB) + socket buffers (a few hundred KiB): far below an unbounded reply
            assertTrue(made * PIECE.length() < 4 << 20, made + " pieces of 64 KiB made for a client that reads nothing");
            assertEquals("ok\nhello", ask("hello"), "the control thread still serves others");
            Thread.sleep(500);
            assertEquals(made, piecesMade.get(), "nothing more is made while the client does not read");

            // it reads a little: production resumes, still bounded by what it took
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            long taken = 0;
            while (taken < 8 << 20) {
                b.clear();
                taken += stuck.read(b);
            }
            Thread.sleep(300);
            long after = piecesMade.get();
            assertTrue(after > made, "reading resumes the reply");
            assertTrue((after - made) * PIECE.length() < taken + (4 << 20), "made " + after + " pieces for " + taken + " bytes read");
        }
    }

    /**
     * A finite reply larger than the socket buffer (~220 KB) but within the write buffer (high
     * water mark 256 KiB): the reply is all made at once, only the final flush waits for a client
     * that never reads. It must still lose its slot.
     */
    @Test
    void aClientThatNeverReadsTheEndOfAFiniteReplyIsDisconnected() throws Exception {
        start(2, 1 << 20);
        server.stallTimeout(java.time.Duration.ofMillis(1500));
        try (SocketChannel a = connect(); SocketChannel b = connect()) {
            send(a, "finite 250 1000");
            send(b, "finite 250 1000");
            Thread.sleep(4000);
            assertEquals("ok\nhello", ask("hello"), "stalled clients were disconnected and freed their slots");
        }
    }

    @Test
    void anEmptyPieceDoesNotEndTheReply() throws Exception {
        start(8, 1 << 20);
        assertEquals("ok\ntail", ask("empty"));
    }

    @Test
    void connectionsBeyondTheLimitGetAOneLineError() throws Exception {
        start(2, 1 << 20);
        try (SocketChannel a = connect(); SocketChannel b = connect()) {
            Thread.sleep(200);
            String refused = ask("third");
            assertEquals("error\ntoo many control connections (2 open; try again)", refused);
        }
        Thread.sleep(200);
        assertEquals("ok\nagain", ask("again"), "served again once the others closed");
    }

    /** Requests being received share one budget: one that would pass it gets "busy, retry"; freed when the others end. */
    @Test
    void requestBytesAcrossConnectionsAreBounded() throws Exception {
        start(new ControlServer.Limits(8, 1 << 20, 3 << 19)); // 1 MiB each, 1.5 MiB together
        String big = "b".repeat(1 << 20);
        try (SocketChannel slow = connect()) {
            DataOutputStream out = new DataOutputStream(Channels.newOutputStream(slow));
            out.writeInt(1 << 20); // announces 1 MiB, sends a little of it
            out.write(new byte[10]);
            out.flush();
            Thread.sleep(300);
            assertEquals("error\nrouterd busy: other requests are being received (1 MiB buffered); retry", ask(big));
            assertEquals("ok\nsmall", ask("small"), "a request within what is left is served");
        }
        Thread.sleep(300);
        assertEquals("ok\n" + big, ask(big), "the budget is freed when the slow request's connection closes");
    }

    @Test
    void aRequestOverTheLimitIsRefusedWithoutBufferingIt() throws Exception {
        start(8, 4096);
        assertEquals("ok\n" + "z".repeat(4096), ask("z".repeat(4096)));
        String reply = ask("z".repeat(4097));
        assertTrue(reply.startsWith("error\nrequest too large or malformed (4097 bytes; routerd takes up to 4096"), reply);
    }
}
