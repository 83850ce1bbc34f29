package net.taprouter.control.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import net.taprouter.control.protocol.RequestLines;
import net.taprouter.control.protocol.Wire;

/**
 * The control thread: a Netty epoll event loop serving routerctl on a Unix-domain socket. Every
 * request runs on this one thread, which is therefore the single writer of the routing
 * information base and the LPM table. A request is a frame (see {@link Wire}); the peer's
 * credentials are checked on connect.
 *
 * <p>Limits, so that no client can exhaust routerd: at most {@link Limits#maxClients} connections
 * at once (one more gets a one-line error and is closed); a request is buffered up to
 * {@link Limits#maxRequest} bytes (a larger one gets an error reply), all connections together
 * up to {@link Limits#maxBuffered} (a request that would pass it gets "busy, retry"); a request not complete within
 * {@link #REQUEST_TIMEOUT_SECONDS} gets an error reply. The reply is written a piece at a time,
 * only while the channel is writable (below the high water mark): a client that reads slowly or
 * never holds at most about {@link #HIGH_WATER_MARK} bytes of routerd's memory and never blocks
 * this thread; one that has taken nothing for {@link #STALL_TIMEOUT_SECONDS} (the end of its reply included) is
 * disconnected, so that it cannot keep a connection slot. Empty pieces are skipped (a 0-length frame ends a reply).
 */
public final class ControlServer implements AutoCloseable {
    /** Handles one request's text and returns the reply as pieces (the first starts with the status line). */
    @FunctionalInterface
    public interface RequestHandler {
        /**
         * {@code lines}: the request split at '\n' (as {@code split("\n", -1)}), the first line its
         * header, each line decoded on its own: a long batch never becomes one huge String.
         */
        Reply handle(List<String> lines);
    }

    /** A reply produced a piece at a time on the control thread. */
    @FunctionalInterface
    public interface Reply {
        /**
         * The next piece, or null when the reply is complete; "" when a live reply ({@code capture})
         * has nothing right now: asked again after {@link #LIVE_POLL_MILLIS}.
         */
        String next();

        /** The reply ended or its client went away (called once). */
        default void close() {
        }

        static Reply of(String text) {
            String[] once = {text};
            return () -> {
                String t = once[0];
                once[0] = null;
                return t;
            };
        }
    }

    /** Connection and buffering limits of the control socket. */
    public record Limits(int maxClients, int maxRequest, long maxBuffered) {
        public static final int DEFAULT_MAX_CLIENTS = 32;
        /** Request bytes buffered across all connections (a full BGP batch is ~36 MB). */
        public static final long DEFAULT_MAX_BUFFERED = 96L << 20;

        /** The default budget across connections, or more if one request may be larger. */
        public Limits(int maxClients, int maxRequest) {
            this(maxClients, maxRequest, Math.max(DEFAULT_MAX_BUFFERED, 4L + maxRequest));
        }

        public static Limits defaults() {
            return new Limits(DEFAULT_MAX_CLIENTS, Wire.DEFAULT_MAX_REQUEST);
        }
    }

    /** A client must send its whole request within this time. */
    static final int REQUEST_TIMEOUT_SECONDS = 30;
    /** A client that takes no byte of its reply for this long is disconnected. */
    static final int STALL_TIMEOUT_SECONDS = 60;
    /** How soon a live reply that had nothing is asked again. */
    static final int LIVE_POLL_MILLIS = 20;
    static final int LOW_WATER_MARK = 64 * 1024;
    static final int HIGH_WATER_MARK = 256 * 1024;

    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final PeerPolicy policy;
    private final RequestHandler handler;
    private final Limits limits;
    private int connections; // control thread only
    /** Request bytes announced by the connections still receiving theirs (control thread only). */
    private long buffered;
    private volatile long stallNanos = TimeUnit.SECONDS.toNanos(STALL_TIMEOUT_SECONDS);
    private Channel server;

    public ControlServer(PeerPolicy policy, RequestHandler handler) {
        this(policy, handler, Limits.defaults());
    }

    public ControlServer(PeerPolicy policy, RequestHandler handler, Limits limits) {
        this.policy = policy;
        this.handler = handler;
        this.limits = limits;
    }

