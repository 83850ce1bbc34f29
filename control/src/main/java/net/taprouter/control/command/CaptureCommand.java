package net.taprouter.control.command;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import net.taprouter.control.model.Link;
import net.taprouter.control.model.RouterState;
import net.taprouter.dataplane.agent.WorkerControl;
import net.taprouter.dataplane.capture.CaptureRing;
import net.taprouter.dataplane.capture.CaptureTap;
import net.taprouter.dataplane.capture.Pcap;
import net.taprouter.dataplane.match.FrameMatch;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.wire.Ipv4Address;
import net.taprouter.dataplane.wire.MacAddress;
import org.agrona.DirectBuffer;

/**
 * {@code capture PORT [-c N] [--direction rx|tx|both] [snaplen N] [--format pcap|text] [match
 * PREDICATE]}: what routerd sees on its side of a port (only frames satisfying the predicate, a
 * {@link FrameMatch} evaluated by the worker, so {@code -c N} counts matching frames), as it
 * happens; {@code capture drops [dev PORT] [-c N] [snaplen N] [--format pcap|text] [match
 * PREDICATE]}: the frames routerd drops (of every port, or received on one),
 * each with its drop reason, as pcapng (an interface block per port, the router itself as
 * {@code routerd} for packets it made, the reason as each packet's comment) or one line each. Each forwarding worker copies the port's
 * frames into a preallocated ring of its own ({@code CaptureTap}, armed through the typed worker
 * proxy); this live answer ({@link LiveStream}) drains the rings on the control thread while the
 * client reads, and ends after N frames or when the client goes away (the session is disarmed
 * then). A slow reader loses capture frames (counted, reported at the end), never router frames.
 * The snap length is the word {@code snaplen N}, not tcpdump's {@code -s}: routerctl takes
 * {@code -s} anywhere on the line as its statistics flag.
 *
 * <p>Pieces (routerctl decodes them): {@code P} + base64 of pcap bytes (the file header first),
 * {@code O} + text for stdout (one line per frame with {@code --format text}), {@code S} + the
 * summary so far (after arming and after each piece of frames: routerctl prints the last one to
 * stderr if it is interrupted, as tcpdump does on Ctrl-C), {@code E} + text
 * for stderr (the summary). routerctl's {@code -w FILE|-} asks for pcap and writes the file
 * itself (with the client's permissions, never routerd's). Arming happens when the answer is
 * first pulled, after the request committed: a rolled-back request never arms anything.
 */
public final class CaptureCommand implements CommandGroup {
    /** Ring per worker; holds ~700 full-size frames. */
    static final int RING_BYTES = 1 << 20;
    public static final int DEFAULT_SNAP = 65535;
    /** Frames drained into one piece at most. */
    static final int FRAMES_PER_PIECE = 128;
    private static int nextId = 1;

    private final RouterState state;

    public CaptureCommand(RouterState state) {
        this.state = state;
    }

    @Override
    public String object() {
        return "capture";
    }

    @Override
    public String help() {
        return String.join("\n",
            "capture PORT [-w FILE|-] [-c N] [--direction rx|tx|both] [snaplen N] [match 'PREDICATE']   # frames as pcap (-w) or one line each",
            "        (routerctl capture gw0 -w - | tcpdump -r - -n); ends after N frames or on Ctrl-C",
            "capture drops [dev PORT] [-w FILE|-] [-c N] [snaplen N] [match 'PREDICATE']   # dropped frames with their reason (pcapng comments)",
            "        PREDICATE as tcpdump's: src|dst|host|net A[/LEN], proto tcp|udp|icmp|N, [src|dst] port N; and, or, not, ( )");
    }

    @Override
    public void execute(String verb, Args args, Output out) {
        if (verb.equals("show")) { // no word after capture
            throw new CommandException("capture: missing port name (capture PORT [-c N] ... | capture drops [dev PORT] ...;"
                + " routerctl capture help)");
        }
        boolean drops = verb.equals("drops");
        Link link = null;
        if (drops) {
            if (args.hasNext() && args.peek().equals("dev")) {
                args.next("dev");
                link = port(args, args.next("port name"));
            }
        } else {
            link = port(args, verb);
        }
        long count = 0;
        int directions = drops ? CaptureTap.DIRECTION_DROP : CaptureTap.DIRECTION_RX | CaptureTap.DIRECTION_TX;
        int snap = DEFAULT_SNAP;
        boolean pcap = false;
        FrameMatch match = FrameMatch.ANY;
        while (args.hasNext()) {
            String option = args.next("option");
            switch (option) {
                case "-c", "count" -> count = args.integer("frame count", 1, Integer.MAX_VALUE);
                case "-s", "snaplen" -> snap = args.integer("snap length", 1, DEFAULT_SNAP);
                case "--direction", "-Q", "direction" -> {
                    String d = args.next("direction");
                    if (drops) {
                        throw args.error("capture drops has no direction (a drop happens once, wherever it happens)");
                    }
                    directions = switch (d) {
                        case "rx", "in" -> CaptureTap.DIRECTION_RX;
                        case "tx", "out" -> CaptureTap.DIRECTION_TX;
                        case "both", "inout" -> CaptureTap.DIRECTION_RX | CaptureTap.DIRECTION_TX;
                        default -> throw args.error("direction is rx, tx or both, not \"" + d + "\"");
                    };
                }
                case "--format" -> {
                    String f = args.next("format");
                    if (!f.equals("pcap") && !f.equals("text")) {
                        throw args.error("format is pcap or text, not \"" + f + "\"");
                    }
                    pcap = f.equals("pcap");
                }
                case "match" -> match = MatchArgs.parse(args);
                case "-w" -> throw args.error("-w is routerctl's (it writes the file): use --format pcap");
                default -> throw args.error("unexpected \"" + option + "\""
                    + (isNumber(option) ? " (the snap length is snaplen N: -s is routerctl's statistics flag)" : ""));
            }
        }
        out.live(new Stream(state, link, drops, directions, match, snap, count, pcap));
    }

