package net.taprouter.control.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.taprouter.control.command.Args;
import net.taprouter.control.command.Prefix;
import net.taprouter.dataplane.agent.Dataplane;
import net.taprouter.dataplane.port.Port;

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
