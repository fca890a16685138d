package io.vfio4j.host;

import java.util.Arrays;

/**
 * A sorted sequence of fixed-width rows of longs, addressed by logical index, stored in small
 * blocks: each block is one {@code long[]} holding up to {@link #BLOCK} rows contiguously (row
 * {@code r}, field {@code f} at {@code (r * width) + f}), with free room at either end. An index of
 * block minimums finds the block of a key by binary search, and a Fenwick tree over the block sizes
 * turns a logical index into a block in O(log blocks). An edit moves at most half a block, so every
 * edit costs O(log n + BLOCK) whatever the order of edits (a single gap buffer moved everything
 * between two distant edits). Appends at either end of a block need no move at all, so MAP and
 * UNMAP in ascending order stay O(1) per entry, and ascending inserts fill blocks completely (a
 * full block is split only for an insert in its middle). There is no object per row.
 *
 * <p>Field 0 is the key; rows are kept in ascending key order by the caller (the subclass), and
 * keys compare as signed or unsigned longs. Not thread-safe.
 */
abstract class SortedBlocks {
    /** The most rows a block holds: a middle insert or removal moves at most half of them. */
    static final int BLOCK = 128;

    /** The capacity, in rows, of the first block of an empty table. */
    static final int MIN_ROWS = 8;

    /**
     * Emptied blocks kept for reuse, up to this many rows: a domain unmapped and mapped again (a VM
     * reboot, a benchmark loop) does not reallocate its table each time.
     */
    static final int RETAINED_ROWS = 1 << 16;

    private final int width;

    /** {@link Long#MIN_VALUE} for unsigned keys: flipping the sign bit orders them as signed. */
    private final long flip;

    private long[][] blocks;

    /** The row where each block's live rows begin, and how many there are. */
    private int[] first;

    private int[] counts;

    /** Each block's smallest key (its first row's field 0), for {@link #floor}. */
    private long[] mins;

    /** Fenwick tree (1-based) over {@link #counts}: prefix sums give a block's first index. */
    private int[] tree;

    private int blockCount;
    private int size;

    /** The block the last lookup landed in and the logical index of its first row. */
    private int cur;

    private int curBase;

    private long[][] spare = new long[4][];
    private int spareCount;

    SortedBlocks(int width, boolean unsignedKeys) {
        this.width = width;
        this.flip = unsignedKeys ? Long.MIN_VALUE : 0;
        reset();
    }

    final int size() {
        return size;
    }

    /** How many blocks hold the rows (for tests and footprint reasoning). */
    final int blockCount() {
        return blockCount;
    }

    /** Field {@code field} of row {@code i}. */
    final long field(int i, int field) {
        int b = blockOf(i);
        return blocks[b][(first[b] + i - curBase) * width + field];
    }

    /** Sets field {@code field} of row {@code i}; a new key must keep the order. */
    final void setField(int i, int field, long value) {
        int b = blockOf(i);
        int r = first[b] + i - curBase;
        blocks[b][r * width + field] = value;
        if (field == 0 && r == first[b]) {
            mins[b] = value;
        }
    }

