package io.vfio4j.spapr;

import io.vfio4j.api.host.PhysicalMemory;
import io.vfio4j.api.host.PinnedRun;
import java.util.BitSet;
import java.util.List;

/**
 * Preregistered memory (the kernel's {@code mm_iommu_table_group_mem_t}): a range of user memory
 * pinned writable and charged once per address space, shared by every container of the process. Its
 * pinned frames are kept as runs, not per page, so a 1 TiB region costs its extents.
 *
 * <p>{@code used} counts container references; {@code mapped} is 1 while alive with no TCE into it,
 * +1 per TCE (and per external pin). Both change only under the {@link PreregRegistry}'s lock.
 */
final class PreregRegion {
    private final long ua;
    private final long entries;
    private final int systemPageShift;
    private final int maxIommuShift;
    private final long[] runFirstPage;
    private final long[] runPfn;
    private final long[] runPages;
    private final int[] runBackingShift;

    /**
     * The run holding the first page of each block of {@code 2^blockShift} pages, blocks about as
     * long as the average run: a page's run is found among the few between two blocks' entries
     * instead of by a search of all runs.
     */
    private final int blockShift;

    private final int[] blockRun;

    private final BitSet dirty = new BitSet();
    private int used = 1;
    private long mapped = 1;

    PreregRegion(long ua, long entries, int systemPageShift, List<PinnedRun> runs) {
        this.ua = ua;
        this.entries = entries;
        this.systemPageShift = systemPageShift;
        int n = runs.size();
        runFirstPage = new long[n];
        runPfn = new long[n];
        runPages = new long[n];
        runBackingShift = new int[n];
        // The largest usable IOMMU page: the natural alignment of ua and size, cut to the backing
        // page size where memory is backed by huge pages (mm_iommu_do_alloc).
        int shift = Long.numberOfTrailingZeros(ua | (entries << systemPageShift));
        long page = 0;
        for (int i = 0; i < n; i++) {
            PinnedRun r = runs.get(i);
            runFirstPage[i] = page;
            runPfn[i] = r.pfn();
            runPages[i] = r.pages();
            runBackingShift[i] = Math.max(systemPageShift, r.backingPageShift());
            shift = Math.min(shift, runBackingShift[i]);
            page += r.pages();
        }
        this.maxIommuShift = shift;
        this.blockShift = 63 - Long.numberOfLeadingZeros(Math.max(1, entries / Math.max(1, n)));
        int blocks = entries == 0 ? 0 : (int) (((entries - 1) >>> blockShift) + 1);
        blockRun = new int[blocks];
        int r = 0;
        for (int b = 0; b < blocks; b++) {
            long first = (long) b << blockShift;
            while (r + 1 < n && runFirstPage[r + 1] <= first) {
                r++;
            }
            blockRun[b] = r;
        }
    }

    long ua() {
        return ua;
    }

    /** Size in system pages. */
    long entries() {
        return entries;
    }

    long sizeBytes() {
        return entries << systemPageShift;
    }

    int maxIommuShift() {
        return maxIommuShift;
    }

    int used() {
        return used;
    }

    long mapped() {
        return mapped;
    }

    void addUser() {
        used++;
    }

    /** Drops a container reference; returns the references left. */
    int dropUser() {
        return --used;
    }

    void mappedInc() {
        mapped++;
    }

    /** {@code mm_iommu_mapped_dec}: never below 1, which means "alive, no TCEs". */
    void mappedDec() {
        if (mapped > 1) {
            mapped--;
        }
    }

    /** {@code n} calls of {@link #mappedInc} at once. */
    void mappedAdd(long n) {
        mapped += n;
    }

    /** {@code n} calls of {@link #mappedDec} at once. */
    void mappedSub(long n) {
        if (mapped > 1) {
            mapped = Math.max(1, mapped - n);
        }
    }

    /** True if {@code [va, va + length)} lies inside the region. */
    boolean contains(long va, long length) {
        long off = va - ua;
        return Long.compareUnsigned(va, ua) >= 0
                && Long.compareUnsigned(off, sizeBytes()) < 0
                && Long.compareUnsigned(length, sizeBytes() - off) <= 0;
    }

