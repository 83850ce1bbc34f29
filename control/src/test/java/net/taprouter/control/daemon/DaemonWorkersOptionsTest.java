package net.taprouter.control.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code routerd --workers N --cpus LIST}: parsed, defaults, one-line refusals; the usage names them. */
class DaemonWorkersOptionsTest {
    @Test
    void defaultsToOneUnpinnedWorker() {
        DaemonOptions o = DaemonOptions.parse(new String[0]);
        assertEquals(1, o.workers);
        assertEquals(0, o.cpus.length);
    }

    @Test
    void workersAndCpuLists() {
        DaemonOptions o = DaemonOptions.parse(new String[] {"--workers", "2", "--cpus", "0,2-3"});
        assertEquals(2, o.workers);
        assertArrayEquals(new int[] {0, 2, 3}, o.cpus);
        assertArrayEquals(new int[] {1}, DaemonOptions.cpuList("1"));
        assertArrayEquals(new int[] {0, 1, 2, 3}, DaemonOptions.cpuList("0-3"));
    }

    @Test
    void badValuesAreOneLineErrors() {
        String[][] bad = {{"--workers", "0"}, {"--workers", "65"}, {"--workers", "two"}, {"--workers"},
            {"--cpus", ""}, {"--cpus", "a"}, {"--cpus", "3-1"}, {"--cpus", "0,,1"}, {"--cpus", "-1"}, {"--cpus", "1024"}};
        for (String[] args : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DaemonOptions.parse(args), String.join(" ", args));
            assertTrue(e.getMessage().startsWith(args[0]) && !e.getMessage().contains("\n"), e.getMessage());
        }
        assertTrue(DaemonOptions.usage().contains("[--workers N] [--cpus LIST]"), DaemonOptions.usage());
    }
}
