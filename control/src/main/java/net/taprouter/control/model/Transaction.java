package net.taprouter.control.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * One request's changes, applied as they go and undone in reverse order if a later command of
 * the same request fails: a command line, a config file or a {@code -b} batch is all or nothing.
 *
 * <p>Rules every command follows (issue 6, "half-applied batches"):
 * <ul>
 *   <li><b>Every change registers its undo</b> at once ({@link #onRollback}); the undo puts back
 *       exactly what was there (e.g. {@code neigh replace} over a permanent entry restores the old
 *       MAC and state; {@code link del} undone puts the port back at its index and its place in
 *       the link order, with its neighbours, which stay in the table until the commit).</li>
 *   <li><b>An undo only restores; it does not allocate.</b> What a change frees is freed at
 *       commit ({@link #onCommit}), so that its undo finds it still there: a removed route's
 *       next hop, a replaced route's old next hop, a deleted neighbour's slot (held, not freed), a
 *       removed port's TAP and index. So an undo cannot fail on a full table. (Putting a removed
 *       prefix longer than /24 back may take a tbl8 group, but one is always there: the later
 *       steps' undos gave theirs back first.)</li>
 *   <li><b>Irreversible steps run at commit</b> (closing a TAP, freeing indices); they cannot fail
 *       the request any more: a commit step that throws is logged with its stack and the others
 *       still run. A removal the dataplane cannot finish is retried later (see
 *       {@code Dataplane.removePort}): a timeout at commit neither escapes nor leaks the TAP.</li>
 *   <li><b>Anything thrown rolls back</b>, errors included ({@code CommandProcessor} catches
 *       Throwable).</li>
 *   <li><b>If an undo fails all the same</b> (only a dataplane thread that does not answer for
 *       5 s can make it), the remaining undos still run, and {@link #rollback} returns the
 *       failures: the request's error says so, and the control plane refuses every later
 *       request until routerd is restarted, since its tables may no longer agree.</li>
 * </ul>
 */
public final class Transaction {
    private final Deque<Runnable> undo = new ArrayDeque<>();
    private final List<Runnable> afterCommit = new ArrayList<>();

    /** Registers how to undo the change just made. */
    public void onRollback(Runnable step) {
        undo.push(step);
    }

    /**
     * Registers how to undo the change just made as {@code action.accept(value)}, without an
     * object per change: consecutive registrations of the same action (a batch of
     * {@code route add}s) share one step, whose values are undone in reverse order like separate
     * steps would be.
     */
    public void onRollback(LongConsumer action, long value) {
        LongSteps steps = undo.peek() instanceof LongSteps top && top.action == action ? top : null;
        if (steps == null) {
            steps = new LongSteps(action);
            undo.push(steps);
        }
        steps.add(value);
    }

    /** Registers a step to run once the whole request succeeded (freeing what the request took out). */
    public void onCommit(Runnable step) {
        afterCommit.add(step);
    }

    /** Runs the commit steps. Never throws: the request has succeeded; a failing step is logged. */
    public void commit() {
        undo.clear();
        for (Runnable step : afterCommit) {
            try {
                step.run();
            } catch (Throwable t) {
                System.err.println("routerd: commit step failed (the change is made): " + t);
                t.printStackTrace();
            }
        }
        afterCommit.clear();
    }

    /**
     * Undoes every change in reverse order; every step runs even if one fails. Returns the
     * failures (empty: the state is exactly as before the request).
     */
    public List<Throwable> rollback() {
        List<Throwable> failures = new ArrayList<>();
        while (!undo.isEmpty()) {
            Runnable step = undo.pop();
            if (step instanceof LongSteps steps) {
                steps.undo(failures);
                continue;
            }
            try {
                step.run();
            } catch (Throwable t) {
                failures.add(t);
            }
        }
        afterCommit.clear();
        return failures;
    }

    /** Undo steps {@code action.accept(value)}, one per value, in chunks of 4096 (no big array copied). */
    private static final class LongSteps implements Runnable {
        private static final int CHUNK = 4096;
        final LongConsumer action;
        private final List<long[]> chunks = new ArrayList<>();
        private int count;

        LongSteps(LongConsumer action) {
            this.action = action;
        }

        void add(long value) {
            if (count == chunks.size() * CHUNK) {
                chunks.add(new long[CHUNK]);
            }
            chunks.get(count / CHUNK)[count % CHUNK] = value;
            count++;
        }

        /** Last value first; every value is undone even if one fails. */
        void undo(List<Throwable> failures) {
            for (int k = count - 1; k >= 0; k--) {
                try {
                    action.accept(chunks.get(k / CHUNK)[k % CHUNK]);
                } catch (Throwable t) {
                    failures.add(t);
                }
            }
            count = 0;
            chunks.clear();
        }

        @Override
        public void run() {
            List<Throwable> failures = new ArrayList<>();
            undo(failures);
            if (!failures.isEmpty()) {
                throw new IllegalStateException("undo failed", failures.get(0));
            }
        }
    }
}
