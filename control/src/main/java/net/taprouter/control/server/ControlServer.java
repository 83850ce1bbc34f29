package net.taprouter.control.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import net.taprouter.control.protocol.Wire;

/**
 * The control thread: a Netty epoll event loop serving routerctl on a Unix-domain socket. Every
 * request runs on this one thread, which is therefore the single writer of the routing
 * information base and the LPM table. A request is a frame (see {@link Wire}); the peer's
 * credentials are checked on connect; a malformed or oversized request gets an error reply and
 * the connection is closed; a client that goes away mid-request changes nothing; a request not
 * complete within {@link #REQUEST_TIMEOUT_SECONDS} is answered with an error and closed.
 */
public final class ControlServer implements AutoCloseable {
    /** Handles one request's text and returns the reply (status line + body). */
    @FunctionalInterface
    public interface RequestHandler {
        String handle(String request);
    }

    /** A client must send its whole request within this time. */
    static final int REQUEST_TIMEOUT_SECONDS = 30;

    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final PeerPolicy policy;
    private final RequestHandler handler;
    private Channel server;

    public ControlServer(PeerPolicy policy, RequestHandler handler) {
        this.policy = policy;
        this.handler = handler;
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
            .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                @Override
                protected void initChannel(EpollDomainSocketChannel ch) {
                    ch.pipeline().addLast(new RequestReader());
                }
            })
            .bind(new DomainSocketAddress(path)).sync().channel();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly();
        }
        loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** Accumulates one length-prefixed request, runs it, writes the reply, closes. */
    private final class RequestReader extends ChannelInboundHandlerAdapter {
        private ByteBuf pending;
        private boolean refused;

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            PeerCredentials credentials;
            try {
                credentials = ((EpollDomainSocketChannel) ctx.channel()).peerCredentials();
            } catch (IOException e) {
                reply(ctx, Wire.ERROR + "\ncannot read peer credentials: " + e.getMessage());
                return;
            }
            pending = ctx.alloc().buffer(256);
            ctx.executor().schedule(() -> {
                if (pending != null) {
                    reply(ctx, Wire.ERROR + "\nrequest not complete within " + REQUEST_TIMEOUT_SECONDS + " s");
                }
            }, REQUEST_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            if (!policy.allows(credentials.uid(), credentials.gids(), credentials.pid())) {
                System.err.println("routerd: refused control connection from uid " + credentials.uid() + " pid " + credentials.pid());
                refused = true; // answered once the request is in, so the client reads the refusal
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
                if (refused) {
                    reply(ctx, Wire.ERROR + "\n" + policy.refusal());
                    return;
                }
                pending.writeBytes(in);
                if (pending.readableBytes() < 4) {
                    return;
                }
                int length = pending.getInt(pending.readerIndex());
                if (length < 0 || length > Wire.MAX_FRAME) {
                    reply(ctx, Wire.ERROR + "\nrequest too large or malformed (" + length + " bytes)");
                    return;
                }
                if (pending.readableBytes() < 4 + length) {
                    return;
                }
                String request = pending.toString(pending.readerIndex() + 4, length, StandardCharsets.UTF_8);
                release();
                reply(ctx, handler.handle(request));
            } finally {
                in.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            release();
            ctx.close();
        }

        private void release() {
            if (pending != null) {
                pending.release();
                pending = null;
            }
        }

        private void reply(ChannelHandlerContext ctx, String text) {
            release();
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            ByteBuf out = Unpooled.buffer(4 + bytes.length);
            out.writeInt(bytes.length).writeBytes(bytes);
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
