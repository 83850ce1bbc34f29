package net.taprouter.dataplane.trace;

import net.taprouter.dataplane.match.FrameMatch;
import java.util.Arrays;
import org.agrona.DirectBuffer;

/**
 * One worker's packet trace: what to trace (the next {@link #limit} frames received on
 * {@link #port}, or on any port, that {@link #match} accepts) and the records of what happened to
 * them, in arrays made once when the trace is armed ({@code trace add}, on the control thread),
 * so recording allocates nothing. The worker's {@code pipeline.PacketTracer} is its single
 * writer; the control thread only ever sees a {@link #copy} taken on the worker's thread.
 *
 * <p>Per traced frame: the port it came in on, its length, when it came in
 * ({@code System.nanoTime}) and its first {@link #HEAD_BYTES} bytes as received. Per step (one
 * stage a traced frame went through, in the order it went): the frame it belongs to, the stage
 * and the stage it handed the packet to ({@link StageTable} ids), when it ended, and a snapshot of
 * the packet after it ({@link #STEP_INTS} ints, the {@code S_*} offsets): what the stage decided is
 * read from these snapshots by {@link TraceDecoder} (the stage before gives the "before").
 * Steps of different frames interleave (a frame parked for ARP resumes later): each names its frame.
 */
public final class TraceBuffer {
    /** Bytes of each traced frame kept as received (Ethernet + a 60-byte IP header + 8 bytes of L4 ... and some). */
    public static final int HEAD_BYTES = 96;
    /** The most frames one trace may ask for (per worker). */
    public static final int MAX_FRAMES = 1000;
    /** Steps kept per frame asked for (a forwarded frame takes ~12, an answered one ~16). */
    public static final int STEPS_PER_FRAME = 40;
    /** Steps one frame may record at most (more: the frame is marked truncated). */
    public static final int MAX_STEPS_OF_A_FRAME = 64;

    // ---- a step's ints
    public static final int S_FRAME = 0;
    public static final int S_STAGE = 1;
    public static final int S_NEXT = 2;
    /** {@code F_*} bits. */
    public static final int S_FLAGS = 3;
    public static final int S_INGRESS_INTERFACE = 4;
    public static final int S_EGRESS_INTERFACE = 5;
    public static final int S_EGRESS_PORT = 6;
    public static final int S_NEXT_HOP = 7;
    public static final int S_NEIGHBOUR = 8;
    public static final int S_CT_FLOW = 9;
    public static final int S_MTU = 10;
    public static final int S_FRAME_LENGTH = 11;
    /** Destination MAC's upper 16 bits << 16 | EtherType. */
    public static final int S_MAC_HI_TYPE = 12;
    /** Destination MAC's lower 32 bits. */
    public static final int S_MAC_LO = 13;
    public static final int S_IP_SOURCE = 14;
    public static final int S_IP_DESTINATION = 15;
    /** TTL << 24 | protocol << 16 | header checksum. */
    public static final int S_TTL_PROTO_CSUM = 16;
    /** The first 4 bytes of the L4 header: ports (TCP, UDP), type, code and checksum (ICMP). */
    public static final int S_L4 = 17;
    /** Flood references of the slot (a flooded frame: the copies queued). */
    public static final int S_FLOOD_REFS = 18;
    /** The IP header's total length. */
    public static final int S_IP_LENGTH = 19;
    public static final int STEP_INTS = 20;

    public static final int F_LOCAL_ORIGIN = 1;
    public static final int F_LINK_BROADCAST = 2;
    /** The frame's bytes were read for this step (its slot was still the packet's). */
    public static final int F_FRAME = 4;
    /** The IPv4 fields were read (an IPv4 frame long enough). */
    public static final int F_IPV4 = 8;
    public static final int F_GSO = 16;
    public static final int F_PARTIAL_CHECKSUM = 32;

    // ---- a frame's ints
    public static final int FR_PORT = 0;
    public static final int FR_LENGTH = 1;
    public static final int FR_STEPS = 2;
    /** 1: more steps than were kept. */
    public static final int FR_TRUNCATED = 3;
    public static final int FRAME_INTS = 4;

    /** Frames to trace (per worker). */
    public final int limit;
    /** Only frames received on this L2 port (-1: any). */
    public final int port;
    public final FrameMatch match;
    /** Wall clock (ns since the epoch) minus {@code System.nanoTime()} when the trace was armed. */
    public final long epochOffsetNanos;

    final int[] frames;
    final long[] frameNanos;
    final byte[] heads;
    final int[] steps;
    final long[] stepNanos;
    int frameCount;
    int stepCount;
    /** Steps not kept: the buffer was full. */
    long lostSteps;

    /** An empty trace of the next {@code limit} frames (1..{@link #MAX_FRAMES}) on {@code port} (-1: any) that {@code match} accepts. */
    public TraceBuffer(int limit, int port, FrameMatch match, long epochOffsetNanos) {
        this(limit, port, match, epochOffsetNanos, Math.max(64, limit * STEPS_PER_FRAME));
    }

