package io.vfio4j.host;

import java.util.Arrays;

/**
 * The page table of a {@link SimIommuDomain}: one entry per mapped run ({@code iova, pfn, pages,
 * prot}) in unsigned IOVA order, held in parallel primitive arrays with a movable gap (a gap
 * buffer). Backends map runs in IOVA order and unmap them in IOVA order, so consecutive inserts or
 * removals at one position cost O(1) each, with no object per entry; a lookup is a binary search.
 * Entries never overlap (the domain checks). Not thread-safe: the domain locks.
 */
final class IommuPageTable {
    private static final int MIN_CAPACITY = 16;

    private long[] iovas;
    private long[] pfns;
    private long[] pages;
    private int[] prots;
    private int size;

    /** Logical index where the gap starts; the gap is {@code capacity - size} slots long. */
    private int gap;

    IommuPageTable() {
        allocate(MIN_CAPACITY);
    }

    int size() {
        return size;
    }

    long iova(int i) {
        return iovas[slot(i)];
    }

    long pfn(int i) {
        return pfns[slot(i)];
    }

    long pages(int i) {
        return pages[slot(i)];
    }

    int prot(int i) {
        return prots[slot(i)];
    }

    /** The last IOVA of entry {@code i}, given the page shift. */
    long lastIova(int i, int pageShift) {
        int s = slot(i);
        return iovas[s] + (pages[s] << pageShift) - 1;
    }

    /** The index of the last entry whose IOVA is at or below {@code iova} (unsigned), or -1. */
    int floor(long iova) {
        int lo = 0;
        int hi = size - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(iovas[slot(mid)], iova) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Inserts an entry at index {@code at}; the caller keeps the IOVA order. */
    void insert(int at, long iova, long pfn, long pageCount, int prot) {
        if (size == iovas.length) {
            grow();
        }
        moveGap(at);
        iovas[gap] = iova;
        pfns[gap] = pfn;
        pages[gap] = pageCount;
        prots[gap] = prot;
        gap++;
        size++;
    }

    /** Rewrites entry {@code i} in place (a trimmed run keeps its position in the order). */
    void set(int i, long iova, long pfn, long pageCount) {
        int s = slot(i);
        iovas[s] = iova;
        pfns[s] = pfn;
        pages[s] = pageCount;
    }

    void remove(int at) {
        moveGap(at);
        // The entry now sits just after the gap: widening the gap drops it.
        size--;
        if (size < iovas.length / 4 && iovas.length > MIN_CAPACITY) {
            shrink();
        }
    }

    void clear() {
        allocate(MIN_CAPACITY);
    }

    private int slot(int i) {
        return i < gap ? i : i + iovas.length - size;
    }

    /** Moves the gap to logical index {@code at}: only the entries between the two move. */
    private void moveGap(int at) {
        int gapLength = iovas.length - size;
        if (at < gap) {
            int n = gap - at;
            System.arraycopy(iovas, at, iovas, at + gapLength, n);
            System.arraycopy(pfns, at, pfns, at + gapLength, n);
            System.arraycopy(pages, at, pages, at + gapLength, n);
            System.arraycopy(prots, at, prots, at + gapLength, n);
        } else if (at > gap) {
            int n = at - gap;
            System.arraycopy(iovas, gap + gapLength, iovas, gap, n);
            System.arraycopy(pfns, gap + gapLength, pfns, gap, n);
            System.arraycopy(pages, gap + gapLength, pages, gap, n);
            System.arraycopy(prots, gap + gapLength, prots, gap, n);
        }
        gap = at;
    }

    private void grow() {
        resize(iovas.length * 2);
    }

    private void shrink() {
        resize(Math.max(MIN_CAPACITY, iovas.length / 2));
    }

    /** Copies the entries into arrays of {@code capacity}, with the gap at the end. */
    private void resize(int capacity) {
        moveGap(size);
        iovas = Arrays.copyOf(iovas, capacity);
        pfns = Arrays.copyOf(pfns, capacity);
        pages = Arrays.copyOf(pages, capacity);
        prots = Arrays.copyOf(prots, capacity);
    }

    private void allocate(int capacity) {
        iovas = new long[capacity];
        pfns = new long[capacity];
        pages = new long[capacity];
        prots = new int[capacity];
        size = 0;
        gap = 0;
    }
}
