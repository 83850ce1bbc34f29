package net.taprouter.dataplane.trace;

import static net.taprouter.dataplane.trace.TraceBuffer.F_FRAME;
import static net.taprouter.dataplane.trace.TraceBuffer.F_GSO;
import static net.taprouter.dataplane.trace.TraceBuffer.F_IPV4;
import static net.taprouter.dataplane.trace.TraceBuffer.F_LINK_BROADCAST;
import static net.taprouter.dataplane.trace.TraceBuffer.F_LOCAL_ORIGIN;
import static net.taprouter.dataplane.trace.TraceBuffer.F_PARTIAL_CHECKSUM;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.wire.Ipv4Address;
import net.taprouter.dataplane.wire.MacAddress;

/**
 * Turns a worker's trace records ({@link TraceSnapshot}) into what {@code trace show} prints:
 * per traced frame, its first bytes in a tcpdump-like line ({@link FrameSummary}) and one line per
 * stage it went through, in order, with what the stage decided, read from the step's snapshot of
 * the packet compared with the step before it, and from the stage it chose next:
 *
 * <pre>
 *   route-lookup: 198.51.100.0/24 via 203.0.113.2 dev gw1     (next hop, egress interface)
 *   forward: ttl 64→63 csum 0x1c2e→0x1d2e                      (the IP header before/after)
 *   postrouting: conntrack new   +   nat: src 192.0.2.1:40000 → 203.0.113.254:40000
 *   adjacency: resolved 00:00:5e:00:53:22 (203.0.113.2)        (the Ethernet destination written)
 *   adjacency: parked for ARP (who-has 203.0.113.2 on gw1)     (it returned nothing: queued)
 *   resumed: ARP resolved 00:00:5e:00:53:22 after 1200 µs
 *   bridge: fdb 00:00:5e:00:53:02 dev p2 | flood ... | fdb ... filtered
 *   drop: no_route         icmp-error: net unreachable 192.0.2.254 > 192.0.2.1
 *   transmit: dev gw1
 * </pre>
 *
 * Names (ports, interfaces, the prefix of a next hop) are looked up when it decodes
 * ({@link Names}): a port renamed or a route changed since shows as it is now. Control thread
 * (or a test); allocates freely.
 */
public final class TraceDecoder {
    /** How port and interface indices, next hops and MTUs read when the trace is shown. */
    public interface Names {
        String port(int index);

        String iface(int index);

        /** The prefix (as route show prints it) of the longest route to {@code destination} with next hop {@code nextHop}; null if none now. */
        String prefix(int destination, int nextHop);

        /** The interface's MTU now; 0 if it is gone. */
        int mtu(int iface);
    }

    /** One stage of a frame's path: its label, ns since the frame came in, what it decided ("" if nothing to say). */
    public record Step(String stage, long nanos, String decision) {
        @Override
        public String toString() {
            return decision.isEmpty() ? stage : stage + ": " + decision;
        }
    }

    /** One traced frame: worker and index, when it came in (ns since the epoch), where, how long, its summary, its path. */
    public record Frame(int worker, int index, long epochNanos, String port, int length, String summary, List<Step> steps,
                        boolean truncated) {
        /** The steps as "stage: decision" lines (tests). */
        public List<String> lines() {
            List<String> lines = new ArrayList<>();
            for (Step s : steps) {
                lines.add(s.toString());
            }
            return lines;
        }
    }

    private final Names names;

    public TraceDecoder(Names names) {
        this.names = names;
    }

    /** Names from the dataplane's tables (read on the thread that writes them: the control thread, or a test's). */
    public static Names names(PortTable ports, InterfaceTable interfaces, RouteTable routes) {
        return new Names() {
            @Override
            public String port(int index) {
                Port p = index < 0 ? null : ports.get(index);
                return p == null ? "port" + index : p.name();
            }

            @Override
            public String iface(int index) {
                Interface i = index < 0 ? null : interfaces.get(index);
                return i == null ? "if" + index : i.name();
            }

            @Override
            public String prefix(int destination, int nextHop) {
                for (int length = 32; length >= 0; length--) {
                    int prefix = destination & Ipv4Address.mask(length);
                    if (routes.get(prefix, length) == nextHop) {
                        return length == 0 ? "default" : Ipv4Address.format(prefix) + "/" + length;
                    }
                }
                return null;
            }

            @Override
            public int mtu(int iface) {
                Interface i = iface < 0 ? null : interfaces.get(iface);
                return i == null ? 0 : i.mtu();
            }
        };
    }

