package io.vfio4j.spapr;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.PinnedRun;
import io.vfio4j.api.host.TceTableGroup;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes and clears TCEs (the kernel's {@code tce_iommu_build}, {@code tce_iommu_build_v2} and
 * {@code tce_iommu_clear}): v1 pins a page per entry, v2 translates through the preregistered
 * regions. Called with the container lock held; takes the registry's monitor inside it.
 */
final class TceWriter {
    private static final Logger LOG = LoggerFactory.getLogger(TceWriter.class);

    private final SpaprState st;

    TceWriter(SpaprState st) {
        this.st = st;
    }

    /**
     * v1 build: pin one system page per TCE (always for write, Q7), check containment, then write
     * the entries. Pins are all taken before any entry changes, so a refused MAP leaves the table
     * and every pin count as they were.
     */
    void buildV1(DmaWindow w, long iova, long vaddr, long n, int prot) {
        long ps = w.pageSize();
        long[] hpas = new long[Math.toIntExact(n)];
        int done = 0;
        try {
            long lastPage = -1;
            long lastPfn = -1;
            for (; done < n; done++) {
                long va = vaddr + done * ps;
                long page = va & -st.pageSize;
                long pfn;
                if (page == lastPage) {
                    st.host.memory().repin(lastPfn, 1);
                    pfn = lastPfn;
                } else {
                    PinnedRun run = pinForTce(page);
                    pfn = run.pfn();
                    if (Math.max(st.pageShift, run.backingPageShift()) < w.pageShift()) {
                        st.host
                                .memory()
                                .unpin(pfn, 1, false); // Q6: the kernel leaves this pin behind
                        throw VfioException.of(
                                Errno.EPERM,
                                "MAP_DMA: the page at 0x%x is smaller than the "
                                        + "window's 0x%x-byte IOMMU page",
                                va,
                                ps);
                    }
                }
                lastPage = page;
                lastPfn = pfn;
                hpas[done] = (pfn << st.pageShift) | (va & (st.pageSize - 1));
            }
        } catch (VfioException e) {
            for (int i = 0; i < done; i++) {
                st.host.memory().unpin(hpas[i] >>> st.pageShift, 1, false);
            }
            throw e;
        }
        long perm = st.firstTableGroup().tcePermissions(prot);
        long first = w.index(iova);
        for (int i = 0; i < n; i++) {
            long old = w.table().exchange(first + i, hpas[i] | perm, 0);
            if (old != 0) {
                releaseV1(old);
            }
        }
        invalidate(w, first, n);
    }

    private PinnedRun pinForTce(long page) {
        PinnedRun run;
        try {
            run = st.mm.pinRun(page, 1, true);
        } catch (VfioException e) {
            throw new VfioException(
                    Errno.EFAULT,
                    "MAP_DMA: cannot pin 0x"
                            + Long.toHexString(page)
                            + " for write: "
                            + e.getMessage(),
                    e);
        }
        if (run.reserved()) {
            throw VfioException.of(
                    Errno.EFAULT, "MAP_DMA: 0x%x is device memory that cannot be pinned", page);
        }
        return run;
    }

    private void releaseV1(long oldEntry) {
        st.host
                .memory()
                .unpin(oldEntry >>> st.pageShift, 1, (oldEntry & TceTableGroup.TCE_WRITE) != 0);
    }

    /**
     * v2 build: translate every IOMMU page through the process's preregistered regions; all lookups
     * succeed before any entry changes. No pinning, no accounting. The walk goes by stretches of
     * pages in one pinned run ({@link PreregCursor}); a stretch over empty entries is written in
     * one go, one over older entries replaces them one by one as the kernel does.
     *
     * <p>A replaced entry may be the last TCE of a region no container references any more (S-2).
     * Such a region is freed only once every entry is written, and only if it still has no TCE
     * then: the same MAP may map into it further on, and the checks above, made on the regions as
     * they were, must hold for the whole walk (see docs/deviations.md, S-2).
     */
    void buildV2(DmaWindow w, long iova, long vaddr, long n, int prot) {
        long first = w.index(iova);
        long perm = st.firstTableGroup().tcePermissions(prot);
        synchronized (st.registry) {
            PreregCursor c = new PreregCursor(st.registry, vaddr, n, w.pageShift());
            while (c.next()) {
                checkStretch(c, w);
            }
            c.rewind();
            TceTable t = w.table();
            long ps = w.pageSize();
            // One look at the whole range (free when the table is empty) spares one per stretch.
            boolean replacing = t.anyLive(first, first + n);
            // Regions left with no TCE and no user by a replaced entry; rare, so made on demand.
            List<PreregRegion> emptied = null;
            PreregRegion oldRegion = null;
            while (c.next()) {
                checkStretch(c, w);
                PreregRegion region = c.region();
                long index = first + c.offset();
                long count = c.pages();
                if (!replacing || !t.anyLive(index, index + count)) {
                    region.mappedAdd(count);
                    t.fill(index, count, c.hpa() | perm, c.va(), ps);
                    continue;
                }
                long hpa = c.hpa();
                long va = c.va();
                for (long k = 0; k < count; k++) {
                    region.mappedInc();
                    long oldShadow = t.shadow(index + k);
                    long old = t.exchange(index + k, (hpa + k * ps) | perm, va + k * ps);
                    if (old != 0) {
                        oldRegion = unuseV2(old, oldShadow, ps, oldRegion);
                        if (oldRegion != null && SpaprState.unused(oldRegion)) {
                            emptied = remember(emptied, oldRegion);
                        }
                    }
                }
            }
            if (emptied != null) {
                for (PreregRegion e : emptied) {
                    if (SpaprState.unused(e)) {
                        st.freeRegion(e);
                    }
                }
            }
        }
        invalidate(w, first, n);
    }

