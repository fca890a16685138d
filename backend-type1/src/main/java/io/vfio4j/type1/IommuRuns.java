package io.vfio4j.type1;

import java.util.Arrays;

/**
 * The runs a mapping pinned and mapped on the IOMMU path, in IOVA order: (page offset from the
 * mapping start, first pfn, pages, reserved). A 1 TiB mapping of 1 GiB pages is at most a thousand
 * entries, never one per 4 KiB page. The first run lives in fields and the arrays exist only from
 * the second run on: most mappings are one run, and every array is one more cache line an UNMAP in
 * random order misses and one more object each MAP allocates (issue 17).
 */
final class IommuRuns {
    private long offset0;
    private long pfn0;
    private long pages0;
    private boolean reserved0;

    /** Runs 1.. at index i - 1; null until a second run is added. */
    private long[] offsets;

    private long[] pfns;
    private long[] pages;
    private boolean[] reserved;

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
        if (count == 0) {
            offset0 = pageOffset;
            pfn0 = pfn;
            pages0 = n;
            reserved0 = rsvd;
        } else {
            int j = count - 1;
            if (offsets == null) {
                offsets = new long[4];
                pfns = new long[4];
                pages = new long[4];
                reserved = new boolean[4];
            } else if (j == offsets.length) {
                int cap = j * 2;
                offsets = Arrays.copyOf(offsets, cap);
                pfns = Arrays.copyOf(pfns, cap);
                pages = Arrays.copyOf(pages, cap);
                reserved = Arrays.copyOf(reserved, cap);
            }
            offsets[j] = pageOffset;
            pfns[j] = pfn;
            pages[j] = n;
            reserved[j] = rsvd;
        }
        count++;
        totalPages += n;
        if (!rsvd) {
            pinnedPages += n;
        }
    }

    /** Drops the last run (unwinding a failed step). */
    void removeLast() {
        long n = pages(count - 1);
        boolean rsvd = reserved(count - 1);
        count--;
        totalPages -= n;
        if (!rsvd) {
            pinnedPages -= n;
        }
    }

    long offset(int i) {
        return i == 0 ? offset0 : offsets[i - 1];
    }

    long pfn(int i) {
        return i == 0 ? pfn0 : pfns[i - 1];
    }

    long pages(int i) {
        return i == 0 ? pages0 : pages[i - 1];
    }

    boolean reserved(int i) {
        return i == 0 ? reserved0 : reserved[i - 1];
    }

    /** Forgets every run; the arrays of a many-run mapping go too (it may be re-pinned smaller). */
    void clear() {
        offsets = null;
        pfns = null;
        pages = null;
        reserved = null;
        count = 0;
        totalPages = 0;
        pinnedPages = 0;
    }
}
