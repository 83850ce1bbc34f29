package net.taprouter.dataplane.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An Error that escapes an agent ends its thread and is reported, so that routerd can exit non-zero. */
class DataplaneFatalTest {

    @Test
    void anErrorInTheForwardingThreadCallsTheFatalHandler() throws Exception {
        try (Dataplane dataplane = new Dataplane(DataplaneConfig.defaults(null))) {
            CompletableFuture<Throwable> died = new CompletableFuture<>();
            dataplane.onFatal(died::complete);
            dataplane.start();
            Thread caller = new Thread(() -> {
                try {
                    dataplane.proxy().send(w -> worker -> {
                        throw new StackOverflowError("test: an Error in the forwarding thread");
                    }).get();
                } catch (RuntimeException expected) {
                    // the thread died: no answer
                }
            });
            caller.setDaemon(true);
            caller.start();
            Throwable cause = died.get(10, TimeUnit.SECONDS);
            assertEquals("test: an Error in the forwarding thread", cause.getMessage());
        }
    }
}
