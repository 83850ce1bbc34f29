package net.taprouter.tools;

/** Two routerd instances in a chain. */
class RouterdChainScenarioTest extends ChainScenarios {
    @Override
    BookTopology.Kind kind() {
        return BookTopology.Kind.ROUTERD;
    }
}
