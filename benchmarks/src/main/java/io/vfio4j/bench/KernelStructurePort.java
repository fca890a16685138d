package io.vfio4j.bench;

import io.vfio4j.host.FrameLayout;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * A yardstick, not a model: type1's MAP_DMA and UNMAP_DMA done with the kernel's own data
 * structures, ported straightforwardly, for one process and one IOMMU domain. Issue 17 compared
 * vfio4j with such a port; this one lives here so that the comparison can be run again.
 *
 * <ul>
 *   <li>the mappings: a red-black tree keyed by IOVA ({@link TreeMap}), as type1's {@code dma_list}
 *       of {@code struct vfio_dma};
 *   <li>the process page table: one frame per guest page, read page by page as get_user_pages walks
 *       it;
 *   <li>page references: one counter per frame, as {@code struct page}'s reference count;
 *   <li>the IOMMU page table: a radix table of 512-entry leaves holding one frame per IOVA page, as
 *       the hardware's last level; leaves are kept once allocated.
 * </ul>
 *
 * MAP pins page by page, and charges {@code locked_vm} for and maps each physically contiguous run
 * in turn; UNMAP reads each page's frame back from the IOMMU page table, clears it, drops the
 * page's reference, and uncharges the mapping at once. An mdev's pins go through each mapping's
 * red-black tree of pinned pages ({@code pfn_list} of {@code struct vfio_pfn}). Checked against
 * drivers/vfio/vfio_iommu_type1.c ({@code vfio_dma_do_map}, {@code vfio_pin_pages_remote}, {@code
 * vfio_unmap_unpin}, {@code vfio_iommu_type1_pin_pages}, {@code vfio_iommu_type1_unpin_pages}); no
 * code was taken from it. Error paths are reduced to the overlap check, which is all the benchmarks
 * need. Not thread-safe.
 */
final class KernelStructurePort {
    /** An IOMMU page-table leaf's entries (a 4 KiB table of 8-byte PTEs). */
    static final int LEAF = 512;

    private static final int LEAF_SHIFT = 9;

    /** 4 KiB pages, as the benchmarks' host. */
    private static final int PAGE_SHIFT = 12;

    /** A cleared IOMMU page-table entry. */
    static final long NO_FRAME = -1;

    /** One mapping: {@code struct vfio_dma}, with its external pins ({@code pfn_list}). */
    static final class Dma {
        final long iova;
        final long vaddr;
        final long pages;
        final TreeMap<Long, Vpfn> pfnList = new TreeMap<>();

        Dma(long iova, long vaddr, long pages) {
            this.iova = iova;
            this.vaddr = vaddr;
            this.pages = pages;
        }
    }

    /** One externally pinned page: {@code struct vfio_pfn}. */
    static final class Vpfn {
        final long pfn;
        int refs = 1;

        Vpfn(long pfn) {
            this.pfn = pfn;
        }
    }

    private final long vaddrBase;
    private final long iovaBase;
    private final long basePfn;
    private final long[] processPte;
    private final int[] pageRefs;
    private final long[][] iommuLeaves;

    /** False for a container without an IOMMU domain (mdevs only): MAP pins nothing. */
    private final boolean domain;

    private final TreeMap<Long, Dma> dmaList = new TreeMap<>();
    private long lockedVm;

    /**
     * A process whose guest of {@code layout.pages()} pages at {@code vaddrBase} is backed by the
     * frames of {@code layout} (page {@code i} at {@code layout.pfn(i)}), and a domain whose IOVA
     * space starts at {@code iovaBase} and spans as many pages; without {@code domain}, a container
     * of mdevs only, whose MAP_DMA pins nothing.
     */
    KernelStructurePort(long vaddrBase, long iovaBase, FrameLayout layout, boolean domain) {
        this.domain = domain;
        this.vaddrBase = vaddrBase;
        this.iovaBase = iovaBase;
        this.basePfn = layout.basePfn();
        int pages = Math.toIntExact(layout.pages());
        processPte = new long[pages];
        for (int i = 0; i < pages; i++) {
            processPte[i] = layout.pfn(i);
        }
        pageRefs = new int[pages];
        iommuLeaves = new long[(pages + LEAF - 1) >>> LEAF_SHIFT][];
    }

