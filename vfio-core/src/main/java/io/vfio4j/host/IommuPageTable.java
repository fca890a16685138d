package io.vfio4j.host;

/**
 * The page table of a {@link SimIommuDomain}: one entry per mapped run ({@code iova, pfn, pages,
 * prot}) in unsigned IOVA order, in a {@link GapBuffer}: 28 bytes an entry, consecutive MAPs and
 * UNMAPs in IOVA order O(1) each, lookups by binary search. Entries never overlap (the domain
 * checks). Not thread-safe: the domain locks.
 */
final class IommuPageTable extends GapBuffer {
    private long[] iovas = new long[MIN_CAPACITY];
    private long[] pfns = new long[MIN_CAPACITY];
    private long[] pages = new long[MIN_CAPACITY];
    private int[] prots = new int[MIN_CAPACITY];

    IommuPageTable() {
        useColumns(iovas, pfns, pages, prots);
    }

    @Override
    void setColumns(Object[] c) {
        iovas = (long[]) c[0];
        pfns = (long[]) c[1];
        pages = (long[]) c[2];
        prots = (int[]) c[3];
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
        return floor(iovas, iova, true);
    }

    /** Inserts an entry at index {@code at}; the caller keeps the IOVA order. */
    void insert(int at, long iova, long pfn, long pageCount, int prot) {
        int s = openSlot(at);
        iovas[s] = iova;
        pfns[s] = pfn;
        pages[s] = pageCount;
        prots[s] = prot;
    }

    /** Rewrites entry {@code i} in place (a trimmed run keeps its position in the order). */
    void set(int i, long iova, long pfn, long pageCount) {
        int s = slot(i);
        iovas[s] = iova;
        pfns[s] = pfn;
        pages[s] = pageCount;
    }
}
