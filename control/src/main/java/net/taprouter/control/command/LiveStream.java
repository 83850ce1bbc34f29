package net.taprouter.control.command;

/**
 * The end of an answer that goes on as things happen ({@code capture}, later {@code monitor}):
 * made after the request committed, pulled by the control socket while the client can take more,
 * and polled again a little later when it had nothing. Control thread only.
 */
public interface LiveStream {
    /** The next piece; "" when there is nothing right now (ask again later); null when it is complete. */
    String next();

    /** The client went away or the answer ended: release what the stream holds (called once, also after null). */
    void close();
}
