package net.taprouter.control.daemon;

import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import net.taprouter.control.command.Answer;
import java.util.concurrent.atomic.AtomicBoolean;
import net.taprouter.control.command.CommandProcessor;
import net.taprouter.control.model.RouterState;
import net.taprouter.control.protocol.Wire;
import net.taprouter.control.server.ControlServer;
import net.taprouter.control.server.MetricsServer;
import net.taprouter.control.server.PeerPolicy;
import net.taprouter.dataplane.agent.Dataplane;
import net.taprouter.dataplane.agent.DataplaneConfig;
import net.taprouter.dataplane.agent.JitWarmup;

/**
 * routerd: starts the dataplane, applies {@code --config}, serves routerctl on the control
 * socket, and on SIGTERM/SIGINT stops cleanly (TAPs it created disappear) with exit status 0.
 */
public final class RouterDaemon {
    private RouterDaemon() {
    }

    /**
     * JNA looks for libraries in "platform" directories that it finds, unless told them, by running
     * {@code /sbin/ldconfig -p} when it starts: a process spawned from a JVM, 30-100 ms of routerd's
     * start-up. routerd binds only libc, which the dynamic linker finds by its name, so it tells JNA
     * there are none (a -D of the user's wins).
     */
    static final String JNA_PLATFORM_PATH = "jna.platform.library.path";

