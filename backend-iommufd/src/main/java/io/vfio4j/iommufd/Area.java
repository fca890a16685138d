package io.vfio4j.iommufd;

import java.util.HashMap;
import java.util.Map;

/**
 * One mapping of the IOAS (the kernel's {@code struct iopt_area}): [iova, last] taking its frames
 * from {@link #pages} at user address {@link #va}. Never merged; split only by the TYPE1 compat
 * unmap (docs/reference/iommufd.md §7 C9). Guarded by the container's lock.
 */
final class Area {
    final long iova;
    final long length;
    final long va;
    final int prot;
    final IoptPages pages;

    /** True while the area's pages are held for the IOAS's domains (one holder per page). */
    boolean filled;

    /** An unmap is notifying the accesses: new pins and reads fail with EINVAL. */
    boolean preventAccess;

    /** Access pin records: the exact page-index range and its users (pages.c X4). */
    final Map<IndexRange, Integer> accessRecords = new HashMap<>();

    /** An exact access range of page indexes in {@link #pages}, both inclusive. */
    record IndexRange(int first, int last) {
        long pages() {
            return last - (long) first + 1;
        }
    }

    Area(long iova, long length, long va, int prot, IoptPages pages) {
        this.iova = iova;
        this.length = length;
        this.va = va;
        this.prot = prot;
        this.pages = pages;
    }

    long last() {
        return iova + length - 1;
    }

    int firstIndex() {
        return pages.index(va);
    }

    int lastIndex() {
        return pages.index(va + length - 1);
    }

    /** The index of the page behind {@code address} inside this area. */
    int indexOf(long address) {
        return pages.index(va + (address - iova));
    }

    boolean contains(long address) {
        return Long.compareUnsigned(address, iova) >= 0
                && Long.compareUnsigned(address, last()) <= 0;
    }

    boolean hasAccessPins() {
        return !accessRecords.isEmpty();
    }

    @Override
    public String toString() {
        return "area [0x" + Long.toHexString(iova) + ", 0x" + Long.toHexString(last()) + "]";
    }
}
