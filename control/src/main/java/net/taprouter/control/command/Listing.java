package net.taprouter.control.command;

/**
 * A listing produced a piece at a time (a cursor), so that a long one (the full BGP table) never
 * sits whole in routerd's memory: the control socket asks for the next rows only when the client
 * has taken the previous ones. Between two pieces other requests may change the tables; like a
 * netlink dump, a listing shows every object that exists throughout it, once, in order.
 * Control thread only.
 */
public interface Listing {
    /** Adds up to {@code maxRows} rows to {@code out}; returns false once the listing is complete. */
    boolean next(Output out, int maxRows);
}