    /** The index of the last row whose key is at or below {@code key}, or -1. */
    final int floor(long key) {
        if (size == 0) {
            return -1;
        }
        long k = key ^ flip;
        int lo = 0;
        int hi = blockCount - 1;
        int b = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if ((mins[mid] ^ flip) <= k) {
                b = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (b < 0) {
            return -1;
        }
        long[] block = blocks[b];
        int rlo = first[b] + 1;
        int rhi = first[b] + counts[b] - 1;
        int found = first[b];
        while (rlo <= rhi) {
            int mid = (rlo + rhi) >>> 1;
            if ((block[mid * width] ^ flip) <= k) {
                found = mid;
                rlo = mid + 1;
            } else {
                rhi = mid - 1;
            }
        }
        if (b != cur) {
            cur = b;
            curBase = prefix(b);
        }
        return curBase + found - first[b];
    }

    /**
     * Inserts a row at logical index {@code at} (0..size); the caller keeps the key order. Fields
     * beyond the table's width are ignored.
     */
    final void insertRow(int at, long f0, long f1, long f2, long f3) {
        int b;
        int o;
        if (at == size) {
            b = blockCount - 1;
            o = counts[b];
            if (b != cur) {
                cur = b;
                curBase = size - counts[b];
            }
        } else {
            b = blockOf(at);
            o = at - curBase;
        }
        if (counts[b] * width == blocks[b].length) {
            if (counts[b] < BLOCK) {
                grow(b, Math.min(BLOCK, counts[b] * 2));
            } else if (o == counts[b]) {
                // Appending to a full block (ascending inserts): start the next block.
                b = addBlock(b + 1, false);
                o = 0;
            } else if (o == 0) {
                // Prepending to a full block (descending inserts): fill a new block from its end.
                b = addBlock(b, true);
            } else {
                int half = counts[b] / 2;
                split(b, half);
                if (o > half) {
                    b++;
                    o -= half;
                }
            }
        }
        long[] block = blocks[b];
        int n = counts[b];
        int start = first[b];
        int r;
        if (start > 0 && (o <= n / 2 || (start + n) * width == block.length)) {
            // Move the rows before the new one down by one.
            System.arraycopy(block, start * width, block, (start - 1) * width, o * width);
            first[b] = start - 1;
            r = start - 1 + o;
        } else {
            System.arraycopy(
                    block, (start + o) * width, block, (start + o + 1) * width, (n - o) * width);
            r = start + o;
        }
        int p = r * width;
        block[p] = f0;
        if (width > 1) {
            block[p + 1] = f1;
        }
        if (width > 2) {
            block[p + 2] = f2;
        }
        if (width > 3) {
            block[p + 3] = f3;
        }
        if (o == 0) {
            mins[b] = f0;
        }
        counts[b] = n + 1;
        size++;
        treeAdd(b, 1);
    }

    /** Removes row {@code i}. */
    final void remove(int i) {
        int b = blockOf(i);
        int o = i - curBase;
        long[] block = blocks[b];
        int n = counts[b];
        int start = first[b];
        if (o < n / 2) {
            System.arraycopy(block, start * width, block, (start + 1) * width, o * width);
            first[b] = start + 1;
        } else {
            System.arraycopy(
                    block,
                    (start + o + 1) * width,
                    block,
                    (start + o) * width,
                    (n - o - 1) * width);
        }
        counts[b] = n - 1;
        size--;
        if (n == 1 && blockCount > 1) {
            dropBlock(b);
            return;
        }
        treeAdd(b, -1);
        if (n == 1) {
            first[b] = 0;
        } else {
            mins[b] = block[first[b] * width];
            if (n - 1 < BLOCK / 4) {
                mergeAround(b);
            }
        }
    }

    /** Empties the table and releases its blocks. */
    final void clear() {
        reset();
    }

    private void reset() {
        blocks = new long[4][];
        first = new int[4];
        counts = new int[4];
        mins = new long[4];
        tree = new int[5];
        blocks[0] = new long[MIN_ROWS * width];
        blockCount = 1;
        size = 0;
        cur = 0;
        curBase = 0;
        spare = new long[4][];
        spareCount = 0;
    }

    /** The block holding logical row {@code i} (0 <= i < size); leaves it in the cursor. */
    private int blockOf(int i) {
        int b = cur;
        int base = curBase;
        if (i >= base) {
            int end = base + counts[b];
            if (i < end) {
                return b;
            }
            if (b + 1 < blockCount && i < end + counts[b + 1]) {
                cur = b + 1;
                curBase = end;
                return b + 1;
            }
        } else if (b > 0 && i >= base - counts[b - 1]) {
            cur = b - 1;
            curBase = base - counts[b - 1];
            return b - 1;
        }
        // Fenwick descent: the last block whose first index is at or below i.
        int pos = 0;
        int rem = i;
        for (int step = Integer.highestOneBit(blockCount); step > 0; step >>>= 1) {
            int next = pos + step;
            if (next <= blockCount && tree[next] <= rem) {
                pos = next;
                rem -= tree[next];
            }
        }
        cur = pos;
        curBase = i - rem;
        return pos;
    }

    /** The logical index of block {@code b}'s first row. */
    private int prefix(int b) {
        int s = 0;
        for (int j = b; j > 0; j -= j & -j) {
            s += tree[j];
        }
        return s;
    }

    private void treeAdd(int b, int delta) {
        for (int j = b + 1; j <= blockCount; j += j & -j) {
            tree[j] += delta;
        }
    }

    /** Rebuilds the Fenwick tree after blocks came or went, and resets the cursor. */
    private void rebuild() {
        if (tree.length < blockCount + 1) {
            tree = new int[blocks.length + 1];
        }
        Arrays.fill(tree, 0);
        for (int j = 1; j <= blockCount; j++) {
            tree[j] += counts[j - 1];
            int p = j + (j & -j);
            if (p <= blockCount) {
                tree[p] += tree[j];
            }
        }
        cur = 0;
        curBase = 0;
    }

    /** Gives block {@code b} room for {@code rows} rows (a lone block of a small table grows). */
    private void grow(int b, int rows) {
        long[] bigger = new long[rows * width];
        System.arraycopy(blocks[b], first[b] * width, bigger, 0, counts[b] * width);
        blocks[b] = bigger;
        first[b] = 0;
    }

    /**
     * Opens an empty full-size block at position {@code b}.
     *
     * @param fromEnd place its (future) rows at the end of the array, for prepends
     * @return {@code b}
     */
    private int addBlock(int b, boolean fromEnd) {
        if (blockCount == blocks.length) {
            int n = blocks.length * 2;
            blocks = Arrays.copyOf(blocks, n);
            first = Arrays.copyOf(first, n);
            counts = Arrays.copyOf(counts, n);
            mins = Arrays.copyOf(mins, n);
        }
        int tail = blockCount - b;
        System.arraycopy(blocks, b, blocks, b + 1, tail);
        System.arraycopy(first, b, first, b + 1, tail);
        System.arraycopy(counts, b, counts, b + 1, tail);
        System.arraycopy(mins, b, mins, b + 1, tail);
        blocks[b] = spareCount > 0 ? spare[--spareCount] : new long[BLOCK * width];
        spare[spareCount] = null;
        first[b] = fromEnd ? BLOCK : 0;
        counts[b] = 0;
        blockCount++;
        rebuild();
        cur = b;
        curBase = prefix(b);
        return b;
    }

    /** Moves the rows of full block {@code b} from offset {@code at} on into a new next block. */
    private void split(int b, int at) {
        addBlock(b + 1, false);
        int moved = counts[b] - at;
        System.arraycopy(blocks[b], (first[b] + at) * width, blocks[b + 1], 0, moved * width);
        counts[b] = at;
        counts[b + 1] = moved;
        mins[b + 1] = blocks[b + 1][0];
        rebuild();
    }

    /** Removes empty block {@code b}, keeping its array for reuse within the retained budget. */
    private void dropBlock(int b) {
        long[] old = blocks[b];
        int tail = blockCount - b - 1;
        System.arraycopy(blocks, b + 1, blocks, b, tail);
        System.arraycopy(first, b + 1, first, b, tail);
        System.arraycopy(counts, b + 1, counts, b, tail);
        System.arraycopy(mins, b + 1, mins, b, tail);
        blockCount--;
        blocks[blockCount] = null;
        if (old.length == BLOCK * width && (spareCount + 1) * BLOCK <= RETAINED_ROWS) {
            if (spareCount == spare.length) {
                spare = Arrays.copyOf(spare, spareCount * 2);
            }
            spare[spareCount++] = old;
        }
        rebuild();
    }

    /**
     * Merges under-filled block {@code b} with a neighbour when both fit in half a block, so blocks
     * stay at least an eighth full on average whatever the removal order.
     */
    private void mergeAround(int b) {
        if (b + 1 < blockCount && counts[b] + counts[b + 1] <= BLOCK / 2) {
            append(b, b + 1);
        } else if (b > 0 && counts[b - 1] + counts[b] <= BLOCK / 2) {
            append(b - 1, b);
        }
    }

    /** Moves all rows of block {@code from} (= {@code to + 1}) to the end of block {@code to}. */
    private void append(int to, int from) {
        int need = (counts[to] + counts[from]) * width;
        if (need > blocks[to].length) {
            grow(to, BLOCK);
        }
        long[] dst = blocks[to];
        if ((first[to] * width) + need > dst.length) {
            System.arraycopy(dst, first[to] * width, dst, 0, counts[to] * width);
            first[to] = 0;
        }
        System.arraycopy(
                blocks[from],
                first[from] * width,
                dst,
                (first[to] + counts[to]) * width,
                counts[from] * width);
        counts[to] += counts[from];
        counts[from] = 0;
        dropBlock(from);
    }
}