    /** Tests: a shorter stall timeout. */
    void stallTimeout(java.time.Duration timeout) {
        stallNanos = timeout.toNanos();
    }

    /** Runs a task on the control thread and waits for it (start-up config, shutdown). */
    public <T> T onControlThread(Callable<T> task) throws Exception {
        try {
            return loop.submit(task).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception) {
                throw (Exception) e.getCause();
            }
            throw e;
        }
    }

    public void bind(String path) throws InterruptedException {
        server = new ServerBootstrap()
            .group(loop)
            .channel(EpollServerDomainSocketChannel.class)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(LOW_WATER_MARK, HIGH_WATER_MARK))
            .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                @Override
                protected void initChannel(EpollDomainSocketChannel ch) {
                    ch.pipeline().addLast(new Connection());
                }
            })
            .bind(new DomainSocketAddress(path)).sync().channel();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** How often a connection checks for a stalled client. */
    private long checkMillis() {
        return Math.max(100, Math.min(5000, TimeUnit.NANOSECONDS.toMillis(stallNanos) / 4));
    }

    /**
     * The frame's lines, each decoded on its own when read (see {@link RequestLines}). Decoding a
     * full-table batch (~36 MB) as one String ran whole-array intrinsics and copies that have no
     * safepoint poll: the control thread then held every other thread, the forwarding thread
     * included, at a safepoint for 20-45 ms.
     */
    static RequestLines lines(ByteBuf frame) {
        byte[] bytes = new byte[frame.readableBytes()];
        frame.getBytes(frame.readerIndex(), bytes);
        return RequestLines.of(bytes, bytes.length);
    }

    /** One client: accumulates its length-prefixed request, runs it, streams the reply, closes. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        /** The request's 4-byte length while it comes in; null once the request is answered. */
        private ByteBuf pending;
        /** The request's length once its header is in (counted in {@link #buffered}), else -1. */
        private int expected = -1;
        /**
         * The request's bytes, read straight into one array of its announced length: no buffer
         * that grows by copying, no copy of the whole request afterwards.
         */
        private byte[] body;
        private int filled;
        private String refusal;
        private Reply reply;
        private long lastProgress;
        private ScheduledFuture<?> timer;
        private boolean counted;
        private boolean pollScheduled;

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            if (connections >= limits.maxClients()) {
                System.err.println("routerd: refused control connection: " + connections + " open (limit " + limits.maxClients()
                    + ", routerd --max-clients)");
                answer(ctx, Wire.ERROR + "\ntoo many control connections (" + limits.maxClients() + " open; try again)");
                return;
            }
            connections++;
            counted = true;
            PeerCredentials credentials;
            try {
                credentials = ((EpollDomainSocketChannel) ctx.channel()).peerCredentials();
            } catch (IOException e) {
                answer(ctx, Wire.ERROR + "\ncannot read peer credentials: " + e.getMessage());
                return;
            }
            pending = ctx.alloc().buffer(4);
            timer = ctx.executor().schedule(() -> {
                if (pending != null) {
                    answer(ctx, Wire.ERROR + "\nrequest not complete within " + REQUEST_TIMEOUT_SECONDS + " s");
                }
            }, REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!policy.allows(credentials.uid(), credentials.gids(), credentials.pid())) {
                System.err.println("routerd: refused control connection from uid " + credentials.uid() + " pid " + credentials.pid());
                refusal = policy.refusal(); // answered once the request is in, so the client reads the refusal
            }
            super.channelActive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (pending == null) {
                    return; // already answered
                }
                if (refusal != null) {
                    answer(ctx, Wire.ERROR + "\n" + refusal);
                    return;
                }
                if (expected < 0) { // the 4-byte length first; it may come split
                    pending.writeBytes(in, Math.min(in.readableBytes(), 4 - pending.readableBytes()));
                    if (pending.readableBytes() < 4) {
                        return;
                    }
                    int length = pending.readInt();
                    if (length < 0 || length > limits.maxRequest()) {
                        answer(ctx, Wire.ERROR + "\nrequest too large or malformed (" + length + " bytes; routerd takes up to "
                            + limits.maxRequest() + ", routerd --max-request)");
                        return;
                    }
                    if (buffered + length > limits.maxBuffered()) {
                        System.err.println("routerd: control request of " + length + " bytes refused: " + buffered
                            + " bytes of other requests buffered (limit " + limits.maxBuffered() + ")");
                        answer(ctx, Wire.ERROR + "\nrouterd busy: other requests are being received (" + (buffered >> 20)
                            + " MiB buffered); retry");
                        return;
                    }
                    expected = length;
                    buffered += length;
                    body = new byte[length];
                    filled = 0;
                }
                // only the frame's own bytes: never more than maxRequest
                int n = Math.min(in.readableBytes(), expected - filled);
                in.readBytes(body, filled, n);
                filled += n;
                if (filled < expected) {
                    return;
                }
                RequestLines request = RequestLines.of(body, expected);
                release();
                stream(ctx, handler.handle(request));
            } finally {
                in.release();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                lastProgress = System.nanoTime();
                pump(ctx);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            release();
            endReply();
            if (timer != null) {
                timer.cancel(false);
            }
            if (counted) {
                counted = false;
                connections--;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            release();
            endReply();
            ctx.close();
        }

        /** The reply is done with (complete, failed, or its client gone): it releases what it holds. */
        private void endReply() {
            Reply r = reply;
            reply = null;
            if (r != null) {
                try {
                    r.close();
                } catch (RuntimeException e) {
                    System.err.println("routerd: internal error closing a reply: " + e);
                }
            }
        }

        private void release() {
            if (pending != null) {
                pending.release();
                pending = null;
            }
            body = null;
            if (expected >= 0) {
                buffered -= expected;
                expected = -1;
            }
        }

        /** A short final answer (errors, refusals). */
        private void answer(ChannelHandlerContext ctx, String text) {
            stream(ctx, Reply.of(text));
        }

        private void stream(ChannelHandlerContext ctx, Reply r) {
            release();
            if (timer != null) {
                timer.cancel(false);
            }
            endReply();
            reply = r;
            lastProgress = System.nanoTime();
            // runs until the channel is closed, also after the last piece: a client that never
            // reads would otherwise keep the final flush (and its connection slot) forever
            timer = ctx.executor().scheduleAtFixedRate(() -> {
                if (ctx.channel().isActive() && System.nanoTime() - lastProgress > stallNanos) {
                    System.err.println("routerd: control client took no reply for " + TimeUnit.NANOSECONDS.toSeconds(stallNanos)
                        + " s; disconnected");
                    reply = null;
                    ctx.close();
                }
            }, checkMillis(), checkMillis(), TimeUnit.MILLISECONDS);
            pump(ctx);
        }

        /**
         * Writes pieces while the channel takes them; resumed by {@link #channelWritabilityChanged}.
         * Every piece the socket takes counts as progress (see {@link #written}).
         */
        private void pump(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            while (reply != null && ch.isWritable()) {
                String piece;
                try {
                    piece = reply.next();
                } catch (RuntimeException e) {
                    System.err.println("routerd: internal error while writing a reply (connection closed):");
                    e.printStackTrace();
                    endReply();
                    ctx.close();
                    return;
                }
                if (piece == null) {
                    endReply();
                    ByteBuf end = ctx.alloc().buffer(4);
                    end.writeInt(0);
                    ctx.writeAndFlush(end).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                if (piece.isEmpty()) { // a 0-length frame would end the reply on the client
                    // a live reply with nothing right now: ask again soon; a client that has taken
                    // everything written so far is waiting for us, not stalled
                    if (ch.unsafe().outboundBuffer() == null || ch.unsafe().outboundBuffer().totalPendingWriteBytes() == 0) {
                        lastProgress = System.nanoTime();
                    }
                    if (!pollScheduled) {
                        pollScheduled = true;
                        ctx.executor().schedule(() -> {
                            pollScheduled = false;
                            if (ctx.channel().isActive()) {
                                pump(ctx);
                            }
                        }, LIVE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                    }
                    break;
                }
                ByteBuf out = ctx.alloc().buffer(4 + piece.length());
                out.writeInt(0);
                int bytes = out.writeCharSequence(piece, StandardCharsets.UTF_8);
                out.setInt(0, bytes);
                ctx.write(out).addListener(written);
            }
            ctx.flush();
        }

        /** A piece has gone into the socket: the client is reading. */
        private final ChannelFutureListener written = future -> lastProgress = System.nanoTime();
    }
}
