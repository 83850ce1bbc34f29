package net.taprouter.dataplane.route;

import java.util.Arrays;

/**
 * Plain binary trie, one address bit per level: the reference for {@link RouteTable} in tests and the
 * baseline in benchmarks. A lookup walks up to 32 levels, remembering the last next hop seen.
 *
 * <p>Nodes live in one int array, three ints per node: child for bit 0, child for bit 1 (0 = none; node 0
 * is the root and is never a child), next hop ({@link #NO_ROUTE} if no prefix ends here). Removing a
 * prefix prunes the nodes that no longer lead anywhere and recycles them. Not thread-safe.
 */
public final class BinaryTrie {

    public static final int NO_ROUTE = -1;

    private static final int NODE_INTS = 3;
    private static final int HOP = 2;

    private int[] nodes;
    private int nodeCount;      // nodes ever allocated (array high-water mark), root included
    private int freeList;       // head of recycled nodes chained through their child-0 slot, 0 = none
    private int size;

    public BinaryTrie() {
        nodes = new int[NODE_INTS * 1024];
        nodeCount = 1;
        nodes[HOP] = NO_ROUTE;
    }

    /** Adds a prefix or replaces its next hop. Host bits must be zero; next hop must be >= 0. */
    public void add(int prefix, int length, int nextHop) {
        check(prefix, length);
        if (nextHop < 0) {
            throw new IllegalArgumentException("nextHop must be >= 0: " + nextHop);
        }
        int node = 0;
        for (int depth = 0; depth < length; depth++) {
            int slot = node * NODE_INTS + ((prefix >>> (31 - depth)) & 1);
            int child = nodes[slot];
            if (child == 0) {
                child = newNode();
                nodes[slot] = child;
            }
            node = child;
        }
        int hop = node * NODE_INTS + HOP;
        if (nodes[hop] == NO_ROUTE) {
            size++;
        }
        nodes[hop] = nextHop;
    }

    /** Removes a prefix; false if it was absent. */
    public boolean remove(int prefix, int length) {
        check(prefix, length);
        int[] path = new int[length + 1];
        int node = 0;
        path[0] = 0;
        for (int depth = 0; depth < length; depth++) {
            node = nodes[node * NODE_INTS + ((prefix >>> (31 - depth)) & 1)];
            if (node == 0) {
                return false;
            }
            path[depth + 1] = node;
        }
        if (nodes[node * NODE_INTS + HOP] == NO_ROUTE) {
            return false;
        }
        nodes[node * NODE_INTS + HOP] = NO_ROUTE;
        size--;
        // prune childless, hop-less nodes bottom-up (never the root)
        for (int depth = length; depth > 0; depth--) {
            int n = path[depth];
            int base = n * NODE_INTS;
            if (nodes[base] != 0 || nodes[base + 1] != 0 || nodes[base + HOP] != NO_ROUTE) {
                break;
            }
            int parent = path[depth - 1];
            nodes[parent * NODE_INTS + ((prefix >>> (32 - depth)) & 1)] = 0;
            nodes[base] = freeList;
            freeList = n;
        }
        return true;
    }

    /** Exact match: the next hop of exactly this prefix, or {@link #NO_ROUTE}. */
    public int get(int prefix, int length) {
        check(prefix, length);
        int node = 0;
        for (int depth = 0; depth < length; depth++) {
            node = nodes[node * NODE_INTS + ((prefix >>> (31 - depth)) & 1)];
            if (node == 0) {
                return NO_ROUTE;
            }
        }
        return nodes[node * NODE_INTS + HOP];
    }

    /** Longest-prefix match: next hop or {@link #NO_ROUTE}. */
    public int lookup(int address) {
        int[] n = nodes;
        int best = n[HOP];
        int node = 0;
        for (int shift = 31; shift >= 0; shift--) {
            node = n[node * NODE_INTS + ((address >>> shift) & 1)];
            if (node == 0) {
                break;
            }
            int hop = n[node * NODE_INTS + HOP];
            if (hop != NO_ROUTE) {
                best = hop;
            }
        }
        return best;
    }

    /** Number of prefixes. */
    public int size() {
        return size;
    }

    private int newNode() {
        int n;
        if (freeList != 0) {
            n = freeList;
            freeList = nodes[n * NODE_INTS];
        } else {
            if ((nodeCount + 1) * NODE_INTS > nodes.length) {
                nodes = Arrays.copyOf(nodes, nodes.length * 2);
            }
            n = nodeCount++;
        }
        int base = n * NODE_INTS;
        nodes[base] = 0;
        nodes[base + 1] = 0;
        nodes[base + HOP] = NO_ROUTE;
        return n;
    }

    private static void check(int prefix, int length) {
        if (length < 0 || length > 32) {
            throw new IllegalArgumentException("prefix length must be in 0..32: " + length);
        }
        if ((prefix & ~RouteTable.mask(length)) != 0) {
            throw new IllegalArgumentException("host bits set in prefix " + PrefixFile.format(prefix, length));
        }
    }
}
