package net.taprouter.tools;

/** Control: the two-router chain with Linux kernel routers. */
class KernelChainScenarioTest extends ChainScenarios {
    @Override
    BookTopology.Kind kind() {
        return BookTopology.Kind.KERNEL;
    }
}
