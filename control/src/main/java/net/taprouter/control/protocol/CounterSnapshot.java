package net.taprouter.control.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The counters of a running routerd, read straight from its shared-memory counter file (the
 * dataplane is never asked or stopped), and their {@code routerctl stats} rendering. JDK only,
 * for the client; routerd renders with the same {@link #render}.
 *
 * <p>File layout (see dataplane {@code CounterFile}): a 64-byte header (magic, metadata length,
 * values length), then Agrona counter metadata records (512 bytes: state int at 0, label length
 * at 128, ASCII label at 132) and value records (128 bytes: the value at 0), native byte order.
 *
 * <p>Each writer thread (the RX agent, every forwarding worker) has its own copy of a counter,
 * labelled {@code NAME@SHARD} ({@code drop.no_route@worker0}): a snapshot sums the copies per
 * name ({@link #add}), in the order the names first appear, so it reads the same for one worker
 * or many.
 */
public final class CounterSnapshot {
    public static final long MAGIC = 0x5441505254524331L;
    private static final int HEADER = 64;
    private static final int METADATA_LENGTH = 512;
    private static final int COUNTER_LENGTH = 128;
    private static final int TYPE_ID_OFFSET = 4;
    private static final int LABEL_OFFSET = 128;
    private static final int RECORD_ALLOCATED = 1;
    /** Counter type ids, as the dataplane's CounterFile writes them (that class is not on the client's class path). */
    public static final int TYPE_PLAIN = 0;
    public static final int TYPE_DROP_EXPECTED = 1;
    public static final int TYPE_DROP_ERROR = 2;

    /** The sections of the text form, in order: heading and which counters it holds. */
    private enum Section {
        PORTS("# per port"),
        EVENTS("# what the router did"),
        EXPECTED("# dropped by design: answered with ICMP/reset or ignored, as any router does (expired TTL, IPv6, broadcasts...)"),
        ERRORS("# dropped because of bad input, a full table or queue, or a failure: worth a look when they grow");

        final String heading;

        Section(String heading) {
            this.heading = heading;
        }

        static Section of(String label, int typeId) {
            if (typeId == TYPE_DROP_EXPECTED) {
                return EXPECTED;
            }
            if (typeId == TYPE_DROP_ERROR) {
                return ERRORS;
            }
            return label.startsWith("port.") ? PORTS : EVENTS;
        }
    }

    /** Between a counter's name and its shard in a label (as the dataplane's CounterFile writes it). */
    public static final char SHARD_SEPARATOR = '@';

    private final List<String> labels = new ArrayList<>();
    private final List<Integer> types = new ArrayList<>();
    /** Per counter, its value in each shard ({@code worker0}, {@code rx0}, ...: the thread that wrote it), in the order seen; the counter is their sum. */
    private final List<Map<String, Long>> shards = new ArrayList<>();
    private final Map<String, Integer> index = new HashMap<>();

    public void add(String label, long value) {
        add(label, value, TYPE_PLAIN);
    }

    /** Adds one counter record: its value goes to the sum of its name (the label without {@code @SHARD}). */
    public void add(String label, long value, int typeId) {
        String name = counterName(label);
        String shard = label.length() > name.length() ? label.substring(name.length() + 1) : "";
        Integer at = index.get(name);
        if (at != null) {
            shards.get(at).merge(shard, value, Long::sum);
            return;
        }
        index.put(name, labels.size());
        labels.add(name);
        types.add(typeId);
        Map<String, Long> byShard = new java.util.LinkedHashMap<>();
        byShard.put(shard, value);
        shards.add(byShard);
    }

    /** Counter {@code i}: the sum over its shards. */
    private long value(int i) {
        long sum = 0;
        for (long v : shards.get(i).values()) {
            sum += v;
        }
        return sum;
    }

    /** The counter name of a label: {@code drop.no_route@worker0} → {@code drop.no_route}. */
    public static String counterName(String label) {
        int at = label.lastIndexOf(SHARD_SEPARATOR);
        return at < 0 ? label : label.substring(0, at);
    }

    /** A summed counter. */
    public record Counter(String name, long value, int typeId) {
    }

    /** The counters, summed over their shards, in the order their names first appeared. */
    public List<Counter> counters() {
        List<Counter> list = new ArrayList<>(labels.size());
        for (int i = 0; i < labels.size(); i++) {
            list.add(new Counter(labels.get(i), value(i), types.get(i)));
        }
        return list;
    }

    /**
     * {@code stats --rates}: per counter name, its change from {@code earlier} to this snapshot
     * per second over {@code seconds} (rounded), only the counters that changed (a counter new
     * since {@code earlier} counts from 0), in this snapshot's order; render it as any snapshot.
     */
    public CounterSnapshot ratesSince(CounterSnapshot earlier, double seconds) {
        java.util.Map<String, Long> before = new java.util.HashMap<>();
        for (int i = 0; i < earlier.labels.size(); i++) {
            before.put(earlier.labels.get(i), earlier.value(i));
        }
        CounterSnapshot rates = new CounterSnapshot();
        for (int i = 0; i < labels.size(); i++) {
            long delta = value(i) - before.getOrDefault(labels.get(i), 0L);
            if (delta != 0) {
                rates.add(labels.get(i), Math.round(delta / seconds), types.get(i));
            }
        }
        return rates;
    }

    /** Reads the counter file; IOException if it is missing or not a counter file. */
    public static CounterSnapshot read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            ByteBuffer b = map.order(ByteOrder.nativeOrder());
            if (b.capacity() < HEADER || b.getLong(0) != MAGIC) {
                throw new IOException("not a taprouter counter file: " + file);
            }
            int metaLength = b.getInt(8);
            int valuesLength = b.getInt(12);
            if (metaLength < 0 || valuesLength < 0 || (long) HEADER + metaLength + valuesLength > b.capacity()) {
                throw new IOException("truncated counter file: " + file);
            }
            CounterSnapshot snapshot = new CounterSnapshot();
            int counters = Math.min(metaLength / METADATA_LENGTH, valuesLength / COUNTER_LENGTH);
            for (int id = 0; id < counters; id++) {
                int meta = HEADER + id * METADATA_LENGTH;
                int state = b.getInt(meta);
                if (state == 0) {
                    break; // records are allocated in order: the first unused one ends the list
                }
                if (state != RECORD_ALLOCATED) {
                    continue;
                }
                int labelLength = Math.max(0, Math.min(380, b.getInt(meta + LABEL_OFFSET)));
                byte[] label = new byte[labelLength];
                b.get(meta + LABEL_OFFSET + 4, label);
                long value = b.getLong(HEADER + metaLength + id * COUNTER_LENGTH);
                snapshot.add(new String(label, StandardCharsets.US_ASCII), value, b.getInt(meta + TYPE_ID_OFFSET));
            }
            return snapshot;
        }
    }

    /**
     * {@code NAME VALUE} lines aligned, in sections under {@code #} headings (ports, events, drops
     * by design, drops that point at a problem); or a JSON array of {name, value} objects, drop
     * counters with {@code "expected": true|false}.
     */
    public String render(boolean json) {
        return render(json, false);
    }

    /**
     * {@link #render(boolean)}, with {@code perShard}: each counter followed by its value in each
     * thread that counts it ({@code stats --per-worker}: {@code worker0 12, worker1 30}; the RX
     * threads' shards are {@code rxN}); in JSON a {@code "shards"} object.
     */
    public String render(boolean json, boolean perShard) {
        StringBuilder out = new StringBuilder();
        if (json) {
            out.append('[');
            for (int i = 0; i < labels.size(); i++) {
                out.append(i == 0 ? "" : ",").append("{\"name\":\"").append(labels.get(i).replace("\\", "\\\\").replace("\"", "\\\""))
                    .append("\",\"value\":").append(value(i));
                int type = types.get(i);
                if (type == TYPE_DROP_EXPECTED || type == TYPE_DROP_ERROR) {
                    out.append(",\"expected\":").append(type == TYPE_DROP_EXPECTED);
                }
                if (perShard) {
                    out.append(",\"shards\":{");
                    String comma = "";
                    for (Map.Entry<String, Long> e : shards.get(i).entrySet()) {
                        out.append(comma).append('"').append(e.getKey().replace("\\", "\\\\").replace("\"", "\\\""))
                            .append("\":").append(e.getValue());
                        comma = ",";
                    }
                    out.append('}');
                }
                out.append('}');
            }
            return out.append("]\n").toString();
        }
        int width = labels.stream().mapToInt(String::length).max().orElse(0);
        for (Section section : Section.values()) {
            boolean headed = false;
            for (int i = 0; i < labels.size(); i++) {
                if (Section.of(labels.get(i), types.get(i)) != section) {
                    continue;
                }
                if (!headed) {
                    out.append(section.heading).append(System.lineSeparator());
                    headed = true;
                }
                if (perShard) {
                    StringBuilder split = new StringBuilder();
                    for (Map.Entry<String, Long> e : shards.get(i).entrySet()) {
                        split.append(split.length() == 0 ? "" : ", ").append(e.getKey().isEmpty() ? "-" : e.getKey())
                            .append(' ').append(e.getValue());
                    }
                    out.append(String.format("%-" + width + "s %d  (%s)%n", labels.get(i), value(i), split));
                } else {
                    out.append(String.format("%-" + width + "s %d%n", labels.get(i), value(i)));
                }
            }
        }
        return out.toString();
    }

    /** Where routerd keeps its counters by default: next to its socket. */
    public static Path defaultFile(String socket) {
        String base = socket.endsWith(".sock") ? socket.substring(0, socket.length() - 5) : socket;
        return Path.of(base + ".counters");
    }
}
