package io.vfio4j.host;

import java.util.Arrays;

/**
 * An open-addressing {@code long -> int} map of non-zero counts, so that a million single-frame
 * pins cost two primitive arrays, not a million boxed entries. A value of 0 means "absent": adding
 * down to 0 removes the key. Not thread-safe.
 *
 * <p>The project's one convention for primitive hash tables (the type1 {@code PageRefTable}, the
 * SPAPR {@code LongObjectMap} and the mdev {@code PageRefMap} follow it too; each module keeps its
 * own copy, as the backends share only vfio-api with the runtime and these helpers are no part of
 * the SPI): a power-of-two capacity of at least 16, grown ×2 above 3/4 full; Fibonacci hashing (the
 * top bits of {@code key * 2^64/φ}); linear probing; a free slot holds the key {@link #EMPTY}, the
 * one key refused; deletion by backward shift, so no tombstones. Hand-written rather than a
 * primitive-collections library: a library map holds one value column where {@code PageRefTable}
 * and {@code PageRefMap} need two and slot reservation. In an old/new comparison the convention
 * took 0.27–0.83× the time of the three earlier variants it replaced (0.66× for this map with 10^6
 * frames); the JMH runs were too noisy to tell (benchmarks/README.md, "Primitive hash tables").
 *
 * <p>This map also halves its capacity below 1/8 full, down to {@link #SHRINK_FLOOR} slots: the
 * host's pin table lives as long as the host, so it gives memory back after a mass unpin. The other
 * tables live as long as their mapping or device and keep their capacity until it goes: halving
 * them made the held-pin benchmark, which empties and refills them on every call, 14–62 % slower
 * (benchmarks/README.md, issue 17, ninth slice).
 */
final class LongIntHashMap {
    /** Marks a free slot; the only key the map refuses. */
    static final long EMPTY = Long.MIN_VALUE;

    private static final int MIN_CAPACITY = 16;

    /**
     * Halving below 1/8 full stops at this many slots: a small table filled and emptied over and
     * over (a 16-page pin then its unpin) would otherwise rehash on every cycle.
     */
    private static final int SHRINK_FLOOR = 1 << 10;

    private long[] keys;
    private int[] values;

    /** 64 - log2(capacity): {@link #home} keeps the top bits of the product. */
    private int shift;

    private int size;

    LongIntHashMap() {
        allocate(MIN_CAPACITY);
    }

    int size() {
        return size;
    }

    /** Slots allocated (for tests and footprint reasoning). */
    int capacity() {
        return keys.length;
    }

    /** The value of {@code key}, 0 if absent. */
    int get(long key) {
        int i = find(key);
        return i < 0 ? 0 : values[i];
    }

    /** Adds {@code delta} to the value of {@code key}, removing it at 0; returns the new value. */
    int add(long key, int delta) {
        if (key == EMPTY) {
            throw new IllegalArgumentException("key " + EMPTY + " marks a free slot");
        }
        int mask = keys.length - 1;
        int i = home(key);
        while (true) {
            long k = keys[i];
            if (k == key) {
                int v = Math.addExact(values[i], delta);
                if (v == 0) {
                    removeAt(i);
                } else {
                    values[i] = v;
                }
                return v;
            }
            if (k == EMPTY) {
                break;
            }
            i = (i + 1) & mask;
        }
        if (delta != 0) {
            keys[i] = key;
            values[i] = delta;
            size++;
            if (size * 4L > keys.length * 3L) {
                rehash(keys.length * 2);
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
        int i = find(key);
        if (i < 0) {
            return false;
        }
        if (--values[i] == 0) {
            removeAt(i);
        }
        return true;
    }

    /** The keys present, in ascending signed order. */
    long[] sortedKeys() {
        long[] out = new long[size];
        int n = 0;
        for (long k : keys) {
            if (k != EMPTY) {
                out[n++] = k;
            }
        }
        Arrays.sort(out);
        return out;
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
                values[hole] = values[i];
                hole = i;
            }
            i = (i + 1) & mask;
        }
        keys[hole] = EMPTY;
        values[hole] = 0;
        size--;
        // Give memory back after a mass unpin; the factor 8 leaves hysteresis against thrashing.
        if (keys.length > SHRINK_FLOOR && size * 8 < keys.length) {
            rehash(keys.length / 2);
        }
    }

    /** Fibonacci hashing: consecutive pfns, the usual pattern, land evenly apart. */
    private int home(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        values = new int[capacity];
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
        size = 0;
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        int[] oldValues = values;
        allocate(capacity);
        int mask = capacity - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != EMPTY) {
                int i = home(oldKeys[j]);
                while (keys[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
                size++;
            }
        }
    }
}
