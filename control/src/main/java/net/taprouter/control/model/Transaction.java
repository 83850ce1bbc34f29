package net.taprouter.control.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * One request's changes, applied as they go and undone in reverse order if a later command of
 * the same request fails: a command line, a config file or a {@code -b} batch is all or nothing.
 * Steps that cannot be undone (closing a TAP) are deferred to {@link #commit()}.
 */
public final class Transaction {
    private final Deque<Runnable> undo = new ArrayDeque<>();
    private final List<Runnable> afterCommit = new ArrayList<>();

    /** Registers how to undo the change just made. */
    public void onRollback(Runnable step) {
        undo.push(step);
    }

    /** Registers an irreversible step to run once the whole request succeeded. */
    public void onCommit(Runnable step) {
        afterCommit.add(step);
    }

    public void commit() {
        undo.clear();
        for (Runnable step : afterCommit) {
            step.run();
        }
        afterCommit.clear();
    }

    public void rollback() {
        while (!undo.isEmpty()) {
            Runnable step = undo.pop();
            try {
                step.run();
            } catch (RuntimeException e) {
                System.err.println("routerd: rollback step failed: " + e);
            }
        }
        afterCommit.clear();
    }
}
