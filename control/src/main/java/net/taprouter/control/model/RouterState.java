package net.taprouter.control.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.taprouter.control.command.Args;
import net.taprouter.control.command.Prefix;
import net.taprouter.dataplane.agent.Dataplane;

/**
 * Everything the control thread knows: the links, the routing information base, and the
 * dataplane it programs. Only the control thread touches it.
 */
public final class RouterState {
    private final Dataplane dataplane;
    private final Map<String, Link> links = new LinkedHashMap<>();
    /** Main table: key = network << 6 | length (unsigned order). */
    private final Rib routes = new Rib();
    /** Local table: router address or subnet broadcast -> next hop (LOCAL or BROADCAST). */
    private final Map<Integer, Integer> localEntries = new LinkedHashMap<>();
    private Transaction transaction = new Transaction();
    private boolean startingUp;
    private final ChangeEvents changes = new ChangeEvents();
    private final NatRules nat = new NatRules(this);
    private final ConntrackSettings conntrack = new ConntrackSettings(this);

    public RouterState(Dataplane dataplane) {
        this.dataplane = dataplane;
    }

    /** The NAT rules. */
    public NatRules nat() {
        return nat;
    }

    /** Conntrack table size and timeouts. */
    public ConntrackSettings conntrack() {
        return conntrack;
    }

    public Dataplane dataplane() {
        return dataplane;
    }

    /** What {@code monitor} reports: changes published when their transaction commits. */
    public ChangeEvents changes() {
        return changes;
    }

    /** A change made by the current transaction, for the monitors (see {@link ChangeEvents}). */
    public void changed(ChangeEvents.Kind kind, boolean deleted, Object subject) {
        changes.emit(transaction, new ChangeEvents.Change(kind, deleted, subject));
    }

    public Transaction transaction() {
        return transaction;
    }

    public void transaction(Transaction tx) {
        this.transaction = tx;
    }

    /**
     * True while routerd applies its --config: a port whose namespace does not exist yet is then
     * created lost (down) instead of failing the start.
     */
    public boolean startingUp() {
        return startingUp;
    }

    public void startingUp(boolean on) {
        this.startingUp = on;
    }

    public Map<String, Link> links() {
        return links;
    }

    public Link link(String name) {
        return links.get(name);
    }

    /** The port named by the next word of {@code args}, or the error {@code no such port "NAME"}. */
    public Link link(Args args) {
        String name = args.next("port name");
        Link link = links.get(name);
        if (link == null) {
            throw args.error("no such port \"" + name + "\"");
        }
        return link;
    }

    /**
     * The link named by the next word of {@code args}, for an L3 use of it (an address, a route):
     * a bridge port has none (its bridge has them), so it is refused.
     */
    public Link l3Link(Args args) {
        Link link = link(args);
        if (link.master() != null) {
            throw args.error("port \"" + link.name() + "\" is a port of bridge " + link.master().name()
                + " (addresses and routes go on the bridge)");
        }
        return link;
    }

    public static long key(Prefix prefix) {
        return Rib.key(prefix);
    }

    /** The main table. */
    public Rib routes() {
        return routes;
    }

    public Route route(Prefix prefix) {
        return routes.get(key(prefix));
    }

    /** The main table's routes in key order (a record per route: for small tables). */
    public List<Route> routeList() {
        return routes.routes();
    }

    public Map<Integer, Integer> localEntries() {
        return localEntries;
    }
}
