package io.vfio4j.host;

import java.util.Arrays;

/**
 * An open-addressing {@code long -> int} map with linear probing and backward-shift deletion, so
 * that a million single-frame pins cost two primitive arrays, not a million boxed entries. A value
 * of 0 means "absent": the map only stores non-zero counts. Not thread-safe.
 */
final class LongIntHashMap {
    private static final int MIN_CAPACITY = 16;

    private long[] keys;

    /** 0 marks a free slot. */
    private int[] values;

    private int mask;
    private int size;

    LongIntHashMap() {
        allocate(MIN_CAPACITY);
    }

    int size() {
        return size;
    }

    /** The value of {@code key}, 0 if absent. */
    int get(long key) {
        int i = slot(key);
        while (values[i] != 0) {
            if (keys[i] == key) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return 0;
    }

    /** Adds {@code delta} to the value of {@code key}, removing it at 0; returns the new value. */
    int add(long key, int delta) {
        int i = slot(key);
        while (values[i] != 0) {
            if (keys[i] == key) {
                int v = Math.addExact(values[i], delta);
                if (v == 0) {
                    removeAt(i);
                } else {
                    values[i] = v;
                }
                return v;
            }
            i = (i + 1) & mask;
        }
        if (delta != 0) {
            keys[i] = key;
            values[i] = delta;
            size++;
            // Linear probing degrades quickly above half full.
            if (size * 2 > values.length) {
                rehash(values.length * 2);
            }
        }
        return delta;
    }

    /**
     * Subtracts one from the value of {@code key} in one probe, removing it at 0.
     *
     * @return false, changing nothing, if the key is absent
     */
    boolean decrementIfPresent(long key) {
        int i = slot(key);
        while (values[i] != 0) {
            if (keys[i] == key) {
                if (--values[i] == 0) {
                    removeAt(i);
                }
                return true;
            }
            i = (i + 1) & mask;
        }
        return false;
    }

    /** The keys present, in ascending signed order. */
    long[] sortedKeys() {
        long[] out = new long[size];
        int n = 0;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != 0) {
                out[n++] = keys[i];
            }
        }
        Arrays.sort(out);
        return out;
    }

    private void removeAt(int slot) {
        int hole = slot;
        int i = (slot + 1) & mask;
        while (values[i] != 0) {
            int home = slot(keys[i]);
            // Move the entry back into the hole if the hole lies on its probe path.
            if (((i - home) & mask) >= ((i - hole) & mask)) {
                keys[hole] = keys[i];
                values[hole] = values[i];
                hole = i;
            }
            i = (i + 1) & mask;
        }
        values[hole] = 0;
        keys[hole] = 0;
        size--;
        // Give memory back after a mass unpin; the factor 8 leaves hysteresis against thrashing.
        if (values.length > MIN_CAPACITY && size * 8 < values.length) {
            rehash(values.length / 2);
        }
    }

    private int slot(long key) {
        // murmur3 fmix64: pfns are sequential, so the low bits alone would cluster.
        long k = key;
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return (int) k & mask;
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        values = new int[capacity];
        mask = capacity - 1;
        size = 0;
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        int[] oldValues = values;
        allocate(capacity);
        for (int i = 0; i < oldValues.length; i++) {
            if (oldValues[i] != 0) {
                int j = slot(oldKeys[i]);
                while (values[j] != 0) {
                    j = (j + 1) & mask;
                }
                keys[j] = oldKeys[i];
                values[j] = oldValues[i];
                size++;
            }
        }
    }
}