    private static boolean isNumber(String word) {
        return !word.isEmpty() && word.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private Link port(Args args, String name) {
        Link link = state.link(name);
        if (link == null || link.port() == null) {
            throw args.error(link == null ? "no such port \"" + name + "\"" : name + " is not a port (capture its member ports)");
        }
        return link;
    }

    /** One capture session, from arming to disarming. */
    static final class Stream implements LiveStream {
        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS").withZone(ZoneId.systemDefault());

        private final RouterState state;
        /** The port captured; null: drops of every port. */
        private final Link link;
        private final Port port;
        private final boolean drops;
        /** pcapng interface ids of the ports seen so far (drops; -1: the router's own packets). */
        private final java.util.Map<Integer, Integer> interfaceIds = new java.util.HashMap<>();
        private final int directions;
        private final FrameMatch match;
        private final int snap;
        private final long limit;
        private final boolean pcap;
        private final int id = nextId++;
        private final List<CaptureRing> rings = new ArrayList<>();
        private WorkerControl workers;
        private boolean armed;
        private boolean done;
        /** The next piece is the summary so far ({@code S}): after arming and after each piece of frames. */
        private boolean summaryDue;
        private long captured;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final StringBuilder text = new StringBuilder();
        private final CaptureRing.FrameConsumer onFrame = this::frame;

        Stream(RouterState state, Link link, boolean drops, int directions, FrameMatch match, int snap, long limit, boolean pcap) {
            this.state = state;
            this.link = link;
            this.port = link == null ? null : link.port();
            this.drops = drops;
            this.directions = directions;
            this.match = match;
            this.snap = snap;
            this.limit = limit;
            this.pcap = pcap;
        }

        @Override
        public String next() {
            if (done) {
                return null;
            }
            if (!armed) {
                try {
                    workers = state.dataplane().workers();
                    for (int w = 0; w < workers.workerCount(); w++) {
                        rings.add(new CaptureRing(RING_BYTES, snap));
                    }
                    Instant now = Instant.now();
                    long epochOffset = now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
                    workers.armCapture(id, port == null ? CaptureTap.ANY_PORT : port.index(), directions, match, rings, epochOffset);
                } catch (RuntimeException e) {
                    done = true;
                    return "Ecapture " + what() + ": " + e.getMessage() + "\n";
                }
                armed = true;
                summaryDue = true;
                if (!pcap) {
                    return "";
                }
                return "P" + Base64.getEncoder().encodeToString(drops ? Pcap.sectionHeader() : Pcap.fileHeader(snap));
            }
            if (summaryDue) {
                summaryDue = false;
                return "S" + summary() + "\n"; // what routerctl prints if it is interrupted before the end
            }
            for (CaptureRing ring : rings) {
                long left = limit > 0 ? limit - captured : FRAMES_PER_PIECE;
                if (left <= 0) {
                    break;
                }
                ring.drain(onFrame, (int) Math.min(FRAMES_PER_PIECE, left));
            }
            if (bytes.size() > 0 || text.length() > 0) {
                String piece = pcap ? "P" + Base64.getEncoder().encodeToString(bytes.toByteArray()) : "O" + text;
                bytes.reset();
                text.setLength(0);
                summaryDue = true;
                return piece;
            }
            boolean gone = link != null && state.link(link.name()) != link;
            if ((limit > 0 && captured >= limit) || gone) {
                done = true;
                disarm();
                return "E" + summary() + (gone ? " (" + link.name() + " was removed)" : "") + "\n";
            }
            return "";
        }

        private String summary() {
            long lost = 0;
            for (CaptureRing ring : rings) {
                lost += ring.lost();
            }
            return captured + (drops ? " dropped" : "") + " frame" + (captured == 1 ? "" : "s") + " captured "
                + (link == null ? "on every port" : "on " + link.name())
                + (lost > 0 ? ", " + lost + " lost (reader too slow; routerd " + (drops ? "counted" : "forwarded") + " them)" : "");
        }

        private String what() {
            return drops ? "drops" + (link == null ? "" : " dev " + link.name()) : link.name();
        }

        /** The name of port {@code index} now (-1: the router itself, for packets it made). */
        private String portName(int index) {
            if (index < 0) {
                return "routerd";
            }
            Port p = state.dataplane().ports().get(index);
            return p == null ? "port" + index : p.name();
        }

        /** The pcapng interface id of port {@code index}, its description block written first if new. */
        private int interfaceId(int index) {
            Integer known = interfaceIds.get(index);
            if (known != null) {
                return known;
            }
            int assigned = interfaceIds.size();
            interfaceIds.put(index, assigned);
            bytes.writeBytes(Pcap.interfaceDescription(portName(index), snap));
            return assigned;
        }

        private void frame(long epochNanos, int portIndex, int direction, int reason, int wireLength, DirectBuffer buffer,
                           int offset, int length) {
            if (limit > 0 && captured >= limit) {
                return;
            }
            captured++;
            DropReason why = reason >= 0 && reason < DropReason.values().length ? DropReason.values()[reason] : null;
            if (pcap && drops) {
                int ifId = interfaceId(portIndex);
                String comment = why == null ? "drop" : "drop: " + why.counterName() + " (" + why.description() + ")";
                bytes.writeBytes(Pcap.enhancedPacket(ifId, epochNanos, wireLength, buffer, offset, length, comment));
            } else if (pcap) {
                bytes.writeBytes(Pcap.record(epochNanos, wireLength, buffer, offset, length));
            } else {
                describe(text, epochNanos, portName(portIndex), direction, why, wireLength, buffer, offset, length);
            }
        }

        /** One line per frame, tcpdump-like: time, port, direction, addresses, protocol, length. */
        private void describe(StringBuilder out, long epochNanos, String portName, int direction, DropReason why, int wireLength,
                              DirectBuffer b, int at, int length) {
            out.append(TIME.format(Instant.ofEpochSecond(0, epochNanos))).append(' ').append(portName)
                .append(direction == CaptureRing.RX ? " In " : direction == CaptureRing.TX ? " Out "
                    : " Drop " + (why == null ? "?" : why.counterName()) + ": ");
            if (length < 14) {
                out.append("truncated frame, length ").append(wireLength).append('\n');
                return;
            }
            out.append(MacAddress.format(mac(b, at + 6))).append(" > ").append(MacAddress.format(mac(b, at)));
            int type = Short.toUnsignedInt(b.getShort(at + 12, ByteOrder.BIG_ENDIAN));
            if (type == 0x0800 && length >= 34) {
                int ihl = (b.getByte(at + 14) & 0x0F) * 4;
                int proto = b.getByte(at + 23) & 0xFF;
                out.append(", IPv4 ").append(Ipv4Address.format(b.getInt(at + 26, ByteOrder.BIG_ENDIAN)))
                    .append(" > ").append(Ipv4Address.format(b.getInt(at + 30, ByteOrder.BIG_ENDIAN)))
                    .append(", ttl ").append(b.getByte(at + 22) & 0xFF).append(", ")
                    .append(switch (proto) {
                        case 1 -> icmp(b, at + 14 + ihl, length - 14 - ihl);
                        case 6 -> "TCP";
                        case 17 -> "UDP";
                        default -> "proto " + proto;
                    });
            } else if (type == 0x0806) {
                out.append(", ARP");
            } else if (type == 0x86DD) {
                out.append(", IPv6");
            } else {
                out.append(String.format(", ethertype 0x%04x", type));
            }
            out.append(", length ").append(wireLength).append('\n');
        }

        private static String icmp(DirectBuffer b, int at, int available) {
            if (available < 2) {
                return "ICMP";
            }
            int type = b.getByte(at) & 0xFF;
            return switch (type) {
                case 0 -> "ICMP echo reply";
                case 8 -> "ICMP echo request";
                case 3 -> "ICMP unreachable code " + (b.getByte(at + 1) & 0xFF);
                case 11 -> "ICMP time exceeded";
                default -> "ICMP type " + type;
            };
        }

        private static long mac(DirectBuffer b, int at) {
            long mac = 0;
            for (int i = 0; i < 6; i++) {
                mac = (mac << 8) | (b.getByte(at + i) & 0xFF);
            }
            return mac;
        }

        private void disarm() {
            if (armed) {
                armed = false;
                workers.disarmCapture(id);
            }
        }

        @Override
        public void close() {
            done = true;
            try {
                disarm();
            } catch (RuntimeException e) {
                System.err.println("routerd: capture " + what() + ": disarming failed: " + e.getMessage());
            }
        }
    }
}