    /** The frames of one worker's snapshot, in the order they came in. */
    public List<Frame> decode(int worker, TraceSnapshot snapshot) {
        List<Frame> out = new ArrayList<>();
        TraceBuffer b = snapshot.records();
        if (b == null) {
            return out;
        }
        List<List<Integer>> stepsOf = new ArrayList<>();
        for (int f = 0; f < b.frameCount(); f++) {
            stepsOf.add(new ArrayList<>());
        }
        for (int s = 0; s < b.stepCount(); s++) {
            int frame = b.stepInt(s, TraceBuffer.S_FRAME);
            if (frame >= 0 && frame < stepsOf.size()) {
                stepsOf.get(frame).add(s);
            }
        }
        for (int f = 0; f < b.frameCount(); f++) {
            out.add(frame(worker, f, b, snapshot.stages(), stepsOf.get(f)));
        }
        return out;
    }

    private Frame frame(int worker, int f, TraceBuffer b, StageTable stages, List<Integer> stepIndices) {
        long rx = b.frameNanos(f);
        int port = b.frameInt(f, TraceBuffer.FR_PORT);
        int length = b.frameInt(f, TraceBuffer.FR_LENGTH);
        List<Step> steps = new ArrayList<>();
        int[] before = null;
        long beforeNanos = rx;
        for (int s : stepIndices) {
            int[] now = new int[TraceBuffer.STEP_INTS];
            for (int i = 0; i < now.length; i++) {
                now[i] = b.stepInt(s, i);
            }
            long nanos = b.stepNanos(s);
            int stage = now[TraceBuffer.S_STAGE];
            StageKind kind = stages.kind(stage);
            if (before != null && kind != StageKind.RX) {
                describe(steps, stages, stage, kind, before, now, nanos - rx,
                    nanos - beforeNanos, port);
            }
            if ((now[TraceBuffer.S_FLAGS] & F_FRAME) == 0 && before != null) {
                System.arraycopy(before, TraceBuffer.S_MAC_HI_TYPE, now, TraceBuffer.S_MAC_HI_TYPE,
                    TraceBuffer.STEP_INTS - TraceBuffer.S_MAC_HI_TYPE); // the frame as it was last seen
                now[TraceBuffer.S_FLAGS] |= before[TraceBuffer.S_FLAGS] & (F_FRAME | F_IPV4);
            }
            before = now;
            beforeNanos = nanos;
        }
        return new Frame(worker, f, b.epochOffsetNanos + rx, names.port(port), length,
            FrameSummary.describe(b.head(f), length), steps, b.frameInt(f, TraceBuffer.FR_TRUNCATED) != 0);
    }

    private void describe(List<Step> out, StageTable stages, int stage, StageKind kind, int[] was, int[] is, long at,
                          long sincePrevious, int rxPort) {
        int next = is[TraceBuffer.S_NEXT];
        StageKind nextKind = stages.kind(next);
        String label = stages.name(stage);
        switch (kind) {
            case DROP -> out.add(new Step(label, at, DropReason.values()[stages.param(stage)].counterName()));
            case ICMP_ERROR -> {
                out.add(new Step("drop", at, DropReason.values()[stages.param(stage)].counterName()));
                out.add(new Step(label, at, icmpError(stages.detail(stage), was, is, next)));
            }
            case PREROUTING, POSTROUTING -> {
                out.add(new Step(label, at, conntrack(was, is)));
                String nat = nat(was, is);
                if (nat != null) {
                    out.add(new Step("nat", at, nat));
                }
            }
            default -> out.add(new Step(label, at, decision(kind, stages, next, nextKind, was, is, sincePrevious, rxPort)));
        }
    }

