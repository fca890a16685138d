package io.vfio4j.type1;

import java.util.Arrays;

/**
 * The runs a mapping pinned and mapped on the IOMMU path, in IOVA order: parallel primitive arrays
 * of (page offset from the mapping start, first pfn, pages, reserved). A 1 TiB mapping of 1 GiB
 * pages is at most a thousand entries, never one per 4 KiB page.
 */
final class IommuRuns {
    private long[] offsets = new long[4];
    private long[] pfns = new long[4];
    private long[] pages = new long[4];
    private boolean[] reserved = new boolean[4];
    private int count;
    private long totalPages;
    private long pinnedPages;

    int count() {
        return count;
    }

    /** Pages covered by every run. */
    long totalPages() {
        return totalPages;
    }

    /** Pages covered by non-reserved runs: the pages holding an IOMMU-path pin. */
    long pinnedPages() {
        return pinnedPages;
    }

    void add(long pageOffset, long pfn, long n, boolean rsvd) {
        if (count == offsets.length) {
            int cap = count * 2;
            offsets = Arrays.copyOf(offsets, cap);
            pfns = Arrays.copyOf(pfns, cap);
            pages = Arrays.copyOf(pages, cap);
            reserved = Arrays.copyOf(reserved, cap);
        }
        offsets[count] = pageOffset;
        pfns[count] = pfn;
        pages[count] = n;
        reserved[count] = rsvd;
        count++;
        totalPages += n;
        if (!rsvd) {
            pinnedPages += n;
        }
    }

    /** Drops the last run (unwinding a failed step). */
    void removeLast() {
        count--;
        totalPages -= pages[count];
        if (!reserved[count]) {
            pinnedPages -= pages[count];
        }
    }

    long offset(int i) {
        return offsets[i];
    }

    long pfn(int i) {
        return pfns[i];
    }

    long pages(int i) {
        return pages[i];
    }

    boolean reserved(int i) {
        return reserved[i];
    }

    void clear() {
        offsets = new long[4];
        pfns = new long[4];
        pages = new long[4];
        reserved = new boolean[4];
        count = 0;
        totalPages = 0;
        pinnedPages = 0;
    }
}
