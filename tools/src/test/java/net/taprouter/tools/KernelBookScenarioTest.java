package net.taprouter.tools;

/** Control: the book scenarios against a Linux kernel router (validates the assertions themselves). */
class KernelBookScenarioTest extends BookScenarios {
    @Override
    BookTopology.Kind kind() {
        return BookTopology.Kind.KERNEL;
    }
}
