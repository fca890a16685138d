package io.vfio4j.type1;

import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A sorted map from unsigned 64-bit IOVAs to values, stored as a list of small sorted blocks of
 * parallel arrays (primitive keys, values) with an index of block minimums: a lookup is two binary
 * searches, an insert or removal moves at most one block's entries (O(log n + B) whatever the
 * order), and there is no boxed key or node per entry. Keys are stored with the sign bit flipped so
 * that signed comparison gives the unsigned order. Not thread-safe: the container locks.
 */
final class IovaBlocks<V> {
    /** The most entries a block holds. */
    static final int BLOCK = 128;

    private long[][] keys = new long[1][];
    private Object[][] values = new Object[1][];
    private int[] counts = new int[1];

    /** Each block's first (flipped) key. */
    private long[] mins = new long[1];

    private int blockCount;
    private int size;
    private int modCount;

    /*
     * The last search, for as long as the map is unchanged (modCount): a MAP looks for a mapping
     * containing its IOVA, then for the one above it, then inserts at that IOVA; an UNMAP looks up
     * its IOVA, the next mapping and removes it. Each would search the blocks again: the second and
     * third searches of a call are answered here (issue 17: in random order each search is a chain
     * of cache misses).
     */
    private long foundKey;
    private int foundMod = -1;
    private int foundBlock;
    private int foundSlot;

    int size() {
        return size;
    }

    /** How many blocks hold the entries (for tests). */
    int blockCount() {
        return blockCount;
    }

    /** Adds or replaces the value of {@code key}. */
    void put(long key, V value) {
        long k = key ^ Long.MIN_VALUE;
        if (blockCount == 0) {
            modCount++;
            openBlock(0, 8);
        }
        locate(k);
        modCount++;
        // Below every key: the first slot of the first block.
        int b = Math.max(0, foundBlock);
        int o = foundSlot;
        if (o >= 0 && keys[b][o] == k) {
            values[b][o] = value;
            return;
        }
        o++;
        int n = counts[b];
        if (n == keys[b].length) {
            if (n < BLOCK) {
                keys[b] = Arrays.copyOf(keys[b], Math.min(BLOCK, n * 2));
                values[b] = Arrays.copyOf(values[b], Math.min(BLOCK, n * 2));
            } else if (o == n && (b + 1 == blockCount || counts[b + 1] == BLOCK)) {
                // Ascending inserts fill blocks completely: open the next block.
                openBlock(b + 1, BLOCK);
                b++;
                o = 0;
            } else {
                int half = n / 2;
                openBlock(b + 1, BLOCK);
                System.arraycopy(keys[b], half, keys[b + 1], 0, n - half);
                System.arraycopy(values[b], half, values[b + 1], 0, n - half);
                Arrays.fill(values[b], half, n, null);
                counts[b] = half;
                counts[b + 1] = n - half;
                mins[b + 1] = keys[b + 1][0];
                if (o > half) {
                    b++;
                    o -= half;
                }
            }
            n = counts[b];
        }
        System.arraycopy(keys[b], o, keys[b], o + 1, n - o);
        System.arraycopy(values[b], o, values[b], o + 1, n - o);
        keys[b][o] = k;
        values[b][o] = value;
        counts[b] = n + 1;
        size++;
        if (o == 0) {
            mins[b] = k;
        }
    }

    /** Removes {@code key}; returns its value, or null if absent. */
    @SuppressWarnings("unchecked")
    V remove(long key) {
        long k = key ^ Long.MIN_VALUE;
        locate(k);
        int b = foundBlock;
        int o = foundSlot;
        if (b < 0 || o < 0 || keys[b][o] != k) {
            return null;
        }
        modCount++;
        V old = (V) values[b][o];
        int n = counts[b];
        System.arraycopy(keys[b], o + 1, keys[b], o, n - o - 1);
        System.arraycopy(values[b], o + 1, values[b], o, n - o - 1);
        values[b][n - 1] = null;
        counts[b] = n - 1;
        size--;
        if (n == 1) {
            closeBlock(b);
        } else {
            mins[b] = keys[b][0];
            if (n - 1 < BLOCK / 4) {
                if (b + 1 < blockCount && counts[b] + counts[b + 1] <= BLOCK / 2) {
                    merge(b);
                } else if (b > 0 && counts[b - 1] + counts[b] <= BLOCK / 2) {
                    merge(b - 1);
                }
            }
        }
        return old;
    }

    /** The value of the greatest key at or below {@code key} (unsigned), or null. */
    @SuppressWarnings("unchecked")
    V floor(long key) {
        locate(key ^ Long.MIN_VALUE);
        return foundBlock < 0 ? null : (V) values[foundBlock][foundSlot];
    }

