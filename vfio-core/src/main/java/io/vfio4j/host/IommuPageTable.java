package io.vfio4j.host;

/**
 * The page table of a {@link SimIommuDomain}: one entry per mapped run ({@code iova, pfn, pages,
 * prot}) in unsigned IOVA order, in {@link SortedBlocks}: 32 bytes an entry, MAPs and UNMAPs in
 * IOVA order O(1) each and in any other order O(log n), lookups by binary search. Entries never
 * overlap (the domain checks). Not thread-safe: the domain locks.
 */
final class IommuPageTable extends SortedBlocks {
    private static final int IOVA = 0;
    private static final int PFN = 1;
    private static final int PAGES = 2;
    private static final int PROT = 3;

    IommuPageTable() {
        super(4, true);
    }

    long iova(int i) {
        return field(i, IOVA);
    }

    long pfn(int i) {
        return field(i, PFN);
    }

    long pages(int i) {
        return field(i, PAGES);
    }

    int prot(int i) {
        return (int) field(i, PROT);
    }

    /** The last IOVA of entry {@code i}, given the page shift. */
    long lastIova(int i, int pageShift) {
        return field(i, IOVA) + (field(i, PAGES) << pageShift) - 1;
    }

    /** Inserts an entry at index {@code at}; the caller keeps the IOVA order. */
    void insert(int at, long iova, long pfn, long pageCount, int prot) {
        insertRow(at, iova, pfn, pageCount, prot);
    }

    /** Rewrites entry {@code i} in place (a trimmed run keeps its position in the order). */
    void set(int i, long iova, long pfn, long pageCount) {
        setField(i, IOVA, iova);
        setField(i, PFN, pfn);
        setField(i, PAGES, pageCount);
    }
}
