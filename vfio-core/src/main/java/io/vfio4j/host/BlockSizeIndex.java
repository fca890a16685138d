package io.vfio4j.host;

/**
 * A Fenwick tree (1-based) over the row counts of {@link SortedBlocks}' blocks: prefix sums give a
 * block's first logical index, and a descent finds the block holding a logical index, both in O(log
 * blocks). It is rebuilt lazily after blocks came or went ({@link #invalidate}), because sequential
 * edits never need it: the table's cursor answers them. Not thread-safe.
 */
final class BlockSizeIndex {
    private int[] tree = new int[1];
    private boolean stale = true;
    private int foundBase;

    /** Blocks came or went: the next query rebuilds the tree. */
    void invalidate() {
        stale = true;
    }

    /** Block {@code b} gained ({@code delta > 0}) or lost rows. */
    void add(int b, int delta, int blockCount) {
        if (stale) {
            return;
        }
        for (int j = b + 1; j <= blockCount; j += j & -j) {
            tree[j] += delta;
        }
    }

    /** The logical index of block {@code b}'s first row. */
    int prefix(int b, int[] counts, int head, int blockCount) {
        if (b == 0) {
            return 0;
        }
        ensureBuilt(counts, head, blockCount);
        int s = 0;
        for (int j = b; j > 0; j -= j & -j) {
            s += tree[j];
        }
        return s;
    }

    /**
     * The last block whose first index is at or below {@code i}; {@link #foundBase()} then gives
     * that first index.
     */
    int find(int i, int[] counts, int head, int blockCount) {
        ensureBuilt(counts, head, blockCount);
        int pos = 0;
        int rem = i;
        for (int step = Integer.highestOneBit(blockCount); step > 0; step >>>= 1) {
            int next = pos + step;
            if (next <= blockCount && tree[next] <= rem) {
                pos = next;
                rem -= tree[next];
            }
        }
        foundBase = i - rem;
        return pos;
    }

    /** The first logical index of the block the last {@link #find} returned. */
    int foundBase() {
        return foundBase;
    }

    private void ensureBuilt(int[] counts, int head, int blockCount) {
        if (!stale) {
            return;
        }
        if (tree.length < blockCount + 1) {
            tree = new int[counts.length + 1];
        }
        for (int j = 1; j <= blockCount; j++) {
            tree[j] = counts[head + j - 1];
        }
        for (int j = 1; j <= blockCount; j++) {
            int up = j + (j & -j);
            if (up <= blockCount) {
                tree[up] += tree[j];
            }
        }
        stale = false;
    }
}