    private String decision(StageKind kind, StageTable stages, int next, StageKind nextKind, int[] was, int[] is,
                            long sincePrevious, int rxPort) {
        boolean dropNext = nextKind == StageKind.DROP || nextKind == StageKind.ICMP_ERROR;
        return switch (kind) {
            case ETHERNET_INPUT -> "dev " + names.port(rxPort) + (nextKind == StageKind.BRIDGE ? ", bridge " + iface(is, TraceBuffer.S_INGRESS_INTERFACE)
                : nextKind == StageKind.IPV4_INPUT ? ", IPv4" : nextKind == StageKind.ARP_INPUT ? ", ARP" : "")
                + ((is[TraceBuffer.S_FLAGS] & F_LINK_BROADCAST) != 0 ? ", broadcast" : "");
            case BRIDGE -> bridge(stages, next, nextKind, is);
            case ARP_INPUT -> nextKind == StageKind.OFFLOAD_OUTPUT || nextKind == StageKind.TRANSMIT ? "reply sent"
                : next < 0 ? "consumed" : "";
            case IPV4_INPUT -> dropNext ? "" : "ok";
            case GSO_INPUT -> (is[TraceBuffer.S_FLAGS] & F_GSO) != 0 ? "GSO super-packet"
                : (is[TraceBuffer.S_FLAGS] & F_PARTIAL_CHECKSUM) != 0 ? "partial checksum" : "plain";
            case ROUTE_LOOKUP, ROUTE_OUTPUT -> route(nextKind, stages, next, is);
            case FORWARD -> nextKind == StageKind.ICMP_ERROR ? "ttl " + ttl(is) + ": expires here"
                : dropNext ? "" : "ttl " + ttl(was) + "→" + ttl(is) + " csum " + hex(csum(was)) + "→" + hex(csum(is));
            case LOCAL_DELIVERY -> nextKind == StageKind.ROUTE_OUTPUT ? "answered: "
                + FrameSummary.icmpName(is[TraceBuffer.S_L4] >>> 24, is[TraceBuffer.S_L4] >>> 16 & 0xFF) + " "
                + ip(is, TraceBuffer.S_IP_SOURCE) + " > " + ip(is, TraceBuffer.S_IP_DESTINATION)
                : nextKind == StageKind.TCP_RESET ? "TCP to the router: reset" : "";
            case TCP_RESET -> nextKind == StageKind.ROUTE_OUTPUT ? "reset " + ip(is, TraceBuffer.S_IP_SOURCE) + " > "
                + ip(is, TraceBuffer.S_IP_DESTINATION) : "";
            case ADJACENCY -> nextKind == StageKind.MTU ? "resolved " + mac(is) + " (" + ip(is, TraceBuffer.S_NEIGHBOUR) + ")"
                : next < 0 ? "parked for ARP (who-has " + ip(is, TraceBuffer.S_NEIGHBOUR) + " on "
                    + iface(is, TraceBuffer.S_EGRESS_INTERFACE) + ")" : "";
            case RESUMED -> (nextKind == StageKind.MTU ? "ARP resolved " + mac(is)
                : nextKind == StageKind.ICMP_ERROR ? "ARP failed" : "neighbour flushed")
                + " after " + micros(sincePrevious) + " in the ARP queue";
            case MTU -> mtu(nextKind, is);
            case FRAGMENT -> next < 0 && !dropNext ? "sent as fragments" : "";
            case SEGMENT -> next < 0 && !dropNext ? "sent as segments" : "";
            case OFFLOAD_OUTPUT -> nextKind == StageKind.SEGMENT ? "to segment"
                : (was[TraceBuffer.S_FLAGS] & F_PARTIAL_CHECKSUM) != 0 && (is[TraceBuffer.S_FLAGS] & F_PARTIAL_CHECKSUM) == 0
                ? "checksum completed" : "";
            case TRANSMIT -> transmit(is);
            case INTERNAL_ERROR -> "a stage threw: dropped as internal_error";
            default -> "";
        };
    }

