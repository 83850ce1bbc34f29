package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import net.taprouter.tools.Sh;

/** Assertions about routerctl's answers: error lines, exit statuses, JSON, unchanged state. */
final class CtlCheck {
    private CtlCheck() {}

    static List<String> lines(String s) {
        return Arrays.stream(s.split("\n")).filter(l -> !l.isBlank()).collect(Collectors.toList());
    }

    /**
     * A refused command: exit {@code exit}, nothing on stdout, exactly one stderr line that starts
     * with "routerctl: " and contains every one of {@code words}.
     */
    static void assertError(Sh.Result r, int exit, String diag, String... words) {
        String what = r.describe() + diag;
        assertEquals(exit, r.exit(), "exit status\n" + what);
        List<String> err = lines(r.err());
        assertEquals(1, err.size(), "expected exactly one line on stderr\n" + what);
        assertTrue(err.get(0).startsWith("routerctl: "), "stderr must start with 'routerctl: '\n" + what);
        for (String w : words) {
            assertTrue(err.get(0).contains(w), "stderr should contain '" + w + "'\n" + what);
        }
        assertTrue(r.out().isEmpty(), "nothing expected on stdout\n" + what);
    }

    /** Runs a bad command: exit 1, the error line, and the router's state unchanged. */
    static void assertRefusedAndUnchanged(CtlDaemon d, String[] command, String... words) {
        String before = d.snapshot();
        Sh.Result r = d.ctl(command);
        assertError(r, 1, d.diag(), words);
        String after = d.snapshot();
        assertEquals(before, after, "state changed by refused command: " + String.join(" ", command));
    }

    /**
     * Parses {@code json} with Python's json module and prints {@code expr} (a Python expression
     * over {@code d}, the parsed document); fails the test if it is not valid JSON.
     */
    static String python(String json, String expr) {
        Path f = null;
        try {
            f = Files.createTempFile("trt-json", ".json");
            Files.writeString(f, json);
            Sh.Result r = Sh.cmd("/usr/bin/python3", "-c",
                    "import json,sys\nd=json.load(sys.stdin)\nr=(" + expr + ")\n"
                            + "print(r if isinstance(r,str) else json.dumps(r, sort_keys=True))").stdin(f).run();
            if (!r.ok()) {
                fail("not valid JSON (or expression " + expr + " failed):\n" + r.describe() + "\n--- input ---\n"
                        + (json.length() > 3000 ? json.substring(0, 3000) + "..." : json));
            }
            return r.out().strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (f != null) {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    /** The value of counter {@code name} in {@code stats} text output, or -1. */
    static long counter(String statsText, String name) {
        for (String l : lines(statsText)) {
            String[] f = l.trim().split("\\s+");
            if (f.length == 2 && f[0].equals(name)) {
                return Long.parseLong(f[1]);
            }
        }
        return -1;
    }
}
