package net.taprouter.control.daemon;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.taprouter.control.model.Link;
import net.taprouter.control.model.NatRules;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.agent.WorkerControl;
import net.taprouter.dataplane.conntrack.ConntrackState;
import net.taprouter.dataplane.conntrack.ConntrackTable;
import net.taprouter.dataplane.conntrack.FlowKey;
import net.taprouter.dataplane.conntrack.FlowTable;
import net.taprouter.dataplane.conntrack.NatRule;
import net.taprouter.dataplane.iface.Interface;

/**
 * The conntrack/NAT table across a restart (the kernel needs conntrackd for this): on SIGTERM
 * routerd writes every flow to its state file (next to the socket, {@code NAME.state}, or
 * {@code --state FILE}), and at start, once its configuration is applied, reads it back: each flow
 * is made again with the time it had left, a source-NATed one with its outside port. A flow that
 * no longer matches the configuration — its MASQUERADE interface is gone or has lost the address, no
 * SNAT rule gives its address, no DNAT rule its server — is left out and counted, as is one that
 * does not fit. The file is removed once read (an older state is never applied twice).
 *
 * <p>Format (text, mode 0600, written to a temporary file and renamed into place): a header line,
 * then one line per flow: {@code flow IFACE W0 ... W24} — the MASQUERADE interface's name (or {@code -})
 * and the flow's words in hex ({@link ConntrackState}: its table's layout and the seconds left). A
 * file of another format version is refused as a whole.
 */
final class ConntrackStateFile {
    static final String HEADER = "# taprouter conntrack state 1 words " + ConntrackState.STRIDE;
    private static final int PAGE = 4096;

    private ConntrackStateFile() {
    }

    /** {@code --state}'s default: next to the socket, {@code NAME.state}. */
    static String defaultPath(String socket) {
        return socket.endsWith(".sock") ? socket.substring(0, socket.length() - 5) + ".state" : socket + ".state";
    }

    /** Writes every flow of every worker to {@code file}; returns how many. Control thread (or after it stopped). */
    static int save(Path file, RouterState state) throws IOException {
        RuntimeFiles.refuseSymlink(file, "state file");
        Path dir = file.toAbsolutePath().getParent();
        Path temp = dir.resolve("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        WorkerControl workers = state.dataplane().workers();
        int written = 0;
        try (SeekableByteChannel channel = Files.newByteChannel(temp,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
             BufferedWriter out = new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.US_ASCII))) {
            out.write(HEADER);
            out.write('\n');
            long cursor = 0;
            while (cursor >= 0) {
                WorkerControl.ConntrackStatePage page = workers.conntrackExport(cursor, PAGE);
                ConntrackState s = page.state();
                for (int i = 0; i < s.count(); i++) {
                    String port = "-";
                    if ((s.flags(i) & ConntrackTable.MASQUERADE) != 0) {
                        Interface iface = state.dataplane().interfaces().get(s.masqueradeInterface(i));
                        port = iface == null ? "?" : iface.name();
                    }
                    StringBuilder line = new StringBuilder(256).append("flow ").append(port);
                    for (int k = 0; k < ConntrackState.STRIDE; k++) {
                        line.append(' ').append(Integer.toHexString(s.flows()[i * ConntrackState.STRIDE + k]));
                    }
                    out.write(line.append('\n').toString());
                    written++;
                }
                cursor = page.next();
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return written;
    }

    /** What a restore did. */
    record Restored(int restored, int mismatched, int refused) {
        @Override
        public String toString() {
            return restored + " flows restored" + (mismatched > 0 ? ", " + mismatched + " no longer match the configuration" : "")
                + (refused > 0 ? ", " + refused + " did not fit" : "");
        }
    }

    /** Reads {@code file} (if there is one) back into the workers' tables and removes it; null if there was none. */
    static Restored restore(Path file, RouterState state) throws IOException {
        RuntimeFiles.refuseSymlink(file, "state file");
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        List<int[]> flows = new ArrayList<>();
        List<String> ports = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            String header = in.readLine();
            if (!HEADER.equals(header)) {
                throw new IOException("state file " + file + ": not a state file of this routerd (" + header + "); left as it is");
            }
            int lineNumber = 1;
            for (String line; (line = in.readLine()) != null;) {
                lineNumber++;
                String[] w = line.split(" ");
                if (w.length != 2 + ConntrackState.STRIDE || !w[0].equals("flow")) {
                    throw new IOException("state file " + file + ":" + lineNumber + ": bad line; left as it is");
                }
                int[] words = new int[ConntrackState.STRIDE];
                try {
                    for (int k = 0; k < words.length; k++) {
                        words[k] = Integer.parseUnsignedInt(w[2 + k], 16);
                    }
                } catch (NumberFormatException e) {
                    throw new IOException("state file " + file + ":" + lineNumber + ": bad number; left as it is");
                }
                flows.add(words);
                ports.add(w[1]);
            }
        }
        int[] all = new int[flows.size() * ConntrackState.STRIDE];
        for (int i = 0; i < flows.size(); i++) {
            System.arraycopy(flows.get(i), 0, all, i * ConntrackState.STRIDE, ConntrackState.STRIDE);
        }
        ConntrackState read = new ConntrackState(all, flows.size(), -1);
        List<Integer> matching = new ArrayList<>();
        for (int i = 0; i < read.count(); i++) {
            if (matches(read, i, ports.get(i), state)) {
                matching.add(i);
            }
        }
        int restored = 0;
        for (int from = 0; from < matching.size(); from += PAGE) {
            restored += state.dataplane().workers().conntrackRestore(read.select(matching.subList(from, Math.min(matching.size(),
                from + PAGE))));
        }
        Files.delete(file);
        return new Restored(restored, read.count() - matching.size(), matching.size() - restored);
    }

    /**
     * Does flow {@code i} still fit the configuration? Its MASQUERADE interface (renumbered to the
     * interface's index now) must exist and have the flow's outside address; an SNAT flow needs a rule
     * giving its address, a DNAT flow a rule sending to its server.
     */
    private static boolean matches(ConntrackState s, int i, String portName, RouterState state) {
        int flags = s.flags(i);
        int external = s.destination(i, FlowTable.REPLY);
        if ((flags & ConntrackTable.MASQUERADE) != 0) {
            Link link = state.link(portName);
            if (link == null || !link.iface().ownsAddress(external)) {
                return false;
            }
            s.masqueradeInterface(i, link.iface().index());
        } else if ((flags & FlowTable.SRC_NAT) != 0 && !hasRule(state, NatRule.SNAT, external, 0, 0)) {
            return false;
        }
        if ((flags & FlowTable.DST_NAT) != 0) {
            int server = s.source(i, FlowTable.REPLY);
            int port = FlowKey.sourcePort(s.ports(i, FlowTable.REPLY));
            return hasRule(state, NatRule.DNAT, server, port, s.protocol(i));
        }
        return true;
    }

    private static boolean hasRule(RouterState state, int kind, int to, int port, int protocol) {
        for (NatRules.Entry e : state.nat().list()) {
            NatRule r = e.rule();
            if (r.kind() == kind && r.to() == to) {
                if (kind != NatRule.DNAT) {
                    return true;
                }
                if ((r.protocol() == 0 || r.protocol() == protocol) && (r.toPort() == 0 || r.toPort() == port)) {
                    return true;
                }
            }
        }
        return false;
    }
}