    /** True if {@code [va, va + length)} overlaps the region. */
    boolean overlaps(long va, long length) {
        return Long.compareUnsigned(ua, va + length) < 0
                && Long.compareUnsigned(va, ua + sizeBytes()) < 0;
    }

    /** The host physical address of user address {@code va} inside the region. */
    long hpa(long va) {
        long page = (va - ua) >>> systemPageShift;
        int r = run(page);
        long pfn = runPfn[r] + (page - runFirstPage[r]);
        return (pfn << systemPageShift) | (va & ((1L << systemPageShift) - 1));
    }

    /** log2 of the backing page size at {@code va}: what {@code tce_page_is_contained} checks. */
    int backingShift(long va) {
        return runBackingShift[run((va - ua) >>> systemPageShift)];
    }

    /**
     * How many pages of {@code 2^shift} bytes from {@code va} (inside the region) lie wholly in the
     * region.
     */
    long pagesFrom(long va, int shift) {
        return (sizeBytes() - (va - ua)) >>> shift;
    }

    /** Pinned runs, in address order; they cover the region without gaps. */
    int runCount() {
        return runPfn.length;
    }

    /** The run that holds the system page at {@code va} (inside the region). */
    int runOf(long va) {
        return run((va - ua) >>> systemPageShift);
    }

    /** The user address just past run {@code r}. */
    long runEnd(int r) {
        return ua + ((runFirstPage[r] + runPages[r]) << systemPageShift);
    }

    /** log2 of the backing page size of run {@code r}. */
    int runBackingShift(int r) {
        return runBackingShift[r];
    }

    /**
     * {@link #hpa} for a {@code va} whose system page lies in run {@code r}: inside a run, host
     * addresses grow with user addresses, so a caller walking the run adds the distance.
     */
    long runHpa(int r, long va) {
        return (runPfn[r] << systemPageShift) + (va - ua) - (runFirstPage[r] << systemPageShift);
    }

    /** Records that a device could have written the page at {@code va} (applied at unpin). */
    void markDirty(long va) {
        long page = (va - ua) >>> systemPageShift;
        dirty.set((int) page);
    }

    /**
     * {@link #markDirty} for each of {@code count} consecutive IOMMU pages of {@code 2^shift} bytes
     * from {@code va}: as one page at a time, only the first system page of each is marked.
     */
    void markDirty(long va, long count, int shift) {
        long page = (va - ua) >>> systemPageShift;
        if (shift <= systemPageShift) {
            long last = (va - ua + ((count - 1) << shift)) >>> systemPageShift;
            dirty.set((int) page, (int) last + 1);
        } else {
            long stride = 1L << (shift - systemPageShift);
            for (long i = 0; i < count; i++) {
                dirty.set((int) (page + i * stride));
            }
        }
    }

    /** Runs of pinned frames, for audits: {@code visitor(pfn, pages)}. */
    void forEachRun(RunVisitor visitor) {
        for (int i = 0; i < runPfn.length; i++) {
            visitor.run(runPfn[i], runPages[i]);
        }
    }

    /** Unpins every frame, honouring dirty marks; once, when the region is freed. */
    void unpinAll(PhysicalMemory memory) {
        for (int i = 0; i < runPfn.length; i++) {
            long first = runFirstPage[i];
            long end = first + runPages[i];
            long p = first;
            // one unpin call per stretch of equally dirty pages
            while (p < end) {
                boolean isDirty = dirty.get((int) p);
                long next = isDirty ? dirty.nextClearBit((int) p) : dirty.nextSetBit((int) p);
                long q = next < 0 ? end : Math.min(end, next);
                memory.unpin(runPfn[i] + (p - first), q - p, isDirty);
                p = q;
            }
        }
    }

    private int run(long page) {
        int b = (int) (page >>> blockShift);
        int lo = blockRun[b];
        int hi = b + 1 < blockRun.length ? blockRun[b + 1] : runFirstPage.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (runFirstPage[mid] <= page) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    @Override
    public String toString() {
        return String.format(
                java.util.Locale.ROOT,
                "region[0x%x+0x%x used %d mapped %d]",
                ua,
                sizeBytes(),
                used,
                mapped);
    }

    /** Receives one run of pinned frames. */
    @FunctionalInterface
    interface RunVisitor {
        void run(long pfn, long pages);
    }
}
