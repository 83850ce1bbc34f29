package net.taprouter.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.dataplane.io.IoMode;
import org.junit.jupiter.api.Test;

/** routerd's {@code --io} option. */
class DaemonOptionsTest {
    @Test
    void ioDefaultsToEpollAndTakesIoUring() {
        assertEquals(IoMode.IO_URING, DaemonOptions.parse(new String[0]).io);
        assertEquals(IoMode.IO_URING, DaemonOptions.parse(new String[] {"--io", "io_uring"}).io);
        assertEquals(IoMode.EPOLL, DaemonOptions.parse(new String[] {"--io", "epoll"}).io);
    }

    @Test
    void aBadIoModeIsRefusedWithTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> DaemonOptions.parse(new String[] {"--io", "uring"}));
        assertEquals("--io takes epoll or io_uring, not \"uring\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DaemonOptions.parse(new String[] {"--io"}));
        assertEquals("--io needs a value", e.getMessage());
        assertTrue(DaemonOptions.usage().contains("[--io epoll|io_uring]"));
    }
}
