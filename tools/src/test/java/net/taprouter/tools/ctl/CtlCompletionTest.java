package net.taprouter.tools.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taprouter.tools.Routerd;
import net.taprouter.tools.Sh;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code routerctl completion bash}: valid bash that defines the completion (no routerd needed). */
@Tag("netns")
@Timeout(value = 60)
class CtlCompletionTest {
    private static String ctl() {
        return Routerd.routerctlBin().toString();
    }

    @Test
    void completionScriptIsValidBashAndCompletes() {
        Sh.Result gen = Sh.ok(ctl(), "completion", "bash");
        assertTrue(gen.err().isEmpty(), gen.describe());
        Sh.Result syntax = Sh.ok("bash", "-c", "set -o pipefail; '" + ctl() + "' completion bash | bash -n");
        assertTrue(syntax.err().isEmpty(), "bash -n complained\n" + syntax.describe());

        Sh.Result defined = Sh.ok("bash", "-c", "source <('" + ctl() + "' completion bash) && complete -p routerctl");
        assertEquals("complete -F _routerctl routerctl", defined.out().strip(), defined.describe());

        // and it completes: objects, then verbs
        String complete = "source <('" + ctl() + "' completion bash); COMP_WORDS=(%s); COMP_CWORD=%d; _routerctl;"
                + " echo \"${COMPREPLY[*]}\"";
        assertEquals("route", Sh.ok("bash", "-c", String.format(complete, "routerctl ro", 1)).out().strip());
        String verbs = Sh.ok("bash", "-c", String.format(complete, "routerctl route ''", 2)).out().strip();
        for (String v : new String[] {"add", "replace", "del", "show", "get"}) {
            assertTrue((" " + verbs + " ").contains(" " + v + " "), "route verbs offered: " + verbs);
        }
        assertEquals("fdb", Sh.ok("bash", "-c", String.format(complete, "routerctl fd", 1)).out().strip());
        String fdbVerbs = Sh.ok("bash", "-c", String.format(complete, "routerctl fdb ''", 2)).out().strip();
        assertEquals("show add del flush help", fdbVerbs);
    }
}