    private String bridge(StageTable stages, int next, StageKind nextKind, int[] is) {
        long mac = macOf(is);
        if (nextKind == StageKind.OFFLOAD_OUTPUT || nextKind == StageKind.TRANSMIT) {
            return "fdb " + MacAddress.format(mac) + " dev " + names.port(is[TraceBuffer.S_EGRESS_PORT]);
        }
        if (next < 0) {
            int copies = (is[TraceBuffer.S_FLAGS] & F_FRAME) != 0 ? is[TraceBuffer.S_FLOOD_REFS] : 0;
            return "flood " + MacAddress.format(mac) + " (unknown)" + (copies > 0 ? " to " + copies + " port" + (copies == 1 ? "" : "s") : "");
        }
        if (nextKind == StageKind.DROP) {
            DropReason reason = DropReason.values()[stages.param(next)];
            return reason == DropReason.BRIDGE_FILTERED ? "fdb " + MacAddress.format(mac) + " on the port it came in on: filtered" : "";
        }
        String bridge = iface(is, TraceBuffer.S_INGRESS_INTERFACE);
        return MacAddress.isMulticast(mac) ? "flood " + MacAddress.format(mac) + " and up to " + bridge
            : "to " + bridge + " (its MAC)";
    }

    private String route(StageKind nextKind, StageTable stages, int next, int[] is) {
        String destination = ip(is, TraceBuffer.S_IP_DESTINATION);
        if (nextKind == StageKind.LOCAL_DELIVERY) {
            return "local " + destination;
        }
        if (nextKind == StageKind.FORWARD || nextKind == StageKind.POSTROUTING || nextKind == StageKind.ADJACENCY) {
            int nextHop = is[TraceBuffer.S_NEXT_HOP];
            int dst = is[TraceBuffer.S_IP_DESTINATION];
            String prefix = names.prefix(dst, nextHop);
            int neighbour = is[TraceBuffer.S_NEIGHBOUR];
            return (prefix == null ? destination : prefix) + (neighbour != dst ? " via " + Ipv4Address.format(neighbour) : "")
                + " dev " + iface(is, TraceBuffer.S_EGRESS_INTERFACE);
        }
        if (nextKind == StageKind.ICMP_ERROR || nextKind == StageKind.DROP) {
            DropReason reason = DropReason.values()[stages.param(next)];
            return switch (reason) {
                case NO_ROUTE -> "no route to " + destination;
                case FORWARDING_DISABLED -> "no route to " + destination + " (forwarding off)";
                default -> "";
            };
        }
        return "";
    }

    private String mtu(StageKind nextKind, int[] is) {
        int length = is[TraceBuffer.S_IP_LENGTH];
        if (nextKind == StageKind.OFFLOAD_OUTPUT || nextKind == StageKind.TRANSMIT) {
            int mtu = names.mtu(is[TraceBuffer.S_EGRESS_INTERFACE]);
            return length + " fits" + (mtu > 0 ? " mtu " + mtu : "");
        }
        if (nextKind == StageKind.ICMP_ERROR) {
            return length + " > mtu " + is[TraceBuffer.S_MTU] + " with DF";
        }
        if (nextKind == StageKind.FRAGMENT) {
            return length + " too big: fragment";
        }
        if (nextKind == StageKind.SEGMENT) {
            return "segments too big: segment";
        }
        return "";
    }

    private String transmit(int[] is) {
        int port = is[TraceBuffer.S_EGRESS_PORT];
        if (port >= 0) {
            String iface = iface(is, TraceBuffer.S_EGRESS_INTERFACE);
            String name = names.port(port);
            return "dev " + name + (iface.equals(name) ? "" : " (" + iface + ")");
        }
        int copies = (is[TraceBuffer.S_FLAGS] & F_FRAME) != 0 ? is[TraceBuffer.S_FLOOD_REFS] : 0;
        if (copies > 0) {
            return "flood on " + iface(is, TraceBuffer.S_EGRESS_INTERFACE) + " to " + copies + " port" + (copies == 1 ? "" : "s");
        }
        return "no port up on " + iface(is, TraceBuffer.S_EGRESS_INTERFACE) + ": dropped (port_down)";
    }

