package net.taprouter.dataplane.route;

/**
 * Waits for the readers of a {@link RouteTable} to leave any lookup that started before the call.
 *
 * <p>The table calls {@link #await()} on its writer thread before it reuses tbl8 groups that it unlinked
 * earlier: a reader that loaded the old tbl24 entry may still be about to read the unlinked group. An
 * implementation must block until every reader thread has passed a quiescent point (a point where it holds
 * no table entry it loaded before) after the call began. The table issues a full fence just before calling
 * {@code await()}, so the unlinking stores are visible to any reader that starts a lookup afterwards.
 *
 * <p>A typical implementation gives each reader an epoch counter that it makes odd (a volatile store)
 * before a batch of lookups and even after it; {@code await()} then waits, for each reader whose counter
 * is odd, until the counter changes.
 */
@FunctionalInterface
public interface GracePeriod {

    /** No readers other than the writer itself: returns at once. For single-threaded use. */
    GracePeriod NONE = () -> { };

    /** Blocks until every reader has passed a quiescent point after this call began. */
    void await();
}
