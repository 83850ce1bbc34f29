package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.stats.DropReason;
import net.taprouter.dataplane.wire.IcmpView;
import net.taprouter.dataplane.wire.Ipv4View;
import org.junit.jupiter.api.Test;

/**
 * The graph's hook points ({@link Hook}): stages registered through {@code Worker.build} run at
 * prerouting (before the route lookup) and postrouting (before the adjacency, for forwarded and
 * router-originated packets alike), in order, and see what the graph says they see.
 */
class HookTest {
    static final int REMOTE = Wire.ip("203.0.113.9");

    /** What a hook saw of one packet. */
    record Seen(String hook, boolean localOrigin, int protocol, int icmpType, int destination, int ingressPort,
                int ingressInterface, int egress, int egressPort, int nextHop, int neighbour, int slot, int frameOffset,
                int frameLength, boolean linkBroadcast, int mtu) {
        static Seen of(String hook, Packet p) {
            Ipv4View ip = p.ip;
            int icmpType = ip.protocol() == Ipv4View.PROTO_ICMP ? ip.buffer().getByte(ip.payloadOffset()) & 0xFF : -1;
            return new Seen(hook, p.localOrigin, ip.protocol(), icmpType, ip.destination(), p.ingressPort, p.ingressInterface,
                p.egressInterface, p.egressPort, p.nextHop, p.neighbourAddress, p.slot, p.frameOffset, p.frameLength, p.linkBroadcast, p.mtu);
        }
    }

    private final List<Seen> seen = new ArrayList<>();

    private Hooks.Factory recorder(String name) {
        return (context, graph) -> Stage.of(packet -> {
            seen.add(Seen.of(name, packet));
            return HookStage.ACCEPT;
        });
    }

    @Test
    void emptyHooksAreNamedPassThroughs() {
        try (GraphFixture fx = new GraphFixture()) {
            assertEquals(Hook.PREROUTING, fx.graph.hook(Hook.PREROUTING).hook());
            assertEquals(0, fx.graph.hook(Hook.PREROUTING).chainLength());
            assertEquals(0, fx.graph.hook(Hook.POSTROUTING).chainLength());
            fx.resolve(1, GraphFixture.HOST_B, GraphFixture.HOST_B_MAC);
            fx.receive(0, Golden.UDP_A_TO_B);
            assertEquals(Golden.UDP_A_TO_B_OUT, Wire.hex(GraphFixture.only(fx.tap1)));
        }
    }

    @Test
    void dormantStagesRunOnlyOnceTheHooksAreWoken() {
        Hooks hooks = Hooks.NONE.with(Hook.PREROUTING, recorder("pre"))
            .withDormant(Hook.PREROUTING, recorder("pre-dormant"))
            .withDormant(Hook.POSTROUTING, recorder("post-dormant"));
        try (GraphFixture fx = new GraphFixture(hooks)) {
            assertEquals(2, fx.graph.hook(Hook.PREROUTING).chainLength());
            assertEquals(1, fx.graph.hook(Hook.PREROUTING).runningLength());
            assertEquals(0, fx.graph.hook(Hook.POSTROUTING).runningLength());
            fx.resolve(1, GraphFixture.HOST_B, GraphFixture.HOST_B_MAC);
            fx.receive(0, Golden.UDP_A_TO_B);
            assertEquals(List.of("pre"), seen.stream().map(Seen::hook).toList());
            assertEquals(Golden.UDP_A_TO_B_OUT, Wire.hex(GraphFixture.only(fx.tap1)));

            seen.clear();
            fx.graph.wakeHooks();
            fx.graph.wakeHooks(); // idempotent
            fx.receive(0, Golden.UDP_A_TO_B);
            assertEquals(List.of("pre", "pre-dormant", "post-dormant"), seen.stream().map(Seen::hook).toList(),
                "in the order registered");
            assertEquals(Golden.UDP_A_TO_B_OUT, Wire.hex(GraphFixture.only(fx.tap1)));
        }
    }

    /** A DNAT-like stage: 198.51.100.1 becomes 203.0.113.9 (header checksum recomputed). */
    private static Hooks.Factory rewriteDestination() {
        return (context, graph) -> Stage.of(packet -> {
            if (packet.ip.destination() == GraphFixture.HOST_B) {
                packet.ip.destination(REMOTE);
                packet.ip.updateHeaderChecksum();
            }
            return HookStage.ACCEPT;
        });
    }

