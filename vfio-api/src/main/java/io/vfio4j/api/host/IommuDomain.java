package io.vfio4j.api.host;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import java.util.List;

/**
 * A hardware IOMMU translation domain: a page table that maps IOVA runs to physical frame runs,
 * shared by the groups attached to it. Sizes are in host pages.
 */
public interface IommuDomain {
    /** Bitmap of the page sizes the domain can map (bit n set = 2^n bytes). */
    long pageSizeBitmap();

    /** The IOVA window the hardware can translate. */
    IovaRange aperture();

    /** True if the domain enforces cache coherency for DMA (IOMMU_CAP_ENFORCE_CACHE_COHERENCY). */
    boolean enforceCacheCoherency();

    /**
     * The IOMMU driver that owns the domain. Two domains of the same driver with the same coherency
     * can hold each other's groups.
     */
    String driver();

    /**
     * Attaches a group to this domain.
     *
     * @throws VfioException EINVAL if the group's IOMMU is of another driver; EBUSY if the group is
     *     attached to another domain
     */
    void attach(IommuGroup group);

    /** Detaches a group from this domain. */
    void detach(IommuGroup group);

    /** The groups attached now. */
    List<IommuGroup> groups();

    /**
     * Maps {@code pages} host pages from {@code iova} to the frames from {@code pfn}.
     *
     * @throws VfioException EEXIST if part of the range is mapped already; ENOMEM on an (injected)
     *     page-table allocation failure; nothing is mapped then
     */
    void map(long iova, long pfn, long pages, int prot);

    /** Unmaps {@code pages} pages from {@code iova}; returns how many were mapped. */
    long unmap(long iova, long pages);

    /** The physical address {@code iova} translates to, or -1 if it is not mapped. */
    long translate(long iova);

    /** The access bits of the mapping at {@code iova}, or 0 if it is not mapped. */
    int protection(long iova);

    /** Pages mapped now. */
    long mappedPages();

    /** Frees the domain; it must have no groups left. */
    void free();

    /**
     * Starts or stops the hardware's dirty tracking ({@code iommu_dirty_ops.set_dirty_tracking};
     * SPI 1.6). While it runs, a device DMA write through a writable mapping marks its IOMMU pages
     * dirty; starting it clears every stale mark first (docs/reference/iommufd.md §8 T2).
     *
     * @throws VfioException EOPNOTSUPP if the domain was not allocated with dirty tracking (the
     *     default: a domain that does not say has none)
     */
    default void setDirtyTracking(boolean enable) {
        throw VfioException.of(Errno.EOPNOTSUPP, "the IOMMU domain has no dirty tracking");
    }

    /**
     * Reads the dirty marks of the IOMMU pages in [{@code iova}, {@code last}] as runs of whole
     * pages, in IOVA order, and clears them unless {@code noClear} ({@code read_and_clear_dirty};
     * SPI 1.6). While tracking is stopped nothing is reported.
     *
     * @throws VfioException EOPNOTSUPP if the domain was not allocated with dirty tracking
     */
    default List<IovaRange> readDirty(long iova, long last, boolean noClear) {
        throw VfioException.of(Errno.EOPNOTSUPP, "the IOMMU domain has no dirty tracking");
    }
}