    private String icmpError(int typeCode, int[] was, int[] is, int next) {
        String what = FrameSummary.icmpName(typeCode >>> 8, typeCode & 0xFF);
        if ((was[TraceBuffer.S_FLAGS] & F_LOCAL_ORIGIN) != 0) {
            return what + ": none owed (the router's own packet)";
        }
        if (next < 0) {
            return what + ": not sent (suppressed, rate-limited or no source address)";
        }
        if (typeCode == (3 << 8 | 4)) {
            what += ", mtu " + is[TraceBuffer.S_MTU];
        }
        return what + " " + ip(is, TraceBuffer.S_IP_SOURCE) + " > " + ip(is, TraceBuffer.S_IP_DESTINATION);
    }

    /** A hook's conntrack decision: the flow it found or made (or nothing if the hook changed nothing). */
    private static String conntrack(int[] was, int[] is) {
        int before = was[TraceBuffer.S_CT_FLOW];
        int after = is[TraceBuffer.S_CT_FLOW];
        if (before == after) {
            return ""; // nothing new (untracked, or the router's own packet at postrouting)
        }
        String flow = switch (after) {
            case -1 -> "untracked";
            case -2 -> "new";
            case -3 -> "invalid";
            default -> (after & (1 << 30)) != 0 ? "related to flow " + ((after & ~(1 << 30)) >>> 1)
                : "flow " + (after >>> 1) + ((after & 1) == 0 ? " original" : " reply");
        };
        if (before == -2 && after >= 0) {
            flow = "new " + flow;
        }
        return "conntrack " + flow;
    }

    /** A hook's address or port translation, or null. */
    private static String nat(int[] was, int[] is) {
        if ((was[TraceBuffer.S_FLAGS] & is[TraceBuffer.S_FLAGS] & F_IPV4) == 0) {
            return null;
        }
        int proto = is[TraceBuffer.S_TTL_PROTO_CSUM] >>> 16 & 0xFF;
        boolean ports = proto == 6 || proto == 17;
        int oldSrc = was[TraceBuffer.S_IP_SOURCE];
        int newSrc = is[TraceBuffer.S_IP_SOURCE];
        int oldDst = was[TraceBuffer.S_IP_DESTINATION];
        int newDst = is[TraceBuffer.S_IP_DESTINATION];
        int oldL4 = was[TraceBuffer.S_L4];
        int newL4 = is[TraceBuffer.S_L4];
        StringBuilder out = new StringBuilder();
        if (oldSrc != newSrc || (ports && oldL4 >>> 16 != newL4 >>> 16)) {
            out.append("src ").append(endpoint(oldSrc, ports, oldL4 >>> 16)).append(" → ").append(endpoint(newSrc, ports, newL4 >>> 16));
        }
        if (oldDst != newDst || (ports && (oldL4 & 0xFFFF) != (newL4 & 0xFFFF))) {
            if (out.length() > 0) {
                out.append(", ");
            }
            out.append("dst ").append(endpoint(oldDst, ports, oldL4 & 0xFFFF)).append(" → ").append(endpoint(newDst, ports, newL4 & 0xFFFF));
        }
        return out.length() == 0 ? null : out.toString();
    }

    private static String endpoint(int address, boolean ports, int port) {
        return Ipv4Address.format(address) + (ports ? ":" + port : "");
    }

    private String iface(int[] is, int field) {
        return names.iface(is[field]);
    }

    private static String ip(int[] is, int field) {
        return Ipv4Address.format(is[field]);
    }

    private static int ttl(int[] is) {
        return is[TraceBuffer.S_TTL_PROTO_CSUM] >>> 24;
    }

    private static int csum(int[] is) {
        return is[TraceBuffer.S_TTL_PROTO_CSUM] & 0xFFFF;
    }

    private static String hex(int value) {
        return String.format("0x%04x", value);
    }

    private static long macOf(int[] is) {
        return ((long) (is[TraceBuffer.S_MAC_HI_TYPE] >>> 16) << 32) | (is[TraceBuffer.S_MAC_LO] & 0xFFFF_FFFFL);
    }

    private static String mac(int[] is) {
        return MacAddress.format(macOf(is));
    }

    private static String micros(long nanos) {
        return nanos >= 10_000_000 ? nanos / 1_000_000 + " ms" : nanos / 1_000 + " µs";
    }
}
