package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import net.taprouter.dataplane.port.Port;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code link add ... queues N} on a dataplane of two workers ({@code routerd --workers 2}): a
 * multi-queue TAP of N queues, plus a transmit-only (detached) fd for each worker beyond N, so
 * that every worker writes on an fd of its own; {@code link show} says {@code queues N} (text and
 * JSON), {@code save} writes it (not the default 1) and replays to the same; a lost port comes
 * back with its queues; bad values are refused with one line and nothing made; {@code nat add}
 * is refused with several workers.
 */
@Timeout(60)
class LinkQueuesTest {
    private String ns;
    private LiveRouter r;

    @BeforeEach
    void setUp() {
        assumeTrue(LiveRouter.isRoot(), "needs root (TAPs in a network namespace)");
        ns = LiveRouter.createNamespace("mq");
        r = new LiveRouter(LiveRouter.SMALL.withWorkers(2, null), true);
        r.ok("link add one type tap ifname t1 netns " + ns + "\n"
            + "link add two type tap ifname t2 netns " + ns + " queues 2\n"
            + "link add four type tap ifname t4 netns " + ns + " queues 4 offload off\n"
            + "addr add 192.0.2.254/24 dev two");
    }

    @AfterEach
    void tearDown() {
        if (r != null) {
            r.close();
        }
        LiveRouter.deleteNamespace(ns);
    }

    private Port port(String name) {
        return r.state.link(name).port();
    }

    /** What the kernel says of TAP {@code ifname}: "numqueues N numdisabled M". */
    private String kernelQueues(String ifname) {
        String details = LiveRouter.sh("ip", "-d", "-n", ns, "link", "show", "dev", ifname);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("multi_queue numqueues (\\d+) numdisabled (\\d+)").matcher(details);
        return m.find() ? "numqueues " + m.group(1) + " numdisabled " + m.group(2) : "single-queue";
    }

    @Test
    void queuesAndOneTransmitFdPerWorker() {
        assertEquals(1, port("one").rxQueues());
        assertEquals(2, port("one").queues().length, "worker 1 writes on a detached queue of its own");
        assertEquals("numqueues 1 numdisabled 1", kernelQueues("t1"));
        assertEquals(2, port("two").rxQueues());
        assertEquals(2, port("two").queues().length);
        assertEquals("numqueues 2 numdisabled 0", kernelQueues("t2"));
        assertEquals(4, port("four").rxQueues());
        assertEquals(4, port("four").queues().length);
        assertEquals("numqueues 4 numdisabled 0", kernelQueues("t4"));
        for (String name : new String[] {"one", "two", "four"}) {
            java.util.Set<Integer> fds = new java.util.HashSet<>();
            for (var q : port(name).queues()) {
                fds.add(q.fd());
            }
            assertEquals(port(name).queues().length, fds.size(), "one fd per queue");
            assertTrue(port(name).txQueue(0) != port(name).txQueue(1), "worker 0 and 1 write on different fds");
        }
        assertEquals(0, port("four").tap().headroom(), "offload off on every queue");
        assertEquals(10, port("two").txQueue(1).headroom(), "offloads on every queue");
    }

    @Test
    void linkShowAndJson() throws CommandProcessor.Failure {
        String show = r.ok("link show");
        assertTrue(show.contains("    tap ifname t1 netns " + ns + " offload csum tso4 tso6 uso4 uso6 queues 1\n"), show);
        assertTrue(show.contains("    tap ifname t2 netns " + ns + " offload csum tso4 tso6 uso4 uso6 queues 2\n"), show);
        assertTrue(show.contains("    tap ifname t4 netns " + ns + " offload off queues 4\n"), show);
        String json = r.processor.run("link show two", "-", true);
        assertTrue(json.contains("\"queues\":2"), json);
    }

    @Test
    void saveWritesQueuesAndReplaysToTheSame() {
        String save = r.save();
        assertTrue(save.contains(" mtu 1500 queues 2\n") && save.contains(" offload off queues 4\n"), save);
        assertEquals(2, save.split(" queues ", -1).length - 1, "not the default 1\n" + save);
        r.close();
        r = new LiveRouter(LiveRouter.SMALL.withWorkers(2, null), true);
        r.ok(save);
        assertEquals(save, r.save());
        assertEquals(2, port("two").rxQueues());
        assertEquals("numqueues 4 numdisabled 0", kernelQueues("t4"));
    }

    @Test
    void aLostPortComesBackWithItsQueues() {
        LiveRouter.sh("ip", "-n", ns, "link", "del", "t2");
        port("two").markCarrierLost();
        r.ok("link set two up");
        assertFalse(port("two").carrierLost());
        assertEquals(2, port("two").queues().length);
        assertEquals("numqueues 2 numdisabled 0", kernelQueues("t2"));
    }

    @Test
    void badValuesAreRefusedWithOneLine() {
        for (String bad : new String[] {"queues 0", "queues 65", "queues x", "queues"}) {
            CommandProcessor.Failure e = assertThrows(CommandProcessor.Failure.class,
                () -> r.run("link add x0 type tap ifname t9 netns " + ns + " " + bad));
            assertTrue(e.getMessage().contains("queues"), e.getMessage());
            assertFalse(e.getMessage().strip().contains("\n"), "one line: " + e.getMessage());
        }
        assertFalse(LiveRouter.deviceExists(ns, "t9"), "nothing made");
        assertEquals(3, r.state.links().size());
    }

    @Test
    void natSteersEveryPortToItsFirstQueue() {
        r.ok("nat add masquerade src 192.0.2.0/24 out two");
        // worker 0 reads queue 0 and tracks every flow; the other queues stay writable, detached
        assertEquals("numqueues 1 numdisabled 1", kernelQueues("t1"));
        assertEquals("numqueues 1 numdisabled 1", kernelQueues("t2"));
        assertEquals("numqueues 1 numdisabled 3", kernelQueues("t4"));
        r.ok("link add five type tap ifname t5 netns " + ns + " queues 3");
        assertEquals("numqueues 1 numdisabled 2", kernelQueues("t5"), "a port added later too");
        assertEquals(3, port("five").rxQueues());
        LiveRouter.sh("ip", "-n", ns, "link", "del", "t2");
        port("two").markCarrierLost();
        r.ok("link set two up");
        assertEquals("numqueues 1 numdisabled 1", kernelQueues("t2"), "and a revived one");
        r.ok("nat del 1");
        assertEquals("numqueues 1 numdisabled 3", kernelQueues("t4"), "tracking stays on: so does the steering");
    }

    @Test
    void oneWorkerOpensAPlainTapForOneQueue() {
        r.close();
        LiveRouter one = new LiveRouter();
        r = one;
        r.ok("link add a type tap ifname u1 netns " + ns + "\nlink add b type tap ifname u2 netns " + ns + " queues 2");
        assertEquals("single-queue", kernelQueues("u1"));
        assertEquals(1, port("a").queues().length);
        assertEquals("numqueues 2 numdisabled 0", kernelQueues("u2"));
        assertEquals(2, port("b").queues().length);
    }
}
