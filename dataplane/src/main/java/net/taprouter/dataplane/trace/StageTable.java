package net.taprouter.dataplane.trace;

import java.util.List;

/**
 * The stages a worker's trace records name, by id ({@link TraceBuffer#S_STAGE},
 * {@link TraceBuffer#S_NEXT}; -1 = none: the packet left the graph): each one's kind, its
 * parameter (a drop's or an ICMP error's {@code DropReason} ordinal; an ICMP error's type << 8 |
 * code in {@link #detail}) and, for {@link StageKind#OTHER}, its class name. A copy, for the
 * control thread.
 */
public record StageTable(List<StageKind> kinds, int[] params, int[] detail, List<String> names) {
    public StageKind kind(int id) {
        return id < 0 || id >= kinds.size() ? null : kinds.get(id);
    }

    public int param(int id) {
        return params[id];
    }

    public int detail(int id) {
        return detail[id];
    }

    public String name(int id) {
        StageKind kind = kind(id);
        return kind == null ? "?" : kind == StageKind.OTHER ? names.get(id) : kind.label();
    }
}
