package net.taprouter.control.model;

import java.util.ArrayList;
import java.util.List;
import net.taprouter.control.command.CommandException;
import net.taprouter.dataplane.conntrack.ConntrackConfig;
import net.taprouter.dataplane.conntrack.NatRule;
import net.taprouter.dataplane.conntrack.NatRuleSet;

/**
 * The NAT rules as configured ({@code nat add|del|show}), in the order they apply: each with the
 * dataplane's {@link NatRule} and its canonical text ({@code masquerade src 192.0.2.0/24 out gw1}, the words
 * {@code nat show} prints and {@code save} writes after {@code nat add}). Every change publishes a
 * new {@link NatRuleSet} to the workers and registers its undo. A rule's id is its place in the
 * list (1 for the first), as iptables numbers its rules: deleting one renumbers those after it, and
 * a router restored from {@code save} numbers them alike. Rules apply to new flows; flows already
 * made keep their translation. The first rule starts connection tracking on the workers
 * ({@code WorkerControl.conntrackStart}); it stays on from then on, also if that batch fails or
 * the rules go (as the kernel's conntrack stays loaded), so flows already made keep being
 * translated. Control thread only.
 */
public final class NatRules {
    /** Rules at most (each is looked at for every new flow). */
    public static final int MAX_RULES = 256;

    private final RouterState state;
    private final List<Entry> rules = new ArrayList<>();

    /**
     * One rule as configured.
     *
     * @param outPort the port a MASQUERADE or SNAT rule names, null for DNAT
     */
    public record Entry(NatRule rule, String text, String outPort) {
    }

    NatRules(RouterState state) {
        this.state = state;
    }

    private ConntrackConfig config() {
        return state.dataplane().conntrack();
    }

    /** The rules in the order they apply. */
    public List<Entry> list() {
        return List.copyOf(rules);
    }

    /** Appends a rule (its id: the number of rules after it is added); undone on rollback. */
    public void add(Entry entry, String command) {
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i).text().equals(entry.text())) {
                throw new CommandException(command + ": the same rule exists (id " + (i + 1) + ")");
            }
        }
        if (rules.size() == MAX_RULES) {
            throw new CommandException(command + ": " + MAX_RULES + " NAT rules already");
        }
        state.dataplane().workers().conntrackStart();
        rules.add(entry);
        publish();
        state.transaction().onRollback(() -> {
            rules.remove(entry);
            publish();
        });
    }

    /** Removes rule {@code id} (its place, from 1); undone on rollback (back in its place). */
    public void delete(int id, String command) {
        if (id < 1 || id > rules.size()) {
            throw new CommandException(command + ": no NAT rule " + id + (rules.isEmpty() ? " (there are none)"
                : " (rules 1.." + rules.size() + ")"));
        }
        int at = id - 1;
        Entry e = rules.remove(at);
        publish();
        state.transaction().onRollback(() -> {
            rules.add(at, e);
            publish();
        });
    }

    /** The id of the first rule that names port {@code name}, or 0 (such a port cannot be deleted). */
    public int usingPort(String name) {
        for (int i = 0; i < rules.size(); i++) {
            if (name.equals(rules.get(i).outPort())) {
                return i + 1;
            }
        }
        return 0;
    }

    private void publish() {
        List<NatRule> list = new ArrayList<>(rules.size());
        for (int i = 0; i < rules.size(); i++) {
            NatRule r = rules.get(i).rule();
            list.add(new NatRule(i + 1, r.kind(), r.protocol(), r.srcNetwork(), r.srcLength(), r.outInterface(), r.to(), r.dst(), r.dport(),
                r.toPort()));
        }
        config().rules(new NatRuleSet(list));
    }
}
