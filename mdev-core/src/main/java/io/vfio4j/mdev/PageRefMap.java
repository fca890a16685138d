package io.vfio4j.mdev;

import java.util.Arrays;

/**
 * Page number -> (host pfn, references), open addressing with linear probing and backward-shift
 * deletion: no boxed value per page. Not thread-safe; {@link PinnedPages} guards it.
 */
final class PageRefMap {
    private long[] keys = new long[16];
    private long[] pfns = new long[16];
    // 0 marks an empty slot: a live entry always holds at least one reference.
    private int[] refs = new int[16];
    private int size;
    private long totalRefs;

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
        if ((size + 1) * 4 > keys.length * 3) {
            grow();
        }
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (refs[i] != 0) {
            if (keys[i] == key) {
                refs[i]++;
                pfns[i] = pfn;
                totalRefs++;
                return;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        pfns[i] = pfn;
        refs[i] = 1;
        size++;
        totalRefs++;
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
        size--;
        deleteAt(i);
        return 0;
    }

    /** The keys in {@code [first, last]} (unsigned), in unsigned order. */
    long[] keysIn(long first, long last) {
        long[] out = new long[size];
        int n = 0;
        for (int i = 0; i < keys.length; i++) {
            if (refs[i] != 0
                    && Long.compareUnsigned(keys[i], first) >= 0
                    && Long.compareUnsigned(keys[i], last) <= 0) {
                out[n++] = keys[i];
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
        int i = slot(key, mask);
        while (refs[i] != 0) {
            if (keys[i] == key) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    private void deleteAt(int hole) {
        int mask = keys.length - 1;
        refs[hole] = 0;
        int i = (hole + 1) & mask;
        while (refs[i] != 0) {
            int home = slot(keys[i], mask);
            // Move the entry back if the hole lies on its probe path (cyclic interval check).
            boolean move = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i);
            if (move) {
                keys[hole] = keys[i];
                pfns[hole] = pfns[i];
                refs[hole] = refs[i];
                refs[i] = 0;
                hole = i;
            }
            i = (i + 1) & mask;
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldPfns = pfns;
        int[] oldRefs = refs;
        int cap = keys.length * 2;
        keys = new long[cap];
        pfns = new long[cap];
        refs = new int[cap];
        int mask = cap - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldRefs[j] != 0) {
                int i = slot(oldKeys[j], mask);
                while (refs[i] != 0) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                pfns[i] = oldPfns[j];
                refs[i] = oldRefs[j];
            }
        }
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
