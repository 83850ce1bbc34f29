package net.taprouter.dataplane.agent;

import java.util.function.Consumer;
import net.taprouter.dataplane.buffer.DescriptorRing;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.pipeline.ForwardingGraph;
import net.taprouter.dataplane.pipeline.Packet;
import net.taprouter.dataplane.stats.ForwardingLatency;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * Runs received frames through the forwarding graph, runs the neighbour timers, and executes
 * commands from the control thread on the tables this agent owns (the neighbour table). The
 * frames a round forwards are written at its end, one batch per egress port (the context's
 * {@code Transmitter}). Between rounds it is quiescent for {@link ReaderEpochs}.
 */
public final class ForwardingAgent implements Agent {
    static final int FRAME_BATCH = 64;
    static final long TIMER_NANOS = 50_000_000L;
    /** One frame in LATENCY_SAMPLE_MASK + 1 has its RX-to-done time recorded. */
    static final int LATENCY_SAMPLE_MASK = 7;

    private final DescriptorRing ring;
    private final FramePool pool;
    private final ForwardingGraph graph;
    private final ReaderEpochs epochs;
    private final int readerIndex;
    private final Packet packet = new Packet();
    private final DescriptorRing.FrameHandler onFrame = this::onFrame;
    private final ManyToOneConcurrentArrayQueue<Consumer<ForwardingGraph>> commands = new ManyToOneConcurrentArrayQueue<>(1024);
    private final Consumer<Consumer<ForwardingGraph>> runCommand = this::runCommand;
    private long lastTimerNanos;
    private long frames;
    private final ForwardingLatency latency;

    public ForwardingAgent(DescriptorRing ring, FramePool pool, ForwardingGraph graph, ReaderEpochs epochs, int readerIndex,
                           ForwardingLatency latency) {
        this.latency = latency;
        this.ring = ring;
        this.pool = pool;
        this.graph = graph;
        this.epochs = epochs;
        this.readerIndex = readerIndex;
    }

    @Override
    public int doWork() {
        long now = System.nanoTime();
        graph.context().nowNanos = now;
        epochs.enter(readerIndex);
        try {
            int work = commands.drain(runCommand, 16);
            work += ring.poll(onFrame, FRAME_BATCH);
            if (now - lastTimerNanos >= TIMER_NANOS) {
                lastTimerNanos = now;
                work += graph.resolver().onTimer(now);
            }
            graph.context().flushTransmit(); // what this round queued goes out, batched per port
            return work;
        } finally {
            epochs.exit(readerIndex);
        }
    }

    private void onFrame(int slot, int port, int length, long rxNanos) {
        packet.reset(slot, pool.frameOffset(slot), length, port);
        graph.receive(packet);
        if ((++frames & LATENCY_SAMPLE_MASK) == 0) {
            latency.record(System.nanoTime() - rxNanos);
        }
    }

    private void runCommand(Consumer<ForwardingGraph> command) {
        command.accept(graph);
    }

    /** Control thread: queue a command to run on this agent's thread. False if the queue is full. */
    public boolean submit(Consumer<ForwardingGraph> command) {
        return commands.offer(command);
    }

    @Override
    public String roleName() {
        return "forwarding";
    }
}