    private static List<PreregRegion> remember(List<PreregRegion> list, PreregRegion region) {
        List<PreregRegion> l = list == null ? new ArrayList<>(2) : list;
        if (!l.contains(region)) {
            l.add(region);
        }
        return l;
    }

    /** The translation checks of {@link #buildV2}, without changing anything. */
    void checkV2(DmaWindow w, long vaddr, long n) {
        synchronized (st.registry) {
            PreregCursor c = new PreregCursor(st.registry, vaddr, n, w.pageShift());
            while (c.next()) {
                checkStretch(c, w);
            }
        }
    }

    /** Refuses a stretch outside registered memory or with pages too small for the window. */
    private static void checkStretch(PreregCursor c, DmaWindow w) {
        PreregRegion region = c.region();
        if (region == null) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "MAP_DMA: [0x%x, +0x%x) is not inside preregistered memory",
                    c.va(),
                    w.pageSize());
        }
        if (w.pageShift() > region.maxIommuShift()) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "MAP_DMA: %s allows IOMMU pages up to 2^%d, the window uses 2^%d",
                    region,
                    region.maxIommuShift(),
                    w.pageShift());
        }
        if (c.backingShift() < w.pageShift()) {
            throw VfioException.of(
                    Errno.EPERM,
                    "MAP_DMA: the page at 0x%x is smaller than the window's IOMMU page",
                    c.va());
        }
    }

    /**
     * Releases what an old v2 entry held (registry lock held): its dirty mark and one {@code
     * mapped} of its region, which it returns (null if none holds the entry). Frees nothing: the
     * caller frees the region if it is {@link SpaprState#unused} (S-2). {@code cached} (the region
     * the previous entry of a walk came from) is tried before the registry lookup.
     */
    private PreregRegion unuseV2(
            long oldEntry, long oldShadow, long iommuPageSize, PreregRegion cached) {
        PreregRegion region =
                cached != null && cached.contains(oldShadow, iommuPageSize)
                        ? cached
                        : st.registry.findContaining(oldShadow, iommuPageSize);
        if (region == null) {
            LOG.warn(
                    "TCE for user address 0x{} has no preregistered region",
                    Long.toHexString(oldShadow));
            return null;
        }
        if ((oldEntry & TceTableGroup.TCE_WRITE) != 0) {
            region.markDirty(oldShadow);
        }
        region.mappedDec();
        return region;
    }

    /** Clears {@code count} entries from {@code first}; empty entries and chunks are skipped. */
    void clear(DmaWindow w, long first, long count) {
        TceTable t = w.table();
        long end = first + count;
        if (!t.anyLive(first, end)) {
            return;
        }
        if (st.v2) {
            clearV2(t, first, end, w.pageShift());
        } else {
            for (long i = t.nextLive(first, end); i >= 0; i = t.nextLive(i + 1, end)) {
                releaseV1(t.exchange(i, 0, 0));
            }
        }
        invalidate(w, first, count);
    }

    /**
     * v2 clear of the live entries in {@code [first, end)}: stretches of entries that map
     * consecutive user addresses of one region with the same write permission are emptied in one
     * pass and released at once (dirty marks, {@code mapped}); that is the per-entry release
     * summed. Entries of a region no container references any more, or of none, go one by one:
     * their release may free the region midway.
     */
    private void clearV2(TceTable t, long first, long end, int shift) {
        long ps = 1L << shift;
        synchronized (st.registry) {
            PreregRegion cached = null;
            for (long i = t.nextLive(first, end); i >= 0; i = t.nextLive(i, end)) {
                long shadow = t.shadow(i);
                PreregRegion region =
                        cached != null && cached.contains(shadow, ps)
                                ? cached
                                : st.registry.findContaining(shadow, ps);
                if (region == null || region.used() == 0) {
                    cached = unuseV2(t.exchange(i, 0, 0), shadow, ps, region);
                    if (cached != null && SpaprState.unused(cached)) {
                        st.freeRegion(cached); // a clear maps nothing afterwards: free it at once
                        cached = null;
                    }
                    i++;
                    continue;
                }
                boolean writable = (t.get(i) & TceTableGroup.TCE_WRITE) != 0;
                long limit = i + Math.min(end - i, region.pagesFrom(shadow, shift));
                long k = t.clearStretch(i, limit, shadow, ps, TceTableGroup.TCE_WRITE);
                if (writable) {
                    region.markDirty(shadow, k, shift);
                }
                region.mappedSub(k);
                cached = region;
                i += k;
            }
        }
    }

    /** One TCE cache invalidation per request and group (the kernel's {@code tce_kill}). */
    private void invalidate(DmaWindow w, long first, long count) {
        for (GroupMember m : st.groups) {
            m.tableGroup().invalidate(w.slot(), first, count);
        }
    }
}
