package net.taprouter.dataplane.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The warm-up runs on its own private dataplane: it must work whatever the real one holds (it
 * once failed in routerd only, when new counters outgrew its counter file).
 */
class JitWarmupTest {
    @Test
    void forwardsItsSyntheticFramesWithoutError() throws Exception {
        long millis = JitWarmup.run(2_000);
        assertTrue(millis >= 0);
    }
}
