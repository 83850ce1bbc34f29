package net.taprouter.dataplane.agent;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import net.taprouter.dataplane.buffer.DescriptorRing;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.buffer.Wakeup;
import net.taprouter.dataplane.io.PortIo;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.capture.CaptureTap;
import net.taprouter.dataplane.buffer.PacketMetadata;
import net.taprouter.dataplane.pipeline.ForwardingGraph;
import net.taprouter.dataplane.pipeline.Packet;
import net.taprouter.dataplane.stats.ForwardingLatency;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * Runs received frames through the forwarding graph (a round's frames first taken off the ring
 * together, their connection-tracking entries prefetched when the table is large:
 * {@code FlowPrefetch}), runs the neighbour timers and the FDB ageing
 * (a bounded slice of every bridge's table per timer round: event fdb_aged), and applies
 * command messages from the control thread ({@link WorkerCommand}, sent by {@link WorkerProxy})
 * to the tables its worker owns, through the worker's {@link WorkerCommandHandler}. The frames a
 * round forwards are written at its end, one batch per egress port (the context's
 * {@code Transmitter}; with the worker's io_uring the writes are started there and go to the
 * kernel with the worker's next io_uring_enter, pushed at once only before the timer's work).
 * Between rounds it is quiescent for {@link ReaderEpochs}.
 */
public final class ForwardingAgent implements Agent {
    static final int FRAME_BATCH = 64;
    static final long TIMER_NANOS = 50_000_000L;
    /** One frame in LATENCY_SAMPLE_MASK + 1 has its RX-to-done time recorded. */
    static final int LATENCY_SAMPLE_MASK = 7;

    private final DescriptorRing ring;
    /** Dedicated threads: the return ring the RX thread may wait on ({@link #wakeRxForSlots}); null with one thread. */
    private SlotReturnRing rxSlotReturns;
    /** Dedicated threads: the RX thread's poller, to wake it when the slots it waits for are back; null with one thread. */
    private PortIo rxIo;
    /** Dedicated threads: the RX thread's wait for room in the ring ({@link #wakeRxForRoom}); null with one thread. */
    private Wakeup rxRoom;
    private final FramePool pool;
    private final int[] metadata;
    private final ForwardingGraph graph;
    private final ReaderEpochs epochs;
    private final int readerIndex;
    private final Packet packet = new Packet();
    /** The round's frames, taken off the ring first (so that their flows can be prefetched), then run one by one. */
    private final int[] batchSlot = new int[FRAME_BATCH];
    private final int[] batchPort = new int[FRAME_BATCH];
    private final int[] batchOffset = new int[FRAME_BATCH];
    private final int[] batchLength = new int[FRAME_BATCH];
    private final long[] batchRx = new long[FRAME_BATCH];
    private int collected;
    private final DescriptorRing.FrameHandler collect = this::collect;
    /** Command messages waiting for this worker; the control thread offers, this agent drains. */
    static final int COMMAND_QUEUE = 1024;
    private final ManyToOneConcurrentArrayQueue<Request<?>> commands = new ManyToOneConcurrentArrayQueue<>(COMMAND_QUEUE);
    private final WorkerCommandHandler handler;
    private final Consumer<Request<?>> runCommand = this::runCommand;
    private long lastTimerNanos;
    private long frames;
    private final ForwardingLatency latency;
    /** Which of {@link #latency}'s recorders this agent writes (its worker index). */
    private int latencyWriter;
    private final CaptureTap capture;

    ForwardingAgent(DescriptorRing ring, FramePool pool, ForwardingGraph graph, WorkerCommandHandler handler, ReaderEpochs epochs,
                    int readerIndex, ForwardingLatency latency) {
        this.latency = latency;
        this.capture = graph.context().capture;
        this.handler = handler;
        this.ring = ring;
        this.pool = pool;
        this.metadata = pool.metadata().words();
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
            work += graph.applyPeerEvents(); // what the other workers learned (several workers only)
            collected = 0;
            int n = ring.poll(collect, FRAME_BATCH);
            if (n > 0 && rxRoom != null && ring.size() <= RxAgent.ROOM_TO_WAKE) {
                rxRoom.wake(); // dedicated threads: the RX thread may wait for room in the ring
            }
            if (n > 0) {
                graph.context().flowPrefetch.frames(batchOffset, batchLength, n);
                for (int i = 0; i < n; i++) {
                    onFrame(batchSlot[i], batchPort[i], batchLength[i], batchRx[i]);
                }
            }
            work += n;
            // what this round forwarded goes out before the timer's work (conntrack's sweep of a
            // 262,144-flow table reads 4,096 flows per tick): after an idle spell the timer is
            // due at the first frame, whose latency would otherwise include the sweep
            // (with io_uring the writes are started here and go to the kernel with the next
            // io_uring_enter: the next read batch or wait; before the timer's work, pushed now)
            graph.context().startTransmit();
            if (now - lastTimerNanos >= TIMER_NANOS) {
                lastTimerNanos = now;
                graph.context().pushTransmit();
                work += graph.onTimer(now); // the ARP resolver's timer and conntrack's expiry
                int aged = graph.context().fdbs.age(now / 1_000_000);
                graph.context().counters.event(net.taprouter.dataplane.stats.Event.FDB_AGED, aged);
                work += aged;
            }
            graph.context().startTransmit(); // what the timer queued (ARP probes, resumed frames)
            if ((work > 0 || lastTimerNanos == now) && rxIo != null && rxSlotReturns.awaitedReturnsBack()) { // (an idle round gives nothing back)
                rxIo.wakeup(); // dedicated threads: the RX thread waits for slots back to read a paused queue again
            }
            return work;
        } finally {
            epochs.exit(readerIndex);
        }
    }

    /**
     * Dedicated threads: after taking frames, wake the RX thread if it sleeps waiting for room in
     * the ring ({@link RxAgent#RING_BUDGET}) and a read's batch of room is free. Set before the agent runs.
     */
    void wakeRxForRoom(Wakeup rxRoomWakeup) {
        this.rxRoom = rxRoomWakeup;
    }

    /**
     * Dedicated threads: after each round, wake the RX thread (through its poller) if it waits for
     * slots back in {@code slotReturns} to read a queue turned away for its share, and they are
     * back ({@link SlotReturnRing#awaitReturns}). Set before the agent runs.
     */
    void wakeRxForSlots(SlotReturnRing slotReturns, PortIo rxPoller) {
        this.rxSlotReturns = slotReturns;
        this.rxIo = rxPoller;
    }

    /** Are frames or commands waiting? (Any thread; a snapshot: what an idle forwarding thread looks at before it sleeps.) */
    boolean hasWork() {
        return !ring.isEmpty() || !commands.isEmpty() || graph.context().peers.pending();
    }

    private void collect(int slot, int port, int length, long rxNanos) {
        int i = collected++; // the ring hands at most FRAME_BATCH per poll
        batchSlot[i] = slot;
        batchPort[i] = port;
        batchOffset[i] = pool.frameOffset(slot);
        batchLength[i] = length;
        batchRx[i] = rxNanos;
    }

    private void onFrame(int slot, int port, int length, long rxNanos) {
        packet.reset(slot, pool.frameOffset(slot), length, port);
        packet.offload.load(metadata, PacketMetadata.base(slot)); // the device's virtio-net header, as RxAgent parsed it
        if (capture.armed) {
            capture.rx(port, pool.buffer(), packet.frameOffset, length);
        }
        graph.receive(packet);
        if ((++frames & LATENCY_SAMPLE_MASK) == 0) {
            latency.record(latencyWriter, System.nanoTime() - rxNanos);
        }
    }

    /** Records latency samples as writer {@code writer} of the shared {@link ForwardingLatency} (before it runs). */
    void latencyWriter(int writer) {
        this.latencyWriter = writer;
    }

    private void runCommand(Request<?> request) {
        request.run(handler);
    }

    /** Control thread: queue a command for this agent's thread. False if the queue is full. */
    boolean submit(Request<?> request) {
        return commands.offer(request);
    }

    /** Control thread: true if the command queue has room for one more (only the control thread offers). */
    boolean hasCommandRoom() {
        return commands.remainingCapacity() > 0;
    }

    /**
     * A command and where its answer goes. A RuntimeException of the command is its answer; an
     * Error ends this agent's thread (the dataplane's fatal handler runs) and the caller times out.
     */
    record Request<R>(WorkerCommand<R> command, CompletableFuture<R> reply) {
        void run(WorkerCommandHandler handler) {
            try {
                reply.complete(command.applyTo(handler));
            } catch (RuntimeException e) {
                reply.completeExceptionally(e);
            }
        }
    }

    private String roleName = "forwarding";

    /** The thread's name part (several workers: "forwarding-N"). */
    void roleName(String name) {
        this.roleName = name;
    }

    @Override
    public String roleName() {
        return roleName;
    }
}
