package net.taprouter.tools;

/** Control: a host namespace vanishes under a kernel router. */
class KernelVanishedNamespaceTest extends VanishedNamespaceScenarios {
    @Override
    BookTopology.Kind kind() {
        return BookTopology.Kind.KERNEL;
    }
}