    /**
     * MAP_DMA of {@code pages} pages from {@code vaddr} at {@code iova}.
     *
     * @return false (EEXIST, nothing changed) if the range overlaps a mapping
     */
    boolean map(long vaddr, long iova, long pages) {
        long last = iova + (pages << PAGE_SHIFT) - 1;
        Map.Entry<Long, Dma> below = dmaList.floorEntry(last);
        if (below != null
                && below.getValue().iova + (below.getValue().pages << PAGE_SHIFT) > iova) {
            return false;
        }
        dmaList.put(iova, new Dma(iova, vaddr, pages));
        if (!domain) {
            return true;
        }
        int page = (int) ((vaddr - vaddrBase) >>> PAGE_SHIFT);
        int ioPage = (int) ((iova - iovaBase) >>> PAGE_SHIFT);
        int n = (int) pages;
        int runStart = 0;
        for (int k = 0; k < n; k++) {
            long pfn = processPte[page + k];
            pageRefs[(int) (pfn - basePfn)]++;
            boolean runEnds = k + 1 == n || processPte[page + k + 1] != pfn + 1;
            if (runEnds) {
                lockedVm += k + 1 - runStart;
                iommuMap(ioPage + runStart, processPte[page + runStart], k + 1 - runStart);
                runStart = k + 1;
            }
        }
        return true;
    }

    /**
     * UNMAP_DMA of the mapping at {@code iova}.
     *
     * @return the pages unmapped: 0 if no mapping starts there
     */
    long unmap(long iova) {
        Dma d = dmaList.remove(iova);
        if (d == null) {
            return 0;
        }
        if (!domain) {
            return d.pages;
        }
        int ioPage = (int) ((iova - iovaBase) >>> PAGE_SHIFT);
        for (int k = 0; k < d.pages; k++) {
            long[] leaf = iommuLeaves[(ioPage + k) >>> LEAF_SHIFT];
            int slot = (ioPage + k) & (LEAF - 1);
            long pfn = leaf[slot];
            leaf[slot] = NO_FRAME;
            pageRefs[(int) (pfn - basePfn)]--;
        }
        lockedVm -= d.pages;
        return d.pages;
    }

    /**
     * An mdev's pin of {@code n} pages from {@code iova}, inside one mapping: page by page, a page
     * already in the mapping's {@code pfn_list} takes a reference, a new one is pinned, charged and
     * added (vfio_pin_pages, vfio_pin_page_external, vfio_add_to_pfn_list).
     */
    void pinPages(long iova, int n, long[] pfns) {
        Dma d = dmaList.floorEntry(iova).getValue();
        for (int k = 0; k < n; k++) {
            long io = iova + ((long) k << PAGE_SHIFT);
            Vpfn v = d.pfnList.get(io);
            if (v != null) {
                v.refs++;
            } else {
                long pfn = processPte[(int) ((d.vaddr + (io - d.iova) - vaddrBase) >>> PAGE_SHIFT)];
                pageRefs[(int) (pfn - basePfn)]++;
                lockedVm++;
                v = new Vpfn(pfn);
                d.pfnList.put(io, v);
            }
            pfns[k] = v.pfn;
        }
    }

    /** Drops one reference on each of {@code n} pages from {@code iova}, pinned before. */
    void unpinPages(long iova, int n) {
        Dma d = dmaList.floorEntry(iova).getValue();
        for (int k = 0; k < n; k++) {
            long io = iova + ((long) k << PAGE_SHIFT);
            Vpfn v = d.pfnList.get(io);
            if (--v.refs == 0) {
                d.pfnList.remove(io);
                pageRefs[(int) (v.pfn - basePfn)]--;
                lockedVm--;
            }
        }
    }

    /** Pages with an external pin in the mapping at {@code iova}. */
    int externallyPinned(long iova) {
        return dmaList.get(iova).pfnList.size();
    }

    /** The frame IOVA {@code iova} translates to, or {@link #NO_FRAME}. */
    long translate(long iova) {
        int ioPage = (int) ((iova - iovaBase) >>> PAGE_SHIFT);
        long[] leaf = iommuLeaves[ioPage >>> LEAF_SHIFT];
        return leaf == null ? NO_FRAME : leaf[ioPage & (LEAF - 1)];
    }

    /** The references held on frame {@code pfn}. */
    int refs(long pfn) {
        return pageRefs[(int) (pfn - basePfn)];
    }

    long lockedVm() {
        return lockedVm;
    }

    int mappings() {
        return dmaList.size();
    }

    /** iommu_map of one contiguous run: one entry per page in the leaves. */
    private void iommuMap(int ioPage, long pfn, int pages) {
        for (int k = 0; k < pages; k++) {
            int p = ioPage + k;
            long[] leaf = iommuLeaves[p >>> LEAF_SHIFT];
            if (leaf == null) {
                leaf = new long[LEAF];
                Arrays.fill(leaf, NO_FRAME);
                iommuLeaves[p >>> LEAF_SHIFT] = leaf;
            }
            leaf[p & (LEAF - 1)] = pfn + k;
        }
    }
}
