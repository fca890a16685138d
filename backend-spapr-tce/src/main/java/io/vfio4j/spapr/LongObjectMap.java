package io.vfio4j.spapr;

import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * An open-addressing map from {@code long} keys to objects, so the pin path boxes no {@code Long}
 * per page. Not thread-safe: the container lock guards it.
 *
 * <p>The project's one convention for primitive hash tables (as vfio-core's {@code LongIntHashMap},
 * the type1 {@code PageRefTable} and the mdev {@code PageRefMap}; see benchmarks/README.md,
 * "Primitive hash tables", for why hand-written tables were kept): a power-of-two capacity of at
 * least 16, grown ×2 above 3/4 full; Fibonacci hashing (the top bits of {@code key * 2^64/φ});
 * linear probing; a free slot holds the key {@link #EMPTY}, the one key refused; deletion by
 * backward shift, so no tombstones.
 */
final class LongObjectMap<V> {
    /** Marks a free slot; the only key the map refuses. */
    static final long EMPTY = Long.MIN_VALUE;

    private static final int MIN_CAPACITY = 16;

    private long[] keys;
    private Object[] values;

    /** 64 - log2(capacity): {@link #home} keeps the top bits of the product. */
    private int shift;

    private int size;

    LongObjectMap() {
        allocate(MIN_CAPACITY);
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        int i = find(key);
        return i < 0 ? null : (V) values[i];
    }

    void put(long key, V value) {
        if (key == EMPTY) {
            throw new IllegalArgumentException("key " + EMPTY + " marks a free slot");
        }
        int mask = keys.length - 1;
        int i = home(key);
        while (true) {
            long k = keys[i];
            if (k == key) {
                values[i] = value;
                return;
            }
            if (k == EMPTY) {
                break;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        size++;
        if (size * 4L > keys.length * 3L) {
            rehash(keys.length * 2);
        }
    }

    void remove(long key) {
        int i = find(key);
        if (i >= 0) {
            removeAt(i);
        }
    }

    /** Calls {@code action} on a snapshot of the entries: it may change the map. */
    @SuppressWarnings("unchecked")
    void forEach(BiConsumer<Long, V> action) {
        long[] k = keys.clone();
        Object[] v = values.clone();
        for (int i = 0; i < k.length; i++) {
            if (k[i] != EMPTY) {
                action.accept(k[i], (V) v[i]);
            }
        }
    }

    /** True if some key lies in {@code [from, to)}. */
    boolean anyKeyIn(long from, long to) {
        if (size == 0) {
            return false;
        }
        if (to - from <= size) {
            for (long k = from; k < to; k++) {
                if (find(k) >= 0) {
                    return true;
                }
            }
            return false;
        }
        for (long k : keys) {
            if (k != EMPTY && k >= from && k < to) {
                return true;
            }
        }
        return false;
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
        values[hole] = null;
        size--;
    }

    /** Fibonacci hashing: consecutive page numbers, the usual pattern, land evenly apart. */
    private int home(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        values = new Object[capacity];
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        Object[] oldValues = values;
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
            }
        }
    }
}