    @Test
    void aDestinationRewrittenAtPreroutingChangesTheRouteTaken() {
        try (GraphFixture fx = new GraphFixture(Hooks.NONE.with(Hook.PREROUTING, rewriteDestination())
                .with(Hook.POSTROUTING, recorder("post")))) {
            fx.resolve(1, GraphFixture.HOST_B, GraphFixture.HOST_B_MAC);
            fx.resolve(1, GraphFixture.GATEWAY, GraphFixture.GATEWAY_MAC);
            fx.markCounters();

            fx.receive(0, Golden.UDP_A_TO_B);

            byte[] out = GraphFixture.only(fx.tap1);
            assertEquals(GraphFixture.GATEWAY_MAC, Wire.getMac(out, 0), "sent to the gateway of 203.0.113.0/24, not to host B");
            assertEquals(REMOTE, Wire.u32(out, 30), "destination");
            assertEquals(0, Wire.checksum(out, 14, 20), "IP header checksum");
            assertEquals(1, seen.size());
            assertEquals(GraphFixture.GATEWAY, seen.get(0).neighbour(), "route looked up after the rewrite");
            fx.assertCounters("event.forwarded", 1, "port.tap1.tx_packets", 1, "port.tap1.tx_bytes", out.length);
            fx.assertNoLeak();
        }
    }

    @Test
    void postroutingSeesForwardedPacketsAndWhatTheRouterOriginates() {
        try (GraphFixture fx = new GraphFixture(Hooks.NONE.with(Hook.PREROUTING, recorder("pre"))
                .with(Hook.POSTROUTING, recorder("post")))) {
            fx.resolve(0, GraphFixture.HOST_A, GraphFixture.HOST_A_MAC);
            fx.resolve(1, GraphFixture.HOST_B, GraphFixture.HOST_B_MAC);

            fx.receive(0, Golden.UDP_A_TO_B);      // forwarded
            fx.receive(0, Golden.UDP_TTL1);        // time exceeded
            fx.receive(0, Golden.ECHO_REQUEST);    // echo reply
            fx.receive(0, Golden.UDP_NO_ROUTE);    // net unreachable
            fx.receive(0, Golden.ARP_REQUEST_FROM_A); // ARP: passes neither hook

            List<String> post = new ArrayList<>();
            for (Seen s : seen) {
                if (s.hook().equals("post")) {
                    post.add((s.localOrigin() ? "originated " : "forwarded ") + s.protocol() + "/" + s.icmpType()
                        + " out " + s.egress());
                    assertEquals(-1, s.egressPort(), "the egress port is chosen at transmit, after postrouting");
                } else {
                    assertEquals(false, s.localOrigin(), "prerouting sees received packets only");
                    assertEquals(0, s.ingressInterface(), "prerouting: the ingress interface is known");
                }
            }
            assertEquals(List.of(
                "forwarded 17/-1 out 1",
                "originated 1/" + IcmpView.TYPE_TIME_EXCEEDED + " out 0",
                "originated 1/" + IcmpView.TYPE_ECHO_REPLY + " out 0",
                "originated 1/" + IcmpView.TYPE_DEST_UNREACHABLE + " out 0"), post);
            assertEquals(4, seen.stream().filter(s -> s.hook().equals("pre")).count(), "prerouting: the four IPv4 packets");
            fx.assertNoLeak();
        }
    }

    @Test
    void postroutingSeesTcpResets() {
        try (GraphFixture fx = new GraphFixture(Hooks.NONE.with(Hook.POSTROUTING, recorder("post")))) {
            fx.resolve(0, GraphFixture.HOST_A, GraphFixture.HOST_A_MAC);
            byte[] syn = Wire.tcpSyn(40000, 22);
            byte[] pseudo = new byte[12 + syn.length];
            Wire.put32(pseudo, 0, GraphFixture.HOST_A);
            Wire.put32(pseudo, 4, GraphFixture.ROUTER0);
            pseudo[9] = (byte) Wire.PROTO_TCP;
            Wire.put16(pseudo, 10, syn.length);
            System.arraycopy(syn, 0, pseudo, 12, syn.length);
            Wire.put16(syn, 16, Wire.checksum(pseudo, 0, pseudo.length));
            fx.receive(0, Wire.ipv4("192.0.2.1", "192.0.2.254").payload(Wire.PROTO_TCP, syn)
                .frame(GraphFixture.PORT0_MAC, GraphFixture.HOST_A_MAC));

            assertEquals(1, seen.size());
            assertEquals(true, seen.get(0).localOrigin());
            assertEquals(Wire.PROTO_TCP, seen.get(0).protocol());
            assertEquals(GraphFixture.HOST_A, seen.get(0).destination());
            GraphFixture.only(fx.tap0);
            fx.assertNoLeak();
        }
    }

