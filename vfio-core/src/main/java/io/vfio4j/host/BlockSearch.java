package io.vfio4j.host;

/**
 * The two searches of {@link SortedBlocks}: of rows {@code from .. from + n - 1} of {@code a} (keys
 * {@code stride} longs apart, ascending once xored with {@code flip}, the first at or below flipped
 * key {@code k}), the last one whose key is at or below {@code k}.
 */
final class BlockSearch {
    /** The rows of the first scan of {@link #scanning} apart. */
    private static final int GROUP = 8;

    private BlockSearch() {}

    /**
     * By halving. Each halving keeps the row count and picks the base with a conditional move
     * instead of a branch: in random order every comparison is a coin toss that a branch predictor
     * misses half the time (issue 17: about 16 % of a held random pin's host cost, measured in
     * isolation). Fewest instructions: for rows in the cache.
     */
    static int halving(long[] a, int from, int n, int stride, long k, long flip) {
        int base = from;
        while (n > 1) {
            int half = n >>> 1;
            int probe = base + half;
            base = (a[probe * stride] ^ flip) <= k ? probe : base;
            n -= half;
        }
        return base;
    }

    /**
     * By two scans: count the keys of every eighth row at or below {@code k}, then the rows of the
     * group found. Each scan's loads are independent, so their cache misses overlap, where each
     * load of a halving waits for the one before (issue 17: a block reached in random order is
     * rarely in L1 or L2). Rows beyond {@link SortedBlocks#BLOCK} are halved down to that first:
     * the scans are linear in the rows they cover, and a large block holds 2^19 longs.
     */
    static int scanning(long[] a, int from, int n, int stride, long k, long flip) {
        while (n > SortedBlocks.BLOCK) {
            int half = n >>> 1;
            int probe = from + half;
            from = (a[probe * stride] ^ flip) <= k ? probe : from;
            n -= half;
        }
        int g = 0;
        for (int j = GROUP; j < n; j += GROUP) {
            g += (a[(from + j) * stride] ^ flip) <= k ? GROUP : 0;
        }
        int base = from + g;
        int end = Math.min(n - g, GROUP);
        int c = 0;
        for (int j = 1; j < end; j++) {
            c += (a[(base + j) * stride] ^ flip) <= k ? 1 : 0;
        }
        return base + c;
    }
}