    /** The value of the least key above {@code key} (unsigned), or null. */
    @SuppressWarnings("unchecked")
    V higher(long key) {
        locate(key ^ Long.MIN_VALUE);
        int b = foundBlock;
        if (b < 0) {
            return size == 0 ? null : (V) values[0][0];
        }
        int o = foundSlot + 1;
        if (o < counts[b]) {
            return (V) values[b][o];
        }
        return b + 1 < blockCount ? (V) values[b + 1][0] : null;
    }

    /**
     * The value of the least key above {@code key} if that key is at or below {@code limit}
     * (unsigned), else null: decided on the keys alone, without reading the value.
     */
    @SuppressWarnings("unchecked")
    V higherUpTo(long key, long limit) {
        locate(key ^ Long.MIN_VALUE);
        int b = foundBlock;
        int o = foundSlot + 1;
        if (b < 0) {
            b = 0;
            o = 0;
        } else if (o == counts[b]) {
            b++;
            o = 0;
        }
        if (b >= blockCount || o >= counts[b] || keys[b][o] > (limit ^ Long.MIN_VALUE)) {
            return null;
        }
        return (V) values[b][o];
    }

    /** Values in key order; fails fast if the map changes meanwhile. */
    Iterator<V> iterator() {
        return new Iterator<>() {
            private final int expected = modCount;
            private int b;
            private int o;

            @Override
            public boolean hasNext() {
                return b < blockCount;
            }

            @Override
            @SuppressWarnings("unchecked")
            public V next() {
                if (expected != modCount) {
                    throw new ConcurrentModificationException();
                }
                if (b >= blockCount) {
                    throw new NoSuchElementException();
                }
                V v = (V) values[b][o];
                if (++o == counts[b]) {
                    b++;
                    o = 0;
                }
                return v;
            }
        };
    }

    /**
     * Sets {@link #foundBlock} to the last block whose first key is at or below flipped key {@code
     * k} (-1 if none) and {@link #foundSlot} to the last slot of that block at or below {@code k}
     * (-1 if the block is empty or none is): from the last search if the map is unchanged since.
     */
    private void locate(long k) {
        if (foundMod == modCount && foundKey == k) {
            return;
        }
        int b = blockAtOrBelow(k);
        foundBlock = b;
        foundSlot = b < 0 ? -1 : slotAtOrBelow(b, k);
        foundKey = k;
        foundMod = modCount;
    }

    /** The last block whose first key is at or below flipped key {@code k}, or -1. */
    private int blockAtOrBelow(long k) {
        return blockCount == 0 || mins[0] > k ? -1 : lastAtOrBelow(mins, blockCount, k);
    }

    /** The last slot of block {@code b} whose key is at or below {@code k}, or -1. */
    private int slotAtOrBelow(int b, long k) {
        long[] block = keys[b];
        return counts[b] == 0 || block[0] > k ? -1 : lastAtOrBelow(block, counts[b], k);
    }

    /**
     * Of {@code a[0 .. n - 1]} (ascending, {@code a[0] <= k}), the last index whose value is at or
     * below {@code k}. The halving picks its base with a conditional move, not a branch: in random
     * order each comparison is a coin toss for the branch predictor (issue 17).
     */
    private static int lastAtOrBelow(long[] a, int n, long k) {
        int base = 0;
        while (n > 1) {
            int half = n >>> 1;
            base = a[base + half] <= k ? base + half : base;
            n -= half;
        }
        return base;
    }

    private void openBlock(int b, int capacity) {
        if (blockCount == keys.length) {
            int n = keys.length * 2;
            keys = Arrays.copyOf(keys, n);
            values = Arrays.copyOf(values, n);
            counts = Arrays.copyOf(counts, n);
            mins = Arrays.copyOf(mins, n);
        }
        int tail = blockCount - b;
        System.arraycopy(keys, b, keys, b + 1, tail);
        System.arraycopy(values, b, values, b + 1, tail);
        System.arraycopy(counts, b, counts, b + 1, tail);
        System.arraycopy(mins, b, mins, b + 1, tail);
        keys[b] = new long[capacity];
        values[b] = new Object[capacity];
        counts[b] = 0;
        blockCount++;
    }

    private void closeBlock(int b) {
        int tail = blockCount - b - 1;
        System.arraycopy(keys, b + 1, keys, b, tail);
        System.arraycopy(values, b + 1, values, b, tail);
        System.arraycopy(counts, b + 1, counts, b, tail);
        System.arraycopy(mins, b + 1, mins, b, tail);
        blockCount--;
        keys[blockCount] = null;
        values[blockCount] = null;
    }

    /** Appends block {@code b + 1} to block {@code b} (they fit) and drops it. */
    private void merge(int b) {
        int n = counts[b];
        int m = counts[b + 1];
        if (keys[b].length < n + m) {
            keys[b] = Arrays.copyOf(keys[b], BLOCK);
            values[b] = Arrays.copyOf(values[b], BLOCK);
        }
        System.arraycopy(keys[b + 1], 0, keys[b], n, m);
        System.arraycopy(values[b + 1], 0, values[b], n, m);
        counts[b] = n + m;
        closeBlock(b + 1);
    }
}
