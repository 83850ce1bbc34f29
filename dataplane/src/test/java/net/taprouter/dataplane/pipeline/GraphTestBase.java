package net.taprouter.dataplane.pipeline;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh {@link GraphFixture} per test, checked for slot leaks afterwards. */
abstract class GraphTestBase {
    static final long A_MAC = GraphFixture.HOST_A_MAC;
    static final long B_MAC = GraphFixture.HOST_B_MAC;
    static final long P0_MAC = GraphFixture.PORT0_MAC;
    static final long P1_MAC = GraphFixture.PORT1_MAC;
    static final long BROADCAST_MAC = GraphFixture.BROADCAST_MAC;
    static final int A = GraphFixture.HOST_A;
    static final int B = GraphFixture.HOST_B;
    static final int R0 = GraphFixture.ROUTER0;
    static final int R1 = GraphFixture.ROUTER1;
    static final long SECOND = GraphFixture.SECOND;

    GraphFixture fx;

    @BeforeEach
    void createFixture() {
        fx = new GraphFixture();
    }

    @AfterEach
    void closeFixture() {
        fx.close();
    }

    /** Host A and host B resolved (PERMANENT), counters marked afterwards. */
    void resolveHosts() {
        fx.resolve(0, A, A_MAC);
        fx.resolve(1, B, B_MAC);
        fx.markCounters();
    }
}
