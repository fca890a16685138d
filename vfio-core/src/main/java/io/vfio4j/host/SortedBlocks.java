package io.vfio4j.host;

/**
 * A sorted sequence of fixed-width rows of longs, addressed by logical index, stored in small
 * blocks: each block is one {@code long[]} holding up to {@link #BLOCK} rows (more in a large
 * table, see {@link #LARGE_BLOCK_LONGS}) contiguously (row {@code r}, field {@code f} at {@code (r
 * * width) + f}), with free room at either end. An index of block minimums finds the block of a key
 * by binary search, and a Fenwick tree over the block sizes turns a logical index into a block in
 * O(log blocks). An edit moves at most half a block, so every edit costs O(log n + BLOCK) whatever
 * the order of edits (a single gap buffer moved everything between two distant edits); a block
 * split or dropped in the middle also moves half the directory and makes the Fenwick tree be
 * rebuilt, once per BLOCK / 2 edits at most, which amortizes to O(n / BLOCK^2) an edit (under 8 for
 * a million rows). Appends at either end of a block need no move at all, so MAP and UNMAP in
 * ascending order stay O(1) per entry, and ascending inserts fill blocks completely (a full block
 * is split only for an insert in its middle). There is no object per row.
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

    /**
     * The size, in longs, of the blocks a large table adds (4 MiB). The garbage collector copies
     * every small array a young collection finds alive, so a table of millions of rows built in one
     * go (a 1 TiB guest of 4 KiB pages) cost tens of milliseconds of copying per MAP in {@link
     * #BLOCK}-row blocks; arrays this large are allocated outside the young generation (G1
     * humongous objects for regions up to 8 MiB) and never copied. A middle edit of such a block
     * moves up to half of it, which only large tables pay.
     */
    static final int LARGE_BLOCK_LONGS = 1 << 19;

    /** From this many longs of rows (8 MiB) on, new blocks are {@link #LARGE_BLOCK_LONGS} long. */
    static final long LARGE_TABLE_LONGS = 1L << 20;

    private final int width;

    /** Rows in a block of {@link #LARGE_BLOCK_LONGS}, and the table size that calls for them. */
    private final int largeRows;

    private final long largeTableLongs;

    /** {@link Long#MIN_VALUE} for unsigned keys: flipping the sign bit orders them as signed. */
    private final long flip;

    /*
     * The block directory: block b lives in slot head + b of these arrays, so blocks come and go
     * at either end in O(1) (an UNMAP in ascending order empties the first block, a MAP appends the
     * last); only a block added or dropped in the middle moves the shorter side.
     */
    private long[][] blocks;

    /** The row where each block's live rows begin, and how many there are. */
    private int[] first;

    private int[] counts;

    /** Each block's smallest key (its first row's field 0), for {@link #floor}. */
    private long[] mins;

    private int head;
    private int blockCount;
    private int size;

    /** Turns a logical index into a block when the cursor below cannot. */
    private final BlockSizeIndex index = new BlockSizeIndex();

    /** The block the last lookup landed in and the logical index of its first row. */
    private int cur;

    private int curBase;

    private SpareBlocks spare;

    SortedBlocks(int width, boolean unsignedKeys) {
        this(width, unsignedKeys, LARGE_TABLE_LONGS, LARGE_BLOCK_LONGS);
    }

    /** With other large-table thresholds, so tests reach large blocks with few rows. */
    SortedBlocks(int width, boolean unsignedKeys, long largeTableLongs, int largeBlockLongs) {
        this.width = width;
        this.flip = unsignedKeys ? Long.MIN_VALUE : 0;
        this.largeRows = Math.max(BLOCK, Integer.highestOneBit(largeBlockLongs / width));
        this.largeTableLongs = largeTableLongs;
        clear();
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
        int p = head + blockOf(i);
        return blocks[p][(first[p] + i - curBase) * width + field];
    }

    /** Sets field {@code field} of row {@code i}; a new key must keep the order. */
    final void setField(int i, int field, long value) {
        int p = head + blockOf(i);
        int r = first[p] + i - curBase;
        blocks[p][r * width + field] = value;
        if (field == 0 && r == first[p]) {
            mins[p] = value;
        }
    }

    /** The index of the last row whose key is at or below {@code key}, or -1. */
    final int floor(long key) {
        if (size == 0) {
            return -1;
        }
        long k = key ^ flip;
        int last = head + blockCount - 1;
        int p = head + cur;
        // Sequential lookups land in the cursor's block: skip the directory search.
        if ((mins[p] ^ flip) <= k && (p == last || (mins[p + 1] ^ flip) > k)) {
            return floorIn(p, k, false);
        }
        if ((mins[head] ^ flip) > k) {
            return -1;
        }
        p = BlockSearch.halving(mins, head, blockCount, 1, k, flip);
        int b = p - head;
        if (b != cur) {
            curBase = b == blockCount - 1 ? size - counts[p] : prefix(b);
            cur = b;
        }
        return floorIn(p, k, true);
    }

    /**
     * The floor of flipped key {@code k} in the cursor's block (slot {@code p}), which holds it.
     * {@code cold}: the block was found by a directory search rather than as the cursor's, so it is
     * likely out of the cache; the cursor's block is searched by halving, which costs fewer
     * instructions when its rows are in the cache (sequential MAPs and UNMAPs).
     */
    private int floorIn(int p, long k, boolean cold) {
        long[] block = blocks[p];
        int start = first[p];
        int last = start + counts[p] - 1;
        if ((block[last * width] ^ flip) <= k) {
            // At or after the block's last row: an append in ascending order.
            return curBase + last - start;
        }
        int row =
                cold
                        ? BlockSearch.scanning(block, start, counts[p], width, k, flip)
                        : BlockSearch.halving(block, start, counts[p], width, k, flip);
        return curBase + row - start;
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
            o = counts[head + b];
            if (b != cur) {
                cur = b;
                curBase = size - o;
            }
        } else {
            b = blockOf(at);
            o = at - curBase;
        }
        int p = head + b;
        if (counts[p] * width == blocks[p].length) {
            int rows = blockRows();
            if (counts[p] < BLOCK) {
                grow(p, Math.min(BLOCK, counts[p] * 2));
            } else if (o == counts[p]) {
                // Appending to a full block (ascending inserts): start the next block.
                b = addBlock(b + 1, false, rows);
                o = 0;
            } else if (o == 0) {
                // Prepending to a full block (descending inserts): fill a new block from its end.
                b = addBlock(b, true, rows);
            } else if (counts[p] < rows) {
                // A small block of a table that became large: grow it rather than split it.
                grow(p, Math.min(rows, counts[p] * 2));
            } else {
                int half = counts[p] / 2;
                split(b, half);
                if (o > half) {
                    b++;
                    o -= half;
                }
            }
            p = head + b;
        }
        long[] block = blocks[p];
        int n = counts[p];
        int start = first[p];
        int r;
        if (start > 0 && (o <= n / 2 || (start + n) * width == block.length)) {
            // Move the rows before the new one down by one.
            System.arraycopy(block, start * width, block, (start - 1) * width, o * width);
            first[p] = start - 1;
            r = start - 1 + o;
        } else {
            System.arraycopy(
                    block, (start + o) * width, block, (start + o + 1) * width, (n - o) * width);
            r = start + o;
        }
        int q = r * width;
        block[q] = f0;
        if (width > 1) {
            block[q + 1] = f1;
        }
        if (width > 2) {
            block[q + 2] = f2;
        }
        if (width > 3) {
            block[q + 3] = f3;
        }
        if (o == 0) {
            mins[p] = f0;
        }
        counts[p] = n + 1;
        size++;
        index.add(b, 1, blockCount);
    }

    /** Removes row {@code i}. */
    final void remove(int i) {
        int b = blockOf(i);
        int p = head + b;
        int o = i - curBase;
        long[] block = blocks[p];
        int n = counts[p];
        int start = first[p];
        if (o < n / 2) {
            System.arraycopy(block, start * width, block, (start + 1) * width, o * width);
            first[p] = start + 1;
        } else {
            System.arraycopy(
                    block,
                    (start + o + 1) * width,
                    block,
                    (start + o) * width,
                    (n - o - 1) * width);
        }
        counts[p] = n - 1;
        size--;
        if (n == 1 && blockCount > 1) {
            dropBlock(b);
            return;
        }
        index.add(b, -1, blockCount);
        if (n == 1) {
            first[p] = 0;
        } else {
            mins[p] = block[first[p] * width];
            int cap = block.length / width;
            if (n - 1 < BLOCK / 4) {
                mergeAround(b);
            } else if (cap > BLOCK && n - 1 <= cap / 8) {
                // A large block mostly emptied: give back most of its memory.
                grow(p, Math.max(BLOCK, cap / 4));
            }
        }
    }

    /** Empties the table and releases its blocks. */
    final void clear() {
        blocks = new long[4][];
        first = new int[4];
        counts = new int[4];
        mins = new long[4];
        head = 0;
        blocks[0] = new long[MIN_ROWS * width];
        blockCount = 1;
        size = 0;
        cur = 0;
        curBase = 0;
        index.invalidate();
        spare = new SpareBlocks(BLOCK * width, RETAINED_ROWS / BLOCK);
    }

    /** The block holding logical row {@code i} (0 <= i < size); leaves it in the cursor. */
    private int blockOf(int i) {
        int b = cur;
        int base = curBase;
        int p = head + b;
        if (i >= base) {
            int end = base + counts[p];
            if (i < end) {
                return b;
            }
            if (b + 1 < blockCount && i < end + counts[p + 1]) {
                cur = b + 1;
                curBase = end;
                return b + 1;
            }
        } else if (b > 0 && i >= base - counts[p - 1]) {
            cur = b - 1;
            curBase = base - counts[p - 1];
            return b - 1;
        }
        cur = index.find(i, counts, head, blockCount);
        curBase = index.foundBase();
        return cur;
    }

    /** The logical index of block {@code b}'s first row. */
    private int prefix(int b) {
        return index.prefix(b, counts, head, blockCount);
    }

    /** The capacity, in rows, of a block added now: larger once the table is large. */
    private int blockRows() {
        return (long) size * width >= largeTableLongs ? largeRows : BLOCK;
    }

    /**
     * Gives the block in slot {@code p} room for {@code rows} rows (at least its count): a small
     * block grows, a mostly empty large one shrinks.
     */
    private void grow(int p, int rows) {
        long[] bigger = new long[rows * width];
        System.arraycopy(blocks[p], first[p] * width, bigger, 0, counts[p] * width);
        blocks[p] = bigger;
        first[p] = 0;
    }

    /**
     * Opens an empty block of {@code rows} rows at position {@code b}, leaving the cursor on it.
     *
     * @param fromEnd place its (future) rows at the end of the array, for prepends
     * @return {@code b}
     */
    private int addBlock(int b, boolean fromEnd, int rows) {
        int base = b == blockCount ? size : b == 0 ? 0 : -1;
        // Open the slot by moving the shorter side of the directory.
        boolean front = b <= blockCount / 2;
        if (front ? head == 0 : head + blockCount == blocks.length) {
            recentre(blockCount + 1);
        }
        if (front) {
            moveSlots(head, head - 1, b);
            head--;
        } else {
            moveSlots(head + b, head + b + 1, blockCount - b);
        }
        int p = head + b;
        blocks[p] = rows == BLOCK ? spare.take() : new long[rows * width];
        first[p] = fromEnd ? rows : 0;
        counts[p] = 0;
        blockCount++;
        index.invalidate();
        cur = b;
        curBase = base >= 0 ? base : prefix(b);
        return b;
    }

    /** Moves {@code n} directory slots from {@code from} to {@code to}. */
    private void moveSlots(int from, int to, int n) {
        System.arraycopy(blocks, from, blocks, to, n);
        System.arraycopy(first, from, first, to, n);
        System.arraycopy(counts, from, counts, to, n);
        System.arraycopy(mins, from, mins, to, n);
    }

    /**
     * Copies the directory into arrays with room for twice {@code needed} blocks, centred, so that
     * blocks can be added at either end again in O(1).
     */
    private void recentre(int needed) {
        int n = Math.max(4, needed * 2);
        int h = (n - blockCount) / 2;
        long[][] nb = new long[n][];
        int[] nf = new int[n];
        int[] nc = new int[n];
        long[] nm = new long[n];
        System.arraycopy(blocks, head, nb, h, blockCount);
        System.arraycopy(first, head, nf, h, blockCount);
        System.arraycopy(counts, head, nc, h, blockCount);
        System.arraycopy(mins, head, nm, h, blockCount);
        blocks = nb;
        first = nf;
        counts = nc;
        mins = nm;
        head = h;
    }

    /** Moves the rows of full block {@code b} from offset {@code at} on into a new next block. */
    private void split(int b, int at) {
        int moved = counts[head + b] - at;
        addBlock(b + 1, false, Math.max(blockRows(), moved));
        int p = head + b;
        System.arraycopy(blocks[p], (first[p] + at) * width, blocks[p + 1], 0, moved * width);
        counts[p] = at;
        counts[p + 1] = moved;
        mins[p + 1] = blocks[p + 1][0];
        index.invalidate();
        cur = b;
        curBase = b == 0 ? 0 : prefix(b);
    }

    /**
     * Removes empty block {@code b} (the cursor's block), keeping its array for reuse within the
     * retained budget. The cursor stays valid: the next block takes b's place and first index.
     */
    private void dropBlock(int b) {
        int p = head + b;
        long[] old = blocks[p];
        if (b < blockCount / 2) {
            moveSlots(head, head + 1, b);
            blocks[head] = null;
            head++;
        } else {
            moveSlots(p + 1, p, blockCount - b - 1);
            blocks[head + blockCount - 1] = null;
        }
        blockCount--;
        index.invalidate();
        if (cur >= blockCount) {
            cur = blockCount - 1;
            curBase = size - counts[head + cur];
        }
        spare.offer(old);
    }

    /**
     * Merges under-filled block {@code b} with a neighbour when both fit in half a block, so blocks
     * stay at least an eighth full on average whatever the removal order.
     */
    private void mergeAround(int b) {
        int p = head + b;
        if (b + 1 < blockCount && counts[p] + counts[p + 1] <= BLOCK / 2) {
            append(b, b + 1);
        } else if (b > 0 && counts[p - 1] + counts[p] <= BLOCK / 2) {
            append(b - 1, b);
        }
    }

    /** Moves all rows of block {@code from} (= {@code to + 1}) to the end of block {@code to}. */
    private void append(int to, int from) {
        int pt = head + to;
        int pf = head + from;
        int need = (counts[pt] + counts[pf]) * width;
        if (need > blocks[pt].length) {
            grow(pt, BLOCK);
        }
        long[] dst = blocks[pt];
        if ((first[pt] * width) + need > dst.length) {
            System.arraycopy(dst, first[pt] * width, dst, 0, counts[pt] * width);
            first[pt] = 0;
        }
        System.arraycopy(
                blocks[pf],
                first[pf] * width,
                dst,
                (first[pt] + counts[pt]) * width,
                counts[pf] * width);
        int base = to == 0 ? 0 : prefix(to);
        counts[pt] += counts[pf];
        counts[pf] = 0;
        cur = from;
        curBase = base + counts[pt];
        dropBlock(from);
        cur = to;
        curBase = base;
    }
}
