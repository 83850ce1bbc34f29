package net.taprouter.tools;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A host's namespace disappears under the running router: the rest keeps working. */
@Tag("netns")
@Timeout(value = 90)
abstract class VanishedNamespaceScenarios {
    protected BookTopology t;

    abstract BookTopology.Kind kind();

    @BeforeEach
    void setUp() {
        Namespaces.assumeNetnsCapable();
        t = BookTopology.create(kind());
    }

    @AfterEach
    void tearDown() {
        String problem = t == null ? null : t.stopAndCleanUp();
        if (problem != null) {
            fail(problem);
        }
    }

    /** Called after ns2 is gone and ns1 still reaches the router; routerd adds its own checks. */
    protected void afterVanish() {}

    @Test
    void deletingAHostNamespaceLeavesTheRouterServingTheOthers() {
        Net.assertPingOk(Net.ping(t.ns1, "198.51.100.1", "-c2", "-i0.2", "-W1"), 63, t.diag());
        t.names.delete(t.ns2);
        assertFalse(Namespaces.exists(t.ns2), "ns2 still exists");
        Net.assertPingOk(Net.ping(t.ns1, "192.0.2.254", "-c3", "-i0.2", "-W1"), 64,
                "\n(after ns2 was deleted)" + t.diag());
        afterVanish();
        // and a little later still
        Net.assertPingOk(Net.ping(t.ns1, "192.0.2.254", "-c3", "-i0.2", "-W1"), 64,
                "\n(after ns2 was deleted, second round)" + t.diag());
        Sh.Result gone = Net.ping(t.ns1, "198.51.100.1", "-c2", "-i0.2", "-W1");
        assertTrue(Net.loss(gone.out()) == 100.0, "198.51.100.1 should be unreachable now\n" + gone.describe());
    }
}
