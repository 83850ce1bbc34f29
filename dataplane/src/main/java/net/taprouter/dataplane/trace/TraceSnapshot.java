package net.taprouter.dataplane.trace;

/**
 * What one worker's trace holds now ({@code trace show}): a copy of its records (null: no trace
 * since the last {@code trace clear}), whether it still takes frames, and the stage ids its records use.
 */
public record TraceSnapshot(TraceBuffer records, boolean armed, StageTable stages) {
}
