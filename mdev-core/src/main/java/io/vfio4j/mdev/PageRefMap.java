package io.vfio4j.mdev;

import java.util.Arrays;

/**
 * Page number -> (host pfn, references), with no boxed value per page. Not thread-safe; {@link
 * PinnedPages} guards it.
 *
 * <p>The project's one convention for primitive hash tables (as vfio-core's {@code LongIntHashMap},
 * the type1 {@code PageRefTable} and the SPAPR {@code LongObjectMap}; see benchmarks/README.md,
 * "Primitive hash tables", for why hand-written tables were kept): a power-of-two capacity of at
 * least 16, grown ×2 above 3/4 full; Fibonacci hashing (the top bits of {@code key * 2^64/φ});
 * linear probing; a free slot holds the key {@link #EMPTY}, the one key refused; deletion by
 * backward shift, so no tombstones.
 */
final class PageRefMap {
    /** Marks a free slot; the only key the map refuses. */
    static final long EMPTY = Long.MIN_VALUE;

    private static final int MIN_CAPACITY = 16;

    private long[] keys;
    private long[] pfns;
    private int[] refs;

    /** 64 - log2(capacity): {@link #home} keeps the top bits of the product. */
    private int shift;

    private int size;
    private long totalRefs;

    PageRefMap() {
        allocate(MIN_CAPACITY);
    }

    int size() {
        return size;
    }

    long totalRefs() {
        return totalRefs;
    }

    /** References held on {@code key}, 0 if none. */
    int refs(long key) {
        int i = find(key);
        return i < 0 ? 0 : refs[i];
    }

    /** The pfn recorded for {@code key}, or -1. */
    long pfn(long key) {
        int i = find(key);
        return i < 0 ? -1 : pfns[i];
    }

    /** Adds one reference to {@code key}, recording {@code pfn}. */
    void add(long key, long pfn) {
        if (key == EMPTY) {
            throw new IllegalArgumentException("key " + EMPTY + " marks a free slot");
        }
        int mask = keys.length - 1;
        int i = home(key);
        while (true) {
            long k = keys[i];
            if (k == key) {
                refs[i]++;
                pfns[i] = pfn;
                totalRefs++;
                return;
            }
            if (k == EMPTY) {
                break;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        pfns[i] = pfn;
        refs[i] = 1;
        size++;
        totalRefs++;
        if (size * 4L > keys.length * 3L) {
            rehash(keys.length * 2);
        }
    }

    /** Drops one reference from {@code key}; returns the references left (0 = entry gone). */
    int release(long key) {
        int i = find(key);
        if (i < 0) {
            return 0;
        }
        totalRefs--;
        if (--refs[i] > 0) {
            return refs[i];
        }
        removeAt(i);
        return 0;
    }

    /** The keys in {@code [first, last]} (unsigned), in unsigned order. */
    long[] keysIn(long first, long last) {
        long[] out = new long[size];
        int n = 0;
        for (long k : keys) {
            if (k != EMPTY
                    && Long.compareUnsigned(k, first) >= 0
                    && Long.compareUnsigned(k, last) <= 0) {
                out[n++] = k;
            }
        }
        long[] result = Arrays.copyOf(out, n);
        // Flip the sign bit so a signed sort gives the unsigned order.
        for (int i = 0; i < n; i++) {
            result[i] ^= Long.MIN_VALUE;
        }
        Arrays.sort(result);
        for (int i = 0; i < n; i++) {
            result[i] ^= Long.MIN_VALUE;
        }
        return result;
    }

    /** Every key, in unsigned order. */
    long[] keys() {
        return keysIn(0, -1L);
    }

    private int find(long key) {
        int mask = keys.length - 1;
        int i = home(key);
        while (true) {
            long k = keys[i];
            if (k == EMPTY) {
                return -1; // tested first: find(EMPTY) must not match a free slot
            }
            if (k == key) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    /** Backward-shift deletion: entries after the hole move back onto their probe path. */
    private void removeAt(int slot) {
        int mask = keys.length - 1;
        int hole = slot;
        int i = (slot + 1) & mask;
        while (keys[i] != EMPTY) {
            int h = home(keys[i]);
            if (hole <= i ? (h <= hole || h > i) : (h <= hole && h > i)) {
                keys[hole] = keys[i];
                pfns[hole] = pfns[i];
                refs[hole] = refs[i];
                hole = i;
            }
            i = (i + 1) & mask;
        }
        keys[hole] = EMPTY;
        pfns[hole] = 0;
        refs[hole] = 0;
        size--;
    }

    /** Fibonacci hashing: consecutive page numbers, the usual pattern, land evenly apart. */
    private int home(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        pfns = new long[capacity];
        refs = new int[capacity];
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        long[] oldPfns = pfns;
        int[] oldRefs = refs;
        allocate(capacity);
        int mask = capacity - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != EMPTY) {
                int i = home(oldKeys[j]);
                while (keys[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                pfns[i] = oldPfns[j];
                refs[i] = oldRefs[j];
            }
        }
    }
}
