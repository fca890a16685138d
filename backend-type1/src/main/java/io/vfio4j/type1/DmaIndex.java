package io.vfio4j.type1;

import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/**
 * The mappings ordered by IOVA (the kernel's {@code dma_list} rb-tree, {@code vfio_link_dma} and
 * {@code vfio_find_dma} in drivers/vfio/vfio_iommu_type1.c). Mappings never overlap, so each lookup
 * is one floor/ceiling step. Addresses are unsigned.
 *
 * <p>Kept in {@link IovaBlocks}: primitive IOVA keys in small sorted blocks, so adding or removing
 * a mapping costs O(log n) in any IOVA order (a guest with a virtual IOMMU maps and unmaps in
 * random order) with no boxed key or tree node per mapping.
 */
final class DmaIndex {
    private final IovaBlocks<DmaMapping> byIova = new IovaBlocks<>();
    private long mappedBytes;

    /**
     * The mapping the last lookup found: pins and unpins walk one mapping page after page, so most
     * lookups are answered here without a search.
     */
    private DmaMapping last;

    int size() {
        return byIova.size();
    }

    boolean isEmpty() {
        return byIova.size() == 0;
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
        if (byIova.remove(m.iova) != null) {
            mappedBytes -= m.size;
        }
    }

    /** The mappings in IOVA order; not to be modified while iterating. */
    Collection<DmaMapping> all() {
        return new AbstractCollection<>() {
            @Override
            public Iterator<DmaMapping> iterator() {
                return byIova.iterator();
            }

            @Override
            public int size() {
                return byIova.size();
            }
        };
    }

    /** A snapshot, for walks that remove. */
    List<DmaMapping> snapshot() {
        return new ArrayList<>(all());
    }

    /**
     * The mapping containing {@code address}, or null (the kernel's {@code vfio_find_dma(a, 1)}).
     */
    DmaMapping containing(long address) {
        DmaMapping m = last;
        if (m != null && m.contains(address)) {
            return m;
        }
        m = byIova.floor(address);
        if (m != null && m.contains(address)) {
            last = m;
            return m;
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
        // On the index's keys: a MAP that overlaps nothing reads no other mapping.
        return byIova.higherUpTo(first, last);
    }

    /**
     * The first mapping, in IOVA order, that overlaps [start, start + size), computed as the
     * kernel's {@code vfio_find_dma_first_node} does, including its wrap: when {@code start + size}
     * wraps to 0 (a range ending exactly at 2^64) nothing is found (fixed only in 6.18).
     */
    DmaMapping firstOverlapping(long start, long size) {
        DmaMapping m = containing(start);
        if (m == null) {
            m = byIova.higher(start);
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
        return byIova.higher(m.iova);
    }
}