    public static void main(String[] args) {
        if (System.getProperty(JNA_PLATFORM_PATH) == null) {
            System.setProperty(JNA_PLATFORM_PATH, "");
        }
        DaemonOptions options;
        try {
            options = DaemonOptions.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                System.err.println("routerd: " + e.getMessage());
            }
            System.err.println(DaemonOptions.usage());
            System.exit(e.getMessage().isEmpty() ? 0 : 2);
            return;
        }
        System.exit(run(options));
    }

    static int run(DaemonOptions options) {
        String configText = null;
        if (options.config != null) {
            try {
                configText = Files.readString(Path.of(options.config));
            } catch (IOException e) {
                System.err.println("routerd: cannot read config " + options.config + ": " + e.getMessage());
                return 1;
            }
        }
        Path socket = Path.of(options.socket);
        try {
            prepareSocketPath(socket);
            if (options.pidfile != null) {
                RuntimeFiles.refuseSymlink(Path.of(options.pidfile), "pid file");
            }
        } catch (IOException e) {
            System.err.println("routerd: " + e.getMessage());
            return 1;
        }
        int gid = -1;
        GroupPrincipal group = null;
        if (options.group != null) {
            try {
                group = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(options.group);
                gid = GroupIds.gidOf(options.group);
            } catch (IOException e) {
                System.err.println("routerd: no such group \"" + options.group + "\"");
                return 1;
            }
        }

        DataplaneConfig config = DataplaneConfig.defaults(new File(options.counters)).withDedicatedThreads(options.dedicatedThreads)
            .withWorkers(options.workers, options.cpus);
        Dataplane dataplane;
        try {
            dataplane = new Dataplane(config, options.io);
        } catch (RuntimeException e) {
            System.err.println("routerd: cannot start the dataplane: " + e.getMessage());
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        AtomicBoolean dataplaneDied = new AtomicBoolean();
        dataplane.onFatal(t -> {
            dataplaneDied.set(true);
            stop.countDown();
        });
        dataplane.start();
        RouterState state = new RouterState(dataplane);
        CommandProcessor processor = new CommandProcessor(state);
        ControlServer server = new ControlServer(new PeerPolicy(gid, options.group), request -> handle(processor, request),
            new ControlServer.Limits(options.maxClients, options.maxRequest));
        installSignalHandlers(stop);
        int status = 0;
        MetricsServer metrics = null;
        Object socketKey = null;
        // flows in a state file are made again once the configuration is applied: no new flow before
        // that (the workers forward meanwhile), or a segment of one of them would be tracked anew
        boolean restoring = Files.isRegularFile(Path.of(options.state), LinkOption.NOFOLLOW_LINKS);
        try {
            if (restoring) {
                server.onControlThread(() -> holdNewFlows(state, true));
            }
            if (configText != null) {
                String text = configText;
                try {
                    state.startingUp(true);
                    server.onControlThread(() -> processor.run(text, options.config, false));
                } catch (CommandProcessor.Failure e) {
                    System.err.println(e.getMessage());
                    return status = 1;
                } finally {
                    state.startingUp(false);
                }
            }
            try {
                ConntrackStateFile.Restored restored = server.onControlThread(
                    () -> ConntrackStateFile.restore(Path.of(options.state), state));
                if (restored != null) {
                    System.err.println("routerd: conntrack state " + options.state + ": " + restored);
                }
            } catch (IOException e) {
                System.err.println("routerd: " + e.getMessage());
            } finally {
                if (restoring) {
                    server.onControlThread(() -> holdNewFlows(state, false));
                }
            }
            if (options.metrics != null) {
                metrics = new MetricsServer(options.metrics, dataplane.counterFile().reader(), dataplane.latency());
            }
            socketKey = RuntimeFiles.bindSocket(socket, group, server::bind);
            if (group != null) { // created 0640 root:root (CounterFile); readable by the group from now on
                Files.getFileAttributeView(Path.of(options.counters), PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setGroup(group);
            }
            if (options.pidfile != null) {
                RuntimeFiles.writePidfile(Path.of(options.pidfile));
            }
            System.err.println("routerd: serving " + options.socket + " (" + state.links().size() + " ports, io "
                + dataplane.ioMode().label() + ")");
            startWarmup(options.warmupFrames);
            stop.await();
            if (dataplaneDied.get()) {
                System.err.println("routerd: exiting with status 1: a dataplane thread died");
                status = 1;
            } else {
                System.err.println("routerd: stopping");
            }
        } catch (Exception e) {
            System.err.println("routerd: " + e.getMessage());
            status = 1;
        } finally {
            if (metrics != null) {
                metrics.close();
            }
            server.close();
            if (status == 0 && !dataplaneDied.get() && socketKey != null) {
                saveConntrackState(options.state, state);
            }
            dataplane.close();
            try {
                RuntimeFiles.deleteSocketIfOurs(socket, socketKey); // another routerd's socket stays
                if (options.pidfile != null && status == 0) {
                    Files.deleteIfExists(Path.of(options.pidfile));
                }
            } catch (IOException ignored) {
                // best effort
            }
        }
        return status;
    }

    private static Void holdNewFlows(RouterState state, boolean hold) {
        state.dataplane().workers().conntrackHold(hold);
        return null;
    }

    /**
     * On a clean stop: the conntrack/NAT table to the state file ({@link ConntrackStateFile}), so a
     * routerd started with the same configuration continues its flows. The control server is
     * closed already: this thread is the only caller of the workers now.
     */
    private static void saveConntrackState(String path, RouterState state) {
        if (!state.dataplane().workers().conntrackStarted()) {
            return; // no NAT rule ever: nothing was tracked, no state file
        }
        try {
            int flows = ConntrackStateFile.save(Path.of(path), state);
            System.err.println("routerd: conntrack state: " + flows + " flows written to " + path);
        } catch (IOException | RuntimeException e) {
            System.err.println("routerd: conntrack state not written to " + path + ": " + e.getMessage());
        }
    }

    /**
     * Compiles the forwarding path on a private copy of the dataplane ({@link JitWarmup}), in the
     * background once routerd serves: start-up does not wait for it, and the real dataplane is not
     * touched (its first packets may run slower until the warm-up has finished).
     */
    private static void startWarmup(int frames) {
        if (frames <= 0) {
            return;
        }
        Thread warmup = new Thread(() -> {
            try {
                long millis = JitWarmup.run(frames);
                System.err.println("routerd: forwarding path warmed up (" + frames + " frames, " + millis + " ms)");
            } catch (IOException | RuntimeException e) {
                System.err.println("routerd: JIT warm-up skipped: " + e.getMessage());
            }
        }, "jit-warmup");
        warmup.setDaemon(true);
        warmup.start();
    }

    private static ControlServer.Reply handle(CommandProcessor processor, List<String> request) {
        String header = request.get(0);
        List<String> body = request.subList(1, request.size());
        if (!header.startsWith(Wire.VERSION + " ")) {
            return ControlServer.Reply.of(Wire.ERROR + "\nunsupported request (routerctl and routerd versions differ?)");
        }
        boolean json = header.contains(" json=1");
        int at = header.indexOf(" source=");
        String source = at < 0 ? "-" : header.substring(at + 8).strip();
        Answer answer;
        try {
            answer = processor.answer(body, source, json);
        } catch (CommandProcessor.Failure e) {
            return ControlServer.Reply.of(Wire.ERROR + "\n" + e.getMessage());
        }
        String[] status = {Wire.OK + "\n"};
        return new ControlServer.Reply() {
            @Override
            public String next() {
                String first = status[0];
                if (first == null) {
                    return answer.next();
                }
                status[0] = null;
                String piece = answer.next();
                return piece == null ? first : first + piece;
            }

            @Override
            public void close() {
                answer.close();
            }
        };
    }

    /** Creates the socket's directory; removes a stale socket, refuses if a routerd answers on it. */
    private static void prepareSocketPath(Path socket) throws IOException {
        Path dir = socket.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        RuntimeFiles.refuseSymlink(socket, "socket");
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                probe.connect(UnixDomainSocketAddress.of(socket));
                throw new IOException("another routerd is serving " + socket);
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("another routerd")) {
                    throw e;
                }
                Files.delete(socket);
            }
        }
    }

    @SuppressWarnings("restriction")
    private static void installSignalHandlers(CountDownLatch stop) {
        sun.misc.SignalHandler handler = signal -> stop.countDown();
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), handler);
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), handler);
    }
}