    TraceBuffer(int limit, int port, FrameMatch match, long epochOffsetNanos, int stepCapacity) {
        if (limit < 1 || limit > MAX_FRAMES) {
            throw new IllegalArgumentException("a trace takes 1 to " + MAX_FRAMES + " frames, not " + limit);
        }
        this.limit = limit;
        this.port = port;
        this.match = match == null ? FrameMatch.ANY : match;
        this.epochOffsetNanos = epochOffsetNanos;
        this.frames = new int[limit * FRAME_INTS];
        this.frameNanos = new long[limit];
        this.heads = new byte[limit * HEAD_BYTES];
        this.steps = new int[stepCapacity * STEP_INTS];
        this.stepNanos = new long[stepCapacity];
    }

    /**
     * Forgets every record, so that the same arrays take a new trace: {@code JitWarmup} arms one
     * buffer several times instead of making a new ~3.7 MiB one each time (start-up garbage: see
     * NOTES, idle PSS). Only by the buffer's writer, while no tracer is armed with it.
     */
    public void rewind() {
        frameCount = 0;
        stepCount = 0;
        lostSteps = 0;
    }

    /** True while fewer than {@link #limit} frames were taken. */
    public boolean wantsMore() {
        return frameCount < limit;
    }

    /** True if a frame received on {@code ingressPort} is one to trace (port and match; not the count). */
    public boolean accepts(int ingressPort, DirectBuffer buffer, int offset, int length) {
        return (port < 0 || port == ingressPort) && match.matches(buffer, offset, length);
    }

    /** Starts the record of a frame: returns its index (or -1 if the trace has all its frames). */
    public int startFrame(int ingressPort, DirectBuffer buffer, int offset, int length, long nanos) {
        if (frameCount >= limit) {
            return -1;
        }
        int frame = frameCount++;
        int at = frame * FRAME_INTS;
        frames[at + FR_PORT] = ingressPort;
        frames[at + FR_LENGTH] = length;
        frames[at + FR_STEPS] = 0;
        frames[at + FR_TRUNCATED] = 0;
        frameNanos[frame] = nanos;
        int kept = Math.min(length, HEAD_BYTES);
        buffer.getBytes(offset, heads, frame * HEAD_BYTES, kept);
        if (kept < HEAD_BYTES) {
            Arrays.fill(heads, frame * HEAD_BYTES + kept, (frame + 1) * HEAD_BYTES, (byte) 0);
        }
        return frame;
    }

    /**
     * Room for one more step of {@code frame}: the index of the step's first int (the caller fills
     * {@link #STEP_INTS} of them), or -1 (buffer or the frame's share full: counted, the frame is
     * marked truncated).
     */
    public int addStep(int frame, long nanos) {
        int at = frame * FRAME_INTS;
        if (stepCount * STEP_INTS >= steps.length || frames[at + FR_STEPS] >= MAX_STEPS_OF_A_FRAME) {
            frames[at + FR_TRUNCATED] = 1;
            lostSteps++;
            return -1;
        }
        frames[at + FR_STEPS]++;
        stepNanos[stepCount] = nanos;
        return stepCount++ * STEP_INTS;
    }

    /** The step ints (written by the recorder at the index {@link #addStep} gave). */
    public int[] steps() {
        return steps;
    }

    public int frameCount() {
        return frameCount;
    }

    public int stepCount() {
        return stepCount;
    }

    public long lostSteps() {
        return lostSteps;
    }

    public int frameInt(int frame, int field) {
        return frames[frame * FRAME_INTS + field];
    }

    public long frameNanos(int frame) {
        return frameNanos[frame];
    }

    /** The first bytes of {@code frame} as received (at most {@link #HEAD_BYTES}, the frame's length). */
    public byte[] head(int frame) {
        int length = Math.min(frameInt(frame, FR_LENGTH), HEAD_BYTES);
        return Arrays.copyOfRange(heads, frame * HEAD_BYTES, frame * HEAD_BYTES + length);
    }

    public int stepInt(int step, int field) {
        return steps[step * STEP_INTS + field];
    }

    public long stepNanos(int step) {
        return stepNanos[step];
    }

    /** A copy of what was recorded so far (taken on the worker's thread; the copy is the control thread's). */
    public TraceBuffer copy() {
        TraceBuffer c = new TraceBuffer(limit, port, match, epochOffsetNanos, 0, frameCount, stepCount);
        System.arraycopy(frames, 0, c.frames, 0, frameCount * FRAME_INTS);
        System.arraycopy(frameNanos, 0, c.frameNanos, 0, frameCount);
        System.arraycopy(heads, 0, c.heads, 0, frameCount * HEAD_BYTES);
        System.arraycopy(steps, 0, c.steps, 0, stepCount * STEP_INTS);
        System.arraycopy(stepNanos, 0, c.stepNanos, 0, stepCount);
        c.frameCount = frameCount;
        c.stepCount = stepCount;
        c.lostSteps = lostSteps;
        return c;
    }

    /** A copy's shape: exactly the records there are. */
    private TraceBuffer(int limit, int port, FrameMatch match, long epochOffsetNanos, int unused, int frameCount, int stepCount) {
        this.limit = limit;
        this.port = port;
        this.match = match;
        this.epochOffsetNanos = epochOffsetNanos;
        this.frames = new int[frameCount * FRAME_INTS];
        this.frameNanos = new long[frameCount];
        this.heads = new byte[frameCount * HEAD_BYTES];
        this.steps = new int[stepCount * STEP_INTS];
        this.stepNanos = new long[stepCount];
    }
}
