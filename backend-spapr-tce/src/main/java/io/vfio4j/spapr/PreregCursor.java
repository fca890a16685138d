package io.vfio4j.spapr;

/**
 * Walks the IOMMU pages of a v2 MAP ({@code count} pages of {@code 2^shift} bytes from user address
 * {@code va}) through the preregistered memory of the process, one stretch per {@link #next} step.
 * A stretch is the longest row of consecutive pages that lie wholly in one region and whose first
 * system page lies in one pinned run of it (the page the translation and {@code
 * tce_page_is_contained} look at). A region is thus looked up once per region and a run once per
 * run, not once per page; inside a stretch host addresses grow with user addresses.
 *
 * <p>If no region holds a page, the stretch is that one page with a null {@link #region()}. The
 * caller holds the registry's monitor.
 */
final class PreregCursor {
    private final PreregRegistry registry;
    private final long va;
    private final long count;
    private final int shift;

    /** Pages covered by the stretches before the current one. */
    private long done;

    private long pages;
    private PreregRegion region;
    private int run;

    /** Where the first stretch was, for {@link #rewind}. */
    private PreregRegion firstRegion;

    private int firstRun;

    PreregCursor(PreregRegistry registry, long va, long count, int shift) {
        this.registry = registry;
        this.va = va;
        this.count = count;
        this.shift = shift;
    }

    /** Moves to the next stretch; false once all {@code count} pages have been covered. */
    boolean next() {
        done += pages;
        pages = 0;
        if (done >= count) {
            return false;
        }
        long at = va();
        long size = 1L << shift;
        if (region == null || !region.contains(at, size)) {
            region = registry.findContaining(at, size);
            if (region == null) {
                pages = 1;
                return true;
            }
            run = region.runOf(at);
        } else if (Long.compareUnsigned(at, region.runEnd(run)) >= 0) {
            // Same region, past the run: usually the next run holds it (a page can skip runs
            // only when the IOMMU page is larger than the runs).
            boolean inNext =
                    run + 1 < region.runCount()
                            && Long.compareUnsigned(at, region.runEnd(run + 1)) < 0;
            run = inNext ? run + 1 : region.runOf(at);
        }
        if (done == 0) {
            firstRegion = region;
            firstRun = run;
        }
        long inRun = (region.runEnd(run) - at + size - 1) >>> shift;
        pages = Math.min(count - done, Math.min(region.pagesFrom(at, shift), inRun));
        return true;
    }

    /**
     * Goes back to before the first stretch, keeping its region and run: a second walk (checks
     * first, then writes) repeats no lookup for it.
     */
    void rewind() {
        done = 0;
        pages = 0;
        region = firstRegion;
        run = firstRun;
    }

    /** Pages before this stretch: its first page is the request's page {@code offset()}. */
    long offset() {
        return done;
    }

    /** Pages in this stretch, at least 1. */
    long pages() {
        return pages;
    }

    /** The user address of the stretch's first page. */
    long va() {
        return va + (done << shift);
    }

    /** The region that holds the stretch, or null if none holds its (single) page. */
    PreregRegion region() {
        return region;
    }

    /**
     * The host address of the stretch's first page; page {@code k} is at {@code hpa() + k <<
     * shift}.
     */
    long hpa() {
        return region.runHpa(run, va());
    }

    /** log2 of the backing page size of every page of the stretch. */
    int backingShift() {
        return region.runBackingShift(run);
    }
}
