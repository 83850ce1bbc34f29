package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Port names: a leading "-" would read as a flag ({@code -j}, {@code -s} are taken anywhere on the line). */
class LinkNameTest {
    @Test
    void namesThatLookLikeFlagsAreRefused() {
        for (String name : new String[] {"-j", "-s", "-x", "--json", "-"}) {
            assertFalse(LinkCommands.validName(name), name);
        }
        for (String name : new String[] {"gw0", "a-b", "x_1.2", "a-", "123456789012345"}) {
            assertTrue(LinkCommands.validName(name), name);
        }
        assertFalse(LinkCommands.validName("1234567890123456"), "16 characters");
    }
}
