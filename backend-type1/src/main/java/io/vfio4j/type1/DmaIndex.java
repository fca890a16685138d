package io.vfio4j.type1;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The mappings ordered by IOVA (the kernel's {@code dma_list} rb-tree). Mappings never overlap, so
 * each lookup is one floor/ceiling step. Addresses are unsigned.
 */
final class DmaIndex {
    private final TreeMap<Long, DmaMapping> byIova = new TreeMap<>(Long::compareUnsigned);
    private long mappedBytes;

    /**
     * The mapping the last lookup found: pins and unpins walk one mapping page after page, so most
     * lookups are answered here without a tree descent (and without boxing the key).
     */
    private DmaMapping last;

    int size() {
        return byIova.size();
    }

    boolean isEmpty() {
        return byIova.isEmpty();
    }

    long mappedBytes() {
        return mappedBytes;
    }

    void add(DmaMapping m) {
        byIova.put(m.iova, m);
        mappedBytes += m.size;
    }

    void remove(DmaMapping m) {
        if (last == m) {
            last = null;
        }
        byIova.remove(m.iova);
        mappedBytes -= m.size;
    }

    Collection<DmaMapping> all() {
        return byIova.values();
    }

    /** A snapshot, for walks that remove. */
    List<DmaMapping> snapshot() {
        return new ArrayList<>(byIova.values());
    }

    /**
     * The mapping containing {@code address}, or null (the kernel's {@code vfio_find_dma(a, 1)}).
     */
    DmaMapping containing(long address) {
        DmaMapping m = last;
        if (m != null && m.contains(address)) {
            return m;
        }
        Map.Entry<Long, DmaMapping> e = byIova.floorEntry(address);
        if (e != null && e.getValue().contains(address)) {
            last = e.getValue();
            return last;
        }
        return null;
    }

    /**
     * Any mapping overlapping the inclusive range [first, last] (the kernel's {@code
     * vfio_find_dma}), or null. The caller guarantees first <= last.
     */
    DmaMapping overlapping(long first, long last) {
        DmaMapping m = containing(first);
        if (m != null) {
            return m;
        }
        Map.Entry<Long, DmaMapping> e = byIova.higherEntry(first);
        if (e != null && Long.compareUnsigned(e.getKey(), last) <= 0) {
            return e.getValue();
        }
        return null;
    }

    /**
     * The first mapping, in IOVA order, that overlaps [start, start + size), computed as the
     * kernel's {@code vfio_find_dma_first_node} does, including its wrap: when {@code start + size}
     * wraps to 0 (a range ending exactly at 2^64) nothing is found (fixed only in 6.18).
     */
    DmaMapping firstOverlapping(long start, long size) {
        DmaMapping m = containing(start);
        if (m == null) {
            Map.Entry<Long, DmaMapping> e = byIova.higherEntry(start);
            m = e == null ? null : e.getValue();
        }
        if (m == null) {
            return null;
        }
        // The kernel compares with start < dma->iova + dma->size, which wraps for a mapping
        // that ends at 2^64 - 1; such a mapping is never found as "containing" start.
        if (m.iova + m.size == 0 && Long.compareUnsigned(m.iova, start) <= 0) {
            return null;
        }
        if (size != 0 && Long.compareUnsigned(m.iova, start + size) >= 0) {
            return null;
        }
        return m;
    }

    /** The mapping after {@code m} in IOVA order, or null. */
    DmaMapping next(DmaMapping m) {
        Map.Entry<Long, DmaMapping> e = byIova.higherEntry(m.iova);
        return e == null ? null : e.getValue();
    }
}
