package io.vfio4j.type1;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.PinnedRun;
import java.util.Collection;
import java.util.List;

/**
 * The IOMMU path of a mapping: pin its pages run by run, charge each run once, map it into the
 * domains; and the reverse. Reserved (PFNMAP) runs are mapped but never pinned or charged. Pages
 * that already carry an external pin are pinned again but not charged (they are charged through
 * that pin; the kernel's {@code vfio_find_vpfn} test in {@code vfio_pin_pages_remote}).
 */
final class IommuPath {
    private static final long[] NO_PAGES = new long[0];

    private final Type1State st;

    IommuPath(Type1State st) {
        this.st = st;
    }

    /**
     * Pins the whole mapping from its vaddr in the owner's address space and maps it into {@code
     * targets}. On failure everything this call did is undone (unmapped, unpinned, un-charged) and
     * the error is thrown; the mapping's runs are empty again.
     */
    void pinAndMap(DmaMapping d, List<Type1Domain> targets) {
        long total = d.size >>> st.pageShift;
        long[] vpfns = d.hasPins() ? d.pins().sortedPages() : NO_PAGES;
        long firstPage = st.pageOf(d.iova);
        long charged = 0;
        long done = 0;
        try {
            if (!d.owner.space().isAlive()) {
                throw VfioException.of(
                        Errno.ENODEV,
                        "%s: owner %s has no users left, cannot pin",
                        d.describe(),
                        d.owner.describe());
            }
            while (done < total) {
                long vaddr = d.vaddr + (done << st.pageShift);
                PinnedRun run = d.owner.space().pinRun(vaddr, total - done, d.writable());
                long n = Math.min(run.pages(), total - done);
                long toCharge = 0;
                if (!run.reserved()) {
                    st.pinnedFrames(run.pfn(), n);
                    toCharge =
                            n
                                    - PageRefTable.countInRange(
                                            vpfns, firstPage + done, firstPage + done + n);
                    try {
                        st.charge(d, toCharge);
                    } catch (VfioException e) {
                        st.unpinFrames(run.pfn(), n, false);
                        throw e;
                    }
                }
                d.runs.add(done, run.pfn(), n, run.reserved());
                charged += toCharge;
                long iova = d.iova + (done << st.pageShift);
                mapRun(targets, iova, run.pfn(), n, d.prot);
                done += n;
            }
        } catch (RuntimeException e) {
            unwind(d, targets, done, charged);
            throw e;
        }
    }

    /** Maps one run into every target; if one refuses, unmaps it from those that took it. */
    private void mapRun(List<Type1Domain> targets, long iova, long pfn, long pages, int prot) {
        int mapped = 0;
        try {
            for (Type1Domain t : targets) {
                t.hw.map(iova, pfn, pages, prot);
                mapped++;
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < mapped; i++) {
                targets.get(i).hw.unmap(iova, pages);
            }
            throw e;
        }
    }

    /**
     * Undoes a partial {@link #pinAndMap}: runs fully mapped ({@code mappedPages}) are unmapped;
     * every recorded run is unpinned; {@code charged} is returned to the owner.
     */
    private void unwind(DmaMapping d, List<Type1Domain> targets, long mappedPages, long charged) {
        for (int i = d.runs.count() - 1; i >= 0; i--) {
            long off = d.runs.offset(i);
            long n = d.runs.pages(i);
            if (off < mappedPages) {
                for (Type1Domain t : targets) {
                    t.hw.unmap(d.iova + (off << st.pageShift), n);
                }
            }
            if (!d.runs.reserved(i)) {
                st.unpinFrames(d.runs.pfn(i), n, false);
            }
        }
        d.runs.clear();
        st.uncharge(d, charged);
    }

    /**
     * Replay into a second or later domain: map the runs the mapping already holds (the kernel
     * reads them from the first domain). Nothing is pinned or charged.
     */
    void copyInto(DmaMapping d, Type1Domain target) {
        int i = 0;
        try {
            for (; i < d.runs.count(); i++) {
                target.hw.map(
                        d.iova + (d.runs.offset(i) << st.pageShift),
                        d.runs.pfn(i),
                        d.runs.pages(i),
                        d.prot);
            }
        } catch (RuntimeException e) {
            unmapRuns(d, target, i);
            throw e;
        }
    }

    /** Unmaps the first {@code count} runs of {@code d} from one domain. */
    void unmapRuns(DmaMapping d, Type1Domain from, int count) {
        for (int j = 0; j < count; j++) {
            from.hw.unmap(d.iova + (d.runs.offset(j) << st.pageShift), d.runs.pages(j));
        }
    }

    /**
     * Unmaps the mapping from {@code from} and unpins its IOMMU-path pins (the kernel's {@code
     * vfio_unmap_unpin}). With {@code doAccounting}, returns the non-externally-pinned pages to the
     * owner in one step.
     *
     * @return U, the non-reserved pages unpinned
     */
    long unmapUnpin(DmaMapping d, Collection<Type1Domain> from, boolean doAccounting) {
        long unpinned = d.runs.pinnedPages();
        boolean dirty = d.writable();
        for (int i = 0; i < d.runs.count(); i++) {
            long iova = d.iova + (d.runs.offset(i) << st.pageShift);
            for (Type1Domain t : from) {
                t.hw.unmap(iova, d.runs.pages(i));
            }
            if (!d.runs.reserved(i)) {
                st.unpinFrames(d.runs.pfn(i), d.runs.pages(i), dirty);
            }
        }
        d.runs.clear();
        d.iommuMapped = false;
        if (doAccounting) {
            // Pages with an external pin stay charged through that pin.
            st.uncharge(d, unpinned - Math.min(unpinned, d.pinCount()));
        }
        return unpinned;
    }
}