    /** Chains of one to four stages (the hook runs two from fields, the rest in a loop), each stage in turn dropping. */
    @Test
    void everyStageOfALongChainRunsInOrderUntilOneTakesThePacket() {
        for (int length = 1; length <= 4; length++) {
            for (int dropper = 0; dropper <= length; dropper++) { // dropper == length: none drops
                List<String> order = new ArrayList<>();
                Hooks hooks = Hooks.NONE;
                for (int i = 0; i < length; i++) {
                    String name = "s" + i;
                    boolean drops = i == dropper;
                    hooks = hooks.with(Hook.POSTROUTING, (context, graph) -> {
                        Stage drop = graph.drop(DropReason.FORWARDING_DISABLED);
                        return Stage.of(packet -> {
                            order.add(name);
                            return drops ? drop : HookStage.ACCEPT;
                        });
                    });
                }
                try (GraphFixture fx = new GraphFixture(hooks)) {
                    fx.resolve(1, GraphFixture.HOST_B, GraphFixture.HOST_B_MAC);
                    fx.receive(0, Golden.UDP_A_TO_B);
                    List<String> expected = new ArrayList<>();
                    for (int i = 0; i < Math.min(length, dropper + 1); i++) {
                        expected.add("s" + i);
                    }
                    String what = length + " stages, dropper " + dropper;
                    assertEquals(expected, order, what);
                    if (dropper < length) {
                        fx.assertNothingWritten();
                        assertEquals(1, fx.counter("drop.forwarding_disabled"), what);
                    } else {
                        GraphFixture.only(fx.tap1);
                        assertEquals(1, fx.counter("event.forwarded"), what);
                    }
                    fx.assertNoLeak();
                }
            }
        }
    }

    @Test
    void chainStagesRunInOrderAndOneMayDrop() {
        List<String> order = new ArrayList<>();
        Hooks hooks = Hooks.NONE
            .with(Hook.PREROUTING, (context, graph) -> Stage.of(packet -> {
                order.add("first");
                return HookStage.ACCEPT;
            }))
            .with(Hook.PREROUTING, (context, graph) -> {
                Stage drop = graph.drop(DropReason.FORWARDING_DISABLED);
                return Stage.of(packet -> {
                    order.add("second");
                    return drop;
                });
            })
            .with(Hook.PREROUTING, (context, graph) -> Stage.of(packet -> {
                order.add("third");
                return HookStage.ACCEPT;
            }));
        try (GraphFixture fx = new GraphFixture(hooks)) {
            fx.receive(0, Golden.UDP_A_TO_B);
            assertEquals(List.of("first", "second"), order);
            fx.assertNothingWritten();
            fx.assertCounters("drop.forwarding_disabled", 1, "port.tap0.rx_drops", 1);
            fx.assertNoLeak();
        }
    }

    @Test
    void aPacketParkedForArpResumesWithExactlyItsMetadata() {
        try (GraphFixture fx = new GraphFixture(Hooks.NONE.with(Hook.POSTROUTING, recorder("post")))) {
            fx.receive(0, Golden.UDP_A_TO_B); // host B unknown: parked, ARP request sent
            assertEquals(1, fx.queuedSlots());
            Seen parked = seen.get(0);

            fx.receive(1, Golden.ARP_REPLY_FROM_B);

            Seen resumed = Seen.of("post", fx.graph.resolver().resumed());
            assertEquals(1, resumed.egressPort(), "transmit chose the egress interface's port");
            assertEquals(parked, new Seen(resumed.hook(), resumed.localOrigin(), resumed.protocol(), resumed.icmpType(),
                resumed.destination(), resumed.ingressPort(), resumed.ingressInterface(), resumed.egress(), -1, resumed.nextHop(),
                resumed.neighbour(), resumed.slot(), resumed.frameOffset(), resumed.frameLength(), resumed.linkBroadcast(),
                resumed.mtu()), "as parked, but for the egress port chosen at transmit");
            assertEquals(Golden.UDP_A_TO_B_OUT, Wire.hex(fx.tap1.take().get(1)), "the ARP request, then the packet");
            fx.assertNoLeak();
        }
    }
}
