package net.taprouter.dataplane.conntrack;

import net.taprouter.dataplane.pipeline.HookStage;
import net.taprouter.dataplane.pipeline.Packet;
import net.taprouter.dataplane.pipeline.Stage;

/**
 * Conntrack's stage at prerouting: {@link ConntrackInStage} (find or begin the packet's flow,
 * translate an existing flow's destination), then {@link DnatStage} (a new flow's DNAT rule).
 * One stage for the two, called through typed fields, so the hook's chain holds one stage per
 * hook and the JIT inlines both calls (one interface call per hook instead of three on every
 * tracked packet).
 *
 * <p>Input: a received IPv4 packet at prerouting. Output: {@link HookStage#ACCEPT}, or the drop
 * stage one of the two returned. Counters: theirs.
 */
final class ConntrackPrerouting extends Stage {
    private final ConntrackInStage conntrack;
    private final DnatStage dnat;

    ConntrackPrerouting(ConntrackInStage conntrack, DnatStage dnat) {
        this.conntrack = conntrack;
        this.dnat = dnat;
    }

    @Override
    public Stage process(Packet packet) {
        Stage verdict = conntrack.process(packet);
        return verdict != HookStage.ACCEPT ? verdict : dnat.process(packet);
    }
}
