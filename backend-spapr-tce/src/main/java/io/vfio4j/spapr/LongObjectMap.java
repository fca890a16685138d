package io.vfio4j.spapr;

import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * A small open-addressing map from non-negative {@code long} keys to objects, so the pin path boxes
 * no {@code Long} per page. Linear probing, deletion by backward shift.
 */
final class LongObjectMap<V> {
    private static final long EMPTY = -1;

    private long[] keys = newKeys(16);
    private Object[] values = new Object[16];
    private int size;

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        int i = find(key);
        return i < 0 ? null : (V) values[i];
    }

    void put(long key, V value) {
        if (key < 0) {
            throw new IllegalArgumentException("keys are non-negative: " + key);
        }
        if ((size + 1) * 2 > keys.length) {
            resize(keys.length * 2);
        }
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (keys[i] != EMPTY && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (keys[i] == EMPTY) {
            size++;
        }
        keys[i] = key;
        values[i] = value;
    }

    void remove(long key) {
        int i = find(key);
        if (i < 0) {
            return;
        }
        int mask = keys.length - 1;
        keys[i] = EMPTY;
        values[i] = null;
        size--;
        // shift back the entries of the probe chain that follows the hole
        int j = (i + 1) & mask;
        while (keys[j] != EMPTY) {
            long k = keys[j];
            int home = slot(k, mask);
            boolean movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
            if (movable) {
                keys[i] = k;
                values[i] = values[j];
                keys[j] = EMPTY;
                values[j] = null;
                i = j;
            }
            j = (j + 1) & mask;
        }
    }

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
        int i = slot(key, mask);
        while (keys[i] != EMPTY) {
            if (keys[i] == key) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    @SuppressWarnings("unchecked")
    private void resize(int capacity) {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        keys = newKeys(capacity);
        values = new Object[capacity];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                put(oldKeys[i], (V) oldValues[i]);
            }
        }
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private static long[] newKeys(int capacity) {
        long[] k = new long[capacity];
        Arrays.fill(k, EMPTY);
        return k;
    }
}
