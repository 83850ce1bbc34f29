package net.taprouter.control.daemon;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
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
            System.exit(refused(e, System.out, System.err));
            return;
        }
        System.exit(run(options));
    }

    /**
     * What {@link DaemonOptions#parse} refused: {@code --help} prints the usage on {@code out}
     * (exit 0); a usage error is one line on {@code err} (exit 2).
     */
    static int refused(IllegalArgumentException e, PrintStream out, PrintStream err) {
        if (e.getMessage() == null || e.getMessage().isEmpty()) {
            out.println(DaemonOptions.usage());
            out.flush();
            return 0;
        }
        err.println("routerd: " + e.getMessage() + (e.getMessage().startsWith("unknown option") ? " (routerd --help)" : ""));
        err.flush();
        return 2;
    }

    static int run(DaemonOptions options) {
        String configText = null;
        if (options.config != null) {
            try {
                configText = readText(Path.of(options.config));
            } catch (IOException e) {
                System.err.println("routerd: cannot read config " + options.config + ": " + reason(e));
                return 1;
            }
        }
        Path socket = Path.of(options.socket);
        try {
            prepareSocketPath(socket);
            if (options.pidfile != null) {
                checkPidfileDirectory(Path.of(options.pidfile));
                RuntimeFiles.refuseSymlink(Path.of(options.pidfile), "pid file");
            }
        } catch (IOException e) {
            System.err.println("routerd: " + message(e));
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
                try {
                    RuntimeFiles.writePidfile(Path.of(options.pidfile));
                } catch (FileSystemException e) {
                    throw new IOException("cannot write pidfile " + options.pidfile + ": " + reason(e));
                }
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
            System.err.println("routerd: " + (e instanceof IOException io ? message(io) : e.getMessage()));
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

    /**
     * Refuses a pid file whose directory is missing (or no directory) before anything starts: the
     * file itself is written once routerd serves.
     */
    static void checkPidfileDirectory(Path pidfile) throws IOException {
        Path dir = pidfile.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IOException("cannot write pidfile " + pidfile + ": "
                + (Files.exists(dir) ? "Not a directory" : "No such file or directory"));
        }
    }

    /** A text file as UTF-8, or an error naming the first byte that is not. */
    static String readText(Path path) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(path));
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("not UTF-8 text (bad byte at offset " + in.position() + ")");
        }
    }

    /**
     * Why a file operation failed, as the C library says it ({@code No such file or directory}):
     * the JDK's exceptions for the common errors carry only the path.
     */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "File exists";
        }
        if (e instanceof NotDirectoryException) {
            return "Not a directory";
        }
        if (e instanceof FileSystemException f) {
            return f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** An exception's message for the log, with the reason where the JDK's gives only a path. */
    static String message(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() == null) {
            return f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ": " + reason(e);
        }
        return e.getMessage() != null ? e.getMessage() : reason(e);
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
